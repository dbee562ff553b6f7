'use strict';
// A private pipeline stack for tests and benchmarks: a temp dir, a password-protected
// redis-server, the kserve-stub and the two C++ workers as child processes, each on free
// loopback ports, so several runs (one per bullmq version) can go in parallel. Everything started here is killed
// on stop() and, as a last resort, on process exit.
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Every child process still running; killed with SIGKILL if the test process exits first.
const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)));
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what, predicate, { timeoutMs = 60000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// A child process whose stdout/stderr lines are kept (and written to <dir>/<name>.log).
class Proc {
  constructor(name, command, args, { env, cwd, logDir }) {
    this.name = name;
    this.command = command;
    this.lines = [];         // {stream, text, json?}
    this.exit = null;        // {code, signal} once exited
    this.logFile = fs.createWriteStream(path.join(logDir, `${name}.log`));
    this.child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    this.exited = new Promise(resolve => {
      this.child.on('exit', (code, signal) => {
        live.delete(this.child);
        this.exit = { code, signal };
        resolve(this.exit);
      });
      this.child.on('error', err => {
        live.delete(this.child);
        this.exit = { code: null, signal: null, error: err.message };
        this.lines.push({ stream: 'spawn', text: `spawn failed: ${err.message}` });
        resolve(this.exit);
      });
    });
    this.closed = Promise.all(['stdout', 'stderr'].map(stream => new Promise(resolve => {
      const rl = readline.createInterface({ input: this.child[stream] });
      rl.on('line', text => {
        const line = { stream, text };
        if (text.startsWith('{')) {
          try { line.json = JSON.parse(text); } catch { /* not JSON */ }
        }
        this.lines.push(line);
        this.logFile.write(`${stream === 'stderr' ? '! ' : ''}${text}\n`);
      });
      rl.on('close', resolve);
    })));
  }

  get pid() { return this.child.pid; }
  get running() { return this.exit === null; }

  // Parsed JSON log records (pino lines) of stdout and stderr.
  records() { return this.lines.filter(l => l.json).map(l => l.json); }

  find(predicate) { return this.records().find(predicate); }

  async waitForLine(what, predicate, timeoutMs = 60000) {
    return waitFor(`${this.name}: ${what}`, () => {
      const hit = this.lines.find(predicate);
      if (hit) return hit;
      if (!this.running) {
        throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) while waiting for ${what}`);
      }
      return null;
    }, { timeoutMs });
  }

  async waitForRecord(what, predicate, timeoutMs = 60000) {
    const line = await this.waitForLine(what, l => l.json && predicate(l.json), timeoutMs);
    return line.json;
  }

  async stop(signal = 'SIGTERM', graceMs = 15000) {
    if (this.running) {
      this.child.kill(signal);
      // The grace timer is cleared on exit so that it does not keep the test process alive.
      let handle;
      const timer = new Promise(resolve => { handle = setTimeout(() => resolve('timeout'), graceMs); });
      const outcome = await Promise.race([this.exited, timer]);
      clearTimeout(handle);
      if (outcome === 'timeout') this.child.kill('SIGKILL');
    }
    await this.exited;
    await this.closed;
    await new Promise(resolve => this.logFile.end(resolve));
    return this.exit;
  }

  tail(n = 200) {
    return this.lines.slice(-n).map(l => `${l.stream === 'stderr' ? '! ' : ''}${l.text}`).join('\n');
  }
}

// Sends one control command to kserve-stub's control port; resolves to the reply line.
function stubControl(port, command, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`kserve-stub control '${command}': no reply in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${command}\n`));
    socket.on('data', chunk => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        socket.end();
        resolve(buffer.slice(0, nl));
      }
    });
    socket.on('error', err => { clearTimeout(timer); reject(err); });
    socket.on('close', () => {
      clearTimeout(timer);
      if (!buffer.includes('\n')) {
        if (buffer) resolve(buffer); else reject(new Error(`kserve-stub control '${command}': connection closed`));
      }
    });
  });
}

function requiredBinary(envName) {
  const file = process.env[envName];
  if (!file) throw new Error(`${envName} is not set (path of the binary; ctest passes it)`);
  if (!fs.existsSync(file)) throw new Error(`${envName}=${file} does not exist`);
  return file;
}

const WORKERS = {
  embedding: { bin: 'EMBEDDING_WORKER_BIN', name: 'embedding-worker', queue: 'embedding' },
  prediction: { bin: 'PREDICTION_WORKER_BIN', name: 'prediction-worker', queue: 'prediction' },
};

class Stack {
  constructor() {
    this.procs = [];
    this.workers = {};
  }

  // options: {stubArgs: [], workerEnv: {embedding: {}, prediction: {}}, metrics: true,
  //           faultproxy: {args: []} (optional; needs FAULTPROXY_BIN)}
  static async start(options = {}) {
    const stack = new Stack();
    try {
      await stack.#start(options);
    } catch (err) {
      stack.dumpLogs(`stack start failed: ${err.message}`);
      await stack.stop({ keepDir: true });
      throw err;
    }
    return stack;
  }

  async #start(options) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'protifer-e2e-'));
    this.storagePath = path.join(this.dir, 'objects');
    fs.mkdirSync(this.storagePath);
    const logDir = this.logDir = path.join(this.dir, 'logs');
    fs.mkdirSync(logDir);

    // redis-server
    this.redis = { host: '127.0.0.1', port: await freePort(), password: crypto.randomBytes(16).toString('hex') };
    const redisDir = path.join(this.dir, 'redis');
    fs.mkdirSync(redisDir);
    this.redisDir = redisDir;
    this.redisArgs = options.redisArgs || [];  // e.g. ['--appendonly', 'yes', '--appendfsync', 'always']
    this.redisProc = this.#spawn('redis-server', 'redis-server', [
      '--port', String(this.redis.port), '--requirepass', this.redis.password,
      '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', redisDir, ...this.redisArgs,
    ]);
    await this.redisProc.waitForLine('Ready to accept connections',
      l => /Ready to accept connections/.test(l.text), 15000);

    // kserve-stub
    this.stubProc = this.#spawn('kserve-stub', requiredBinary('KSERVE_STUB_BIN'), [
      '--port=0', '--metrics-port=-1', '--control-port=0', '--time-scale=0.05', ...(options.stubArgs || []),
    ]);
    this.stubProc.args = this.stubProc.child.spawnargs.slice(1);
    const banner = await this.stubProc.waitForLine('the listening line',
      l => l.stream === 'stdout' && l.text.startsWith('kserve-stub listening='), 15000);
    const m = /listening=(\S+):(\d+) metrics=(\S+) control=(\S+):(\d+)/.exec(banner.text);
    if (!m) throw new Error(`unexpected kserve-stub line: ${banner.text}`);
    const metrics = /:(\d+)$/.exec(m[3]);
    this.stub = {
      host: m[1], port: Number(m[2]), controlPort: Number(m[5]),
      metricsPort: metrics ? Number(metrics[1]) : null,  // --metrics-port=0 in stubArgs turns it on
    };
    this.tritonAddress = `${this.stub.host}:${this.stub.port}`;

    // Optional faultproxy between the workers and the stub (benchmarks: real transport faults).
    if (options.faultproxy) await this.#startFaultproxy(options.faultproxy.args || []);

    // the workers, concurrently
    this.metricsPort = options.metrics === false ? null : await freePort();
    // startWorkers: false leaves starting them to the caller (e.g. behind proxies of its own).
    if (options.startWorkers !== false) {
      await Promise.all(Object.keys(WORKERS).map(kind => this.startWorker(kind, options.workerEnv?.[kind] || {})));
    }
  }

  // A faultproxy named `name` in front of the stub (or `upstream`), for callers that want one
  // proxy per worker; resolves to {proc, host, port, address, controlPort (null with
  // --no-control), control(command)}.
  async addFaultproxy(name, { upstream = `${this.stub.host}:${this.stub.port}`, args = [] } = {}) {
    const proc = this.#spawn(name, requiredBinary('FAULTPROXY_BIN'), ['--upstream', upstream, ...args], undefined, 'faultproxy');
    const line = await proc.waitForLine('the listening line',
      l => l.stream === 'stdout' && l.text.startsWith('faultproxy listening='), 15000);
    const m = /listening=(\S+):(\d+) control=(?:(\S+):(\d+)|none)/.exec(line.text);
    if (!m) throw new Error(`unexpected faultproxy line: ${line.text}`);
    const controlPort = m[4] ? Number(m[4]) : null;
    return {
      proc, host: m[1], port: Number(m[2]), address: `${m[1]}:${m[2]}`, controlPort,
      control: command => stubControl(controlPort, command),
    };
  }

  // faultproxy in front of the stub; the workers then dial it (TRITON_URL) instead of the stub.
  async #startFaultproxy(args) {
    const proxy = await this.addFaultproxy('faultproxy', { args });
    this.faultproxyProc = proxy.proc;
    this.faultproxy = { host: proxy.host, port: proxy.port, controlPort: proxy.controlPort };
    this.tritonAddress = proxy.address;
  }

  #spawn(name, command, args, env, role = name) {
    const proc = new Proc(name, command, args, {
      env: env || { PATH: process.env.PATH, LANG: 'C.UTF-8' },
      cwd: this.dir,
      logDir: this.logDir,
    });
    proc.role = role;
    this.procs.push(proc);
    return proc;
  }

  // A process name not used yet in this stack ('redis-server', then 'redis-server-2', ...), so
  // every process of a run keeps its own log file.
  #uniqueName(base) {
    const used = new Set(this.procs.map(p => p.name));
    if (!used.has(base)) return base;
    for (let i = 2; ; i++) if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  // Stops redis-server (SIGKILL by default: a crash), waits downMs, then starts it again on the
  // same port and directory with the same arguments (with redisArgs AOF, the data survives).
  async restartRedis({ signal = 'SIGKILL', downMs = 0 } = {}) {
    await this.redisProc.stop(signal, 5000);
    if (downMs > 0) await sleep(downMs);
    this.redisProc = this.#spawn(this.#uniqueName('redis-server'), 'redis-server', [
      '--port', String(this.redis.port), '--requirepass', this.redis.password,
      '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', this.redisDir, ...this.redisArgs,
    ], undefined, 'redis-server');
    await this.redisProc.waitForLine('Ready to accept connections',
      l => /Ready to accept connections/.test(l.text), 15000);
    return this.redisProc;
  }

  // Stops kserve-stub (SIGKILL by default), waits downMs, then starts it again on the same gRPC
  // and control ports with the same flags (faults set over the control port are gone).
  async restartStub({ signal = 'SIGKILL', downMs = 0 } = {}) {
    await this.stubProc.stop(signal, 5000);
    if (downMs > 0) await sleep(downMs);
    const args = this.stubProc.args.map(a => {
      if (a.startsWith('--port=')) return `--port=${this.stub.port}`;
      if (a.startsWith('--control-port=')) return `--control-port=${this.stub.controlPort}`;
      if (a.startsWith('--metrics-port=') && this.stub.metricsPort) return `--metrics-port=${this.stub.metricsPort}`;
      return a;
    });
    // A port just released may still be bound for a moment: retry the start a few times.
    for (let attempt = 1; ; attempt++) {
      const proc = this.#spawn(this.#uniqueName('kserve-stub'), this.stubProc.command, args, undefined, 'kserve-stub');
      proc.args = args;
      try {
        await proc.waitForLine('the listening line',
          l => l.stream === 'stdout' && l.text.startsWith('kserve-stub listening='), 15000);
        this.stubProc = proc;
        return proc;
      } catch (err) {
        if (proc.running || attempt >= 5) throw err;
        await sleep(200);
      }
    }
  }

  // Environment of a worker (protifer's variable names), minimal and explicit.
  workerEnv(kind, extra = {}) {
    const env = {
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      TRITON_URL: this.tritonAddress,
      REDIS_HOST: this.redis.host,
      REDIS_PORT: String(this.redis.port),
      REDIS_PASSWORD: this.redis.password,
      STORAGE_DRIVER: 'filesystem',
      STORAGE_PATH: this.storagePath,
      METRICS_ENABLED: 'false',
      WORKER_CONCURRENCY: '4',
      BOOT_TIMEOUT_MS: '30000',
      DRAIN_TIMEOUT_MS: '15000',
      LOG_LEVEL: 'info',
    };
    if (kind === 'prediction' && this.metricsPort) {
      env.METRICS_ENABLED = 'true';
      env.METRICS_PORT = String(this.metricsPort);
    }
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete env[k]; else env[k] = v;
    }
    return env;
  }

  // Starts one worker and waits until it consumes its queue. With {name} (e.g.
  // 'prediction-worker-2') it is an additional worker of that kind: stack.workers[kind] keeps the
  // first one, stack.workerProcs(kind) lists them all.
  async startWorker(kind, extraEnv = {}, { name } = {}) {
    const spec = WORKERS[kind];
    const proc = this.#spawn(name || spec.name, requiredBinary(spec.bin), [], this.workerEnv(kind, extraEnv), spec.name);
    proc.kind = kind;
    if (!name || !this.workers[kind]) this.workers[kind] = proc;
    await proc.waitForRecord(`'${spec.name} consuming'`,
      r => typeof r.msg === 'string' && r.msg === `${spec.name} consuming`, 60000);
    return proc;
  }

  // Runs a worker binary to completion (command-line and config checks).
  async runWorker(kind, args, env, timeoutMs = 30000) {
    const spec = WORKERS[kind];
    const proc = this.#spawn(`${spec.name}-run${this.procs.length}`, requiredBinary(spec.bin), args, env);
    const timer = sleep(timeoutMs).then(() => 'timeout');
    if ((await Promise.race([proc.exited, timer])) === 'timeout') {
      proc.child.kill('SIGKILL');
      throw new Error(`${spec.name} ${args.join(' ')} did not exit within ${timeoutMs} ms`);
    }
    await proc.closed;
    return {
      code: proc.exit.code,
      signal: proc.exit.signal,
      stdout: proc.lines.filter(l => l.stream === 'stdout').map(l => l.text).join('\n'),
      stderr: proc.lines.filter(l => l.stream === 'stderr').map(l => l.text).join('\n'),
      records: proc.records(),
    };
  }

  control(command) {
    return stubControl(this.stub.controlPort, command);
  }

  // Every worker process of `kind` started so far (running or not), in start order.
  workerProcs(kind) {
    return this.procs.filter(p => p.kind === kind);
  }

  // One command to faultproxy's control port (options.faultproxy); resolves to the reply line.
  proxyControl(command) {
    if (!this.faultproxy?.controlPort) throw new Error('no faultproxy control port in this stack');
    return stubControl(this.faultproxy.controlPort, command);
  }

  connection() {
    return { host: this.redis.host, port: this.redis.port, password: this.redis.password, maxRetriesPerRequest: null };
  }

  objectPath(key) {
    return path.join(this.storagePath, ...key.split('/'));
  }

  dumpLogs(reason) {
    const parts = [`\n===== e2e: ${reason} (logs in ${this.dir || '?'}) =====`];
    for (const proc of this.procs) {
      if (proc.role === 'redis-server') continue;
      parts.push(`----- ${proc.name} (pid ${proc.pid}, ${proc.running ? 'running' : `exited ${JSON.stringify(proc.exit)}`}) -----`);
      parts.push(proc.tail(150));
    }
    parts.push('===== end of logs =====\n');
    process.stderr.write(parts.join('\n') + '\n');
  }

  // Stops workers first (SIGTERM: they drain), then the stub, then redis. Keeps the temp dir
  // when asked (a failed run), else removes it.
  async stop({ keepDir = false } = {}) {
    const order = [...this.procs].reverse().sort((a, b) => rank(a) - rank(b));
    for (const proc of order) await proc.stop('SIGTERM', proc.role === 'redis-server' ? 5000 : 20000);
    if (this.dir && !keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
    function rank(proc) {
      if (proc.role === 'redis-server') return 2;
      if (proc.role === 'kserve-stub') return 1;
      return 0;
    }
  }
}

module.exports = { Stack, Proc, stubControl, freePort, waitFor, sleep, WORKERS };

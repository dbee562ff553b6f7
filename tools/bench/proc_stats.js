'use strict';
// CPU time and peak memory of a process from /proc, and the machine's load average: the
// worker's cost per job is one of the benchmark's results, and the load average says how much
// other people's builds were competing for the 2 cores while a configuration ran.
const fs = require('node:fs');
const os = require('node:os');

const CLOCK_TICKS = 100;  // USER_HZ on Linux (sysconf(_SC_CLK_TCK)); constant on every arch we run

// User + system CPU seconds of a live process (fields 14 and 15 of /proc/<pid>/stat).
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces or ')': fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

// Peak resident set (VmHWM) in MiB.
function peakRssMiB(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function loadAverage() {
  return os.loadavg()[0];
}

module.exports = { cpuSeconds, peakRssMiB, loadAverage };

#include "faultproxy/command_line.h"

#include <charconv>
#include <optional>

namespace protifer::faultproxy {
namespace {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

std::optional<std::uint16_t> ParsePort(std::string_view text) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty() || value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

// "host:port" or "[v6-address]:port".
std::optional<HostPort> ParseHostPort(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto port = ParsePort(text.substr(colon + 1));
  if (!port || host.empty()) return std::nullopt;
  return HostPort{std::string(host), *port};
}

}  // namespace

CommandLine ParseCommandLine(const std::vector<std::string_view>& arguments) {
  CommandLine result;
  bool have_upstream = false;
  auto fail = [&result](std::string message) {
    result.error = std::move(message);
    return result;
  };

  for (std::size_t i = 0; i < arguments.size(); ++i) {
    std::string_view flag = arguments[i];
    std::optional<std::string_view> inline_value;
    if (std::size_t equals = flag.find('='); flag.rfind("--", 0) == 0 && equals != flag.npos) {
      inline_value = flag.substr(equals + 1);
      flag = flag.substr(0, equals);
    }
    // Fetches the flag's value from "--flag=value" or from the next argument.
    auto value = [&]() -> std::optional<std::string_view> {
      if (inline_value) return inline_value;
      if (i + 1 < arguments.size()) return arguments[++i];
      return std::nullopt;
    };
    auto takes_no_value = [&] { return !inline_value.has_value(); };

    if (flag == "--help" || flag == "-h") {
      if (!takes_no_value()) return fail("--help takes no value");
      result.show_help = true;
    } else if (flag == "--log-connections") {
      if (!takes_no_value()) return fail("--log-connections takes no value");
      result.options.log_connections = true;
    } else if (flag == "--no-control") {
      if (!takes_no_value()) return fail("--no-control takes no value");
      result.options.enable_control = false;
    } else if (flag == "--upstream") {
      auto text = value();
      if (!text) return fail("--upstream needs HOST:PORT");
      auto parsed = ParseHostPort(*text);
      if (!parsed || parsed->port == 0) {
        return fail("--upstream: expected HOST:PORT with a port 1-65535, got '" +
                    std::string(*text) + "'");
      }
      result.options.upstream_host = parsed->host;
      result.options.upstream_port = parsed->port;
      have_upstream = true;
    } else if (flag == "--listen") {
      auto text = value();
      if (!text) return fail("--listen needs HOST:PORT");
      auto parsed = ParseHostPort(*text);
      if (!parsed) {
        return fail("--listen: expected HOST:PORT (port 0 = any free port), got '" +
                    std::string(*text) + "'");
      }
      result.options.listen_host = parsed->host;
      result.options.listen_port = parsed->port;
    } else if (flag == "--control-port") {
      auto text = value();
      if (!text) return fail("--control-port needs a port number");
      auto port = ParsePort(*text);
      if (!port) return fail("--control-port: expected 0-65535, got '" + std::string(*text) + "'");
      result.options.control_port = *port;
    } else if (flag == "--schedule") {
      auto text = value();
      if (!text) return fail("--schedule needs a schedule, e.g. reset@500ms");
      ParsedSchedule schedule = ParseFaultSchedule(*text);
      if (!schedule.error.empty()) return fail("--schedule: " + schedule.error);
      result.options.schedule.insert(result.options.schedule.end(), schedule.entries.begin(),
                                     schedule.entries.end());
    } else {
      return fail("unknown argument '" + std::string(arguments[i]) + "'");
    }
  }
  if (!result.show_help && !have_upstream) return fail("--upstream HOST:PORT is required");
  return result;
}

std::string_view UsageText() {
  return R"(Usage: faultproxy --upstream HOST:PORT [flags]

A TCP proxy for one upstream that injects real transport faults (RST, FIN, half-open
stalls, latency, bandwidth caps, refused connections) between a client and its server.

Flags:
  --upstream HOST:PORT   server to forward to (required); resolved once at start
  --listen HOST:PORT     where clients connect (default 127.0.0.1:0; port 0 = any free port)
  --control-port PORT    control protocol port on 127.0.0.1 (default 0 = any free port)
  --no-control           do not open the control port
  --schedule SPEC        faults to run at fixed times after start (may be repeated)
  --log-connections      also log every accepted and closed connection
  -h, --help             show this text and exit

Output:
  stdout: one line once both ports are open, e.g.
    faultproxy listening=127.0.0.1:40001 control=127.0.0.1:40002 upstream=127.0.0.1:8001
    (control=none with --no-control)
  stderr: one JSON object per line: {"ts":"<ISO-8601 UTC ms>","event":...}. Events:
    start, stop, fault {kind, conn (null = all connections), source, ...},
    upstream_connect_failed, schedule_error, accept_error, open/close (--log-connections).
  SIGINT/SIGTERM: close every socket and exit 0. Bad flags: exit 2. Cannot listen: exit 1.

Control protocol (TCP, one command per line, one reply line "ok ..." or "error ..."):
  reset [conn=ID]              RST (SO_LINGER 0) current connections now
  close [conn=ID]              FIN-close current connections now (then drain the peers)
  reset-every DUR              RST all current connections every DUR; 0 or off = stop
  reset-after BYTES [conn=ID]  RST a connection once BYTES more client->server bytes
                               were forwarded (bytes past the budget are dropped)
  close-after BYTES [conn=ID]  the same with a FIN: the upstream sees exactly BYTES
  stall [conn=ID]              half-open peer: forward nothing either way; new connections
                               are accepted and held silent too
  unstall [conn=ID]            resume; bytes sent during the stall are HELD, not dropped:
                               the proxy stops reading, so they wait in TCP buffers (and
                               the sender's window closes) and are delivered on unstall
  latency DUR [conn=ID]        delay each forwarded chunk by DUR, both directions, in order
  bandwidth BYTES [conn=ID]    cap each direction of each connection to BYTES per second
                               (0 or off = unlimited)
  refuse [close|reset]         stop accepting: close = close the listening socket
                               (ECONNREFUSED); reset = accept, then RST at once
  accept                       accept connections again (same port)
  clear [conn=ID]              remove every fault (with conn=ID: only that connection's)
  status                       counters: connections, bytes each way, faults injected
  list                         live connections with their ids, bytes and faults
  help                         one-line summary of the commands
  quit                         close this control session
  Without conn=ID a rule (reset-after, close-after, stall, latency, bandwidth) applies to
  all current connections and to every future one; reset/close act on current ones only.
  Connection ids count up from 1 in accept order. A cut budget counts from the moment the
  rule reaches the connection (accept time for new connections).
  DUR: 50 (milliseconds), 50ms or 2s.  BYTES: 4096, 64k, 2M (x1000) or 64KiB, 2MiB (x1024).

Schedule (--schedule):
  SPEC := ENTRY[,ENTRY...]   ENTRY := COMMAND[=ARGUMENT][@TIME]
  COMMAND/ARGUMENT as in the control protocol (no conn=ID, no status/list/help/quit);
  TIME is a DUR after start (default 0; time-0 entries apply before the first accept).
  Examples:
    --schedule reset@500ms
    --schedule 'latency=20ms,stall@2s,unstall@4s'
    --schedule reset-every=1s
    --schedule 'refuse@1s,accept@3s,close-after=1MiB@5s'
)";
}

}  // namespace protifer::faultproxy

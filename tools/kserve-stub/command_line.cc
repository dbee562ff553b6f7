#include "command_line.h"

#include <charconv>
#include <functional>
#include <limits>
#include <string_view>

namespace protifer::kserve_stub {
namespace {

template <typename Int>
bool ParseInteger(std::string_view text, Int min, Int max, Int* out) {
  Int value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return false;
  }
  *out = value;
  return true;
}

bool ParseDouble(const std::string& text, double* out) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used != text.size() || !(value > 0.0)) return false;
    *out = value;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

bool ParseBool(std::string_view text, bool* out) {
  if (text == "1" || text == "true") {
    *out = true;
    return true;
  }
  if (text == "0" || text == "false") {
    *out = false;
    return true;
  }
  return false;
}

struct Flag {
  const char* name;
  const char* value_hint;
  const char* help;
  // Applies the value; returns an error message or "".
  std::function<std::string(const std::string& value, CommandLine* line)> apply;
};

std::string IntFlag(const std::string& value, int min, int* target, const char* name) {
  if (!ParseInteger<int>(value, min, std::numeric_limits<int>::max(), target)) {
    return std::string("--") + name + " expects an integer >= " + std::to_string(min) + ", got '" +
           value + "'";
  }
  return "";
}

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> flags = {
      {"host", "ADDR", "IPv4 address to listen on, for gRPC, metrics and control (127.0.0.1)",
       [](const std::string& v, CommandLine* c) {
         c->options.host = v;
         return std::string();
       }},
      {"port", "N", "gRPC port; 0 picks a free port (8001, Triton's)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 0, &c->options.port, "port");
       }},
      {"metrics-port", "N",
       "Prometheus /metrics port; 0 picks a free port, -1 disables (8002, Triton's)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, -1, &c->options.metrics_port, "metrics-port");
       }},
      {"control-port", "N",
       "text control port (commands as in README 'Control'); 0 picks a free port, -1 disables "
       "(-1)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, -1, &c->options.control_port, "control-port");
       }},
      {"models", "FILE", "model catalog JSON (default: the built-in copy of models.json)",
       [](const std::string& v, CommandLine* c) {
         try {
           c->options.catalog = ModelCatalog::FromFile(v);
         } catch (const CatalogError& error) {
           return std::string(error.what());
         }
         return std::string();
       }},
      {"time-scale", "X",
       "multiply every simulated duration (service time, batching delay) by X; 0.01 runs 100x "
       "faster (1)",
       [](const std::string& v, CommandLine* c) {
         if (!ParseDouble(v, &c->options.time_scale)) {
           return "--time-scale expects a number > 0, got '" + v + "'";
         }
         return std::string();
       }},
      {"compute-threads", "N", "threads computing model outputs (2)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 1, &c->options.compute_threads, "compute-threads");
       }},
      {"output-order", "MODE",
       "order of outputs in responses: model (catalog order; tmbed is reversed like real "
       "Triton), requested, reversed, rotate (model)",
       [](const std::string& v, CommandLine* c) {
         auto order = ParseOutputOrder(v);
         if (!order)
           return "--output-order expects model|requested|reversed|rotate, got '" + v + "'";
         c->options.output_order = *order;
         return std::string();
       }},
      {"output-contents", "MODE",
       "raw: raw_output_contents like Triton; typed: typed contents only, to exercise client "
       "fallbacks (raw)",
       [](const std::string& v, CommandLine* c) {
         auto contents = ParseOutputContents(v);
         if (!contents) return "--output-contents expects raw|typed, got '" + v + "'";
         c->options.output_contents = *contents;
         return std::string();
       }},
      {"fault", "COMMAND",
       "control command applied at start-up, repeatable, e.g. --fault='fail seth 3 UNAVAILABLE "
       "boom' or --fault='latency * 50'",
       [](const std::string& v, CommandLine* c) {
         c->options.fault_commands.push_back(v);
         return std::string();
       }},
      {"max-concurrent-streams", "N",
       "GRPC_ARG_MAX_CONCURRENT_STREAMS per connection; 0 leaves gRPC's default like Triton (0)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 0, &c->options.transport.max_concurrent_streams,
                        "max-concurrent-streams");
       }},
      {"resource-quota-bytes", "N",
       "server memory quota (grpc::ResourceQuota::Resize); 1048576 with >= 1.6 MB requests "
       "makes every call fail RESOURCE_EXHAUSTED 'Received RST_STREAM with error code 11'; 0 = "
       "none like Triton (0)",
       [](const std::string& v, CommandLine* c) {
         if (!ParseInteger<std::size_t>(v, 0, std::numeric_limits<std::size_t>::max(),
                                        &c->options.transport.resource_quota_bytes)) {
           return "--resource-quota-bytes expects an integer >= 0, got '" + v + "'";
         }
         return std::string();
       }},
      {"max-message-bytes", "N", "max send/receive message size (2147483647, Triton's)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 1, &c->options.transport.max_message_bytes, "max-message-bytes");
       }},
      {"http2-min-recv-ping-interval-without-data-ms", "N",
       "a client ping sooner than this while the server sends nothing is a strike (300000, "
       "Triton's)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 0, &c->options.transport.http2_min_recv_ping_interval_without_data_ms,
                        "http2-min-recv-ping-interval-without-data-ms");
       }},
      {"http2-max-ping-strikes", "N",
       "strikes before GOAWAY ENHANCE_YOUR_CALM 'too_many_pings'; 0 = unlimited (2, Triton's)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 0, &c->options.transport.http2_max_ping_strikes,
                        "http2-max-ping-strikes");
       }},
      {"keepalive-time-ms", "N", "server keepalive ping interval (7200000, Triton's)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 1, &c->options.transport.keepalive_time_ms, "keepalive-time-ms");
       }},
      {"keepalive-timeout-ms", "N", "server keepalive ack timeout (20000, Triton's)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 1, &c->options.transport.keepalive_timeout_ms, "keepalive-timeout-ms");
       }},
      {"keepalive-permit-without-calls", "0|1",
       "allow the server's keepalive pings with no calls (0, Triton's)",
       [](const std::string& v, CommandLine* c) {
         if (!ParseBool(v, &c->options.transport.keepalive_permit_without_calls)) {
           return "--keepalive-permit-without-calls expects 0|1, got '" + v + "'";
         }
         return std::string();
       }},
      {"http2-max-pings-without-data", "N",
       "limit on the server's own pings without data (2, Triton's)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 0, &c->options.transport.http2_max_pings_without_data,
                        "http2-max-pings-without-data");
       }},
      {"max-connection-age-ms", "N",
       "GOAWAY connections older than this (A9); 0 = never, Triton's default (0)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 0, &c->options.transport.max_connection_age_ms, "max-connection-age-ms");
       }},
      {"max-connection-age-grace-ms", "N", "grace after max-connection-age; 0 = unset (0)",
       [](const std::string& v, CommandLine* c) {
         return IntFlag(v, 0, &c->options.transport.max_connection_age_grace_ms,
                        "max-connection-age-grace-ms");
       }},
      {"shutdown-grace-ms", "N",
       "on SIGTERM/SIGINT, let in-flight calls run this long before cutting simulated waits "
       "short (2000)",
       [](const std::string& v, CommandLine* c) {
         int ms = 0;
         std::string error = IntFlag(v, 0, &ms, "shutdown-grace-ms");
         c->options.shutdown_grace = std::chrono::milliseconds(ms);
         return error;
       }},
      {"log-level", "LEVEL", "debug (one line per call), info, warn or error (info)",
       [](const std::string& v, CommandLine* c) {
         if (!ParseLogLevel(v, &c->log_level)) {
           return "--log-level expects debug|info|warn|error, got '" + v + "'";
         }
         return std::string();
       }},
  };
  return flags;
}

}  // namespace

CommandLine ParseCommandLine(const std::vector<std::string>& args) {
  CommandLine line;
  line.options.port = 8001;
  line.options.metrics_port = 8002;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      line.help = true;
      return line;
    }
    if (arg.rfind("--", 0) != 0) {
      line.error = "unexpected argument '" + arg + "' (flags start with --; see --help)";
      return line;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const Flag* flag = nullptr;
    for (const Flag& candidate : Flags()) {
      if (name == candidate.name) flag = &candidate;
    }
    if (flag == nullptr) {
      line.error = "unknown flag '--" + name + "' (see --help)";
      return line;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        line.error = "--" + name + " needs a value (" + flag->value_hint + ")";
        return line;
      }
      value = args[++i];
    }
    line.error = flag->apply(value, &line);
    if (!line.error.empty()) return line;
  }
  return line;
}

std::string UsageText() {
  std::string text =
      "kserve-stub: a Triton-compatible KServe v2 gRPC server with protifer's model catalog,\n"
      "deterministic layout-sensitive outputs, a capacity model, Triton-like metrics and fault\n"
      "injection. Stands in for NVIDIA Triton in tests, demos and benchmarks.\n\n"
      "Usage: kserve-stub [--flag=value ...]\n\n"
      "On start it prints one line to stdout:\n"
      "  kserve-stub listening=HOST:PORT metrics=HOST:PORT|off [control=HOST:PORT]\n"
      "then logs JSON lines to stderr. SIGTERM/SIGINT shut it down cleanly (exit 0); bad flags\n"
      "exit 2.\n\nFlags:\n";
  for (const Flag& flag : Flags()) {
    text += "  --" + std::string(flag.name) + "=" + flag.value_hint + "\n      " + flag.help + "\n";
  }
  text += "  --help\n      this text\n";
  return text;
}

}  // namespace protifer::kserve_stub

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "faultproxy/connection_faults.h"
#include "faultproxy/event_log.h"
#include "faultproxy/fault_command.h"
#include "faultproxy/fault_schedule.h"

namespace protifer::faultproxy {

struct FaultProxyOptions {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0 = chosen by the OS
  std::string upstream_host;
  std::uint16_t upstream_port = 0;
  bool enable_control = true;
  std::uint16_t control_port = 0;  // on 127.0.0.1; 0 = chosen by the OS
  std::vector<ScheduledFault> schedule;
  EventLog::Sink event_sink;     // JSON lines; empty = stderr
  bool log_connections = false;  // also log every accepted and closed connection
};

struct ProxyStatus {
  std::uint64_t open_connections = 0;
  std::uint64_t accepted_connections = 0;
  std::uint64_t bytes_client_to_server = 0;
  std::uint64_t bytes_server_to_client = 0;
  std::uint64_t resets_injected = 0;      // connections cut with RST by a fault
  std::uint64_t closes_injected = 0;      // connections cut with FIN by a fault
  std::uint64_t refused_connections = 0;  // accepted and reset while refusing
  std::uint64_t upstream_connect_failures = 0;
  std::uint64_t commands_applied = 0;  // fault commands run (control, API or schedule)
  bool accepting = true;
  RefuseMode refuse_mode = RefuseMode::kCloseListener;  // meaningful while !accepting
  std::chrono::milliseconds reset_every{0};
  ConnectionFaults default_faults;  // what new connections get
};

// A TCP proxy for one upstream that injects real transport faults: RST, FIN, half-open
// stalls, latency, bandwidth caps and refused connections. It runs one I/O thread of its own;
// every public method may be called from any other thread (Start and Stop not concurrently
// with anything else). Faults are driven by Execute (the control-protocol lines), by the
// control port, and by the schedule in the options.
class FaultProxy {
 public:
  explicit FaultProxy(FaultProxyOptions options);
  ~FaultProxy();  // stops
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Resolves the upstream, binds the listening and control ports, applies the schedule's
  // time-zero entries and starts the I/O thread. Throws std::runtime_error on failure.
  void Start();
  // Closes every socket (connections see a plain close, as when a proxy process exits) and
  // joins the I/O thread. Idempotent.
  void Stop();

  std::uint16_t listen_port() const;
  std::uint16_t control_port() const;  // 0 when the control port is disabled
  std::string upstream() const;        // "host:port"

  // Runs one control-protocol line and returns its reply ("ok ..." or "error ...").
  std::string Execute(std::string_view command_line);
  ProxyStatus Status();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace protifer::faultproxy

// kserve-stub as a library: a Triton-compatible KServe v2 gRPC server that tests can start
// in-process on 127.0.0.1:0 and the kserve-stub binary wraps. See README.md for behaviour.
#pragma once

#include <chrono>
#include <climits>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model_catalog.h"
#include "response_builder.h"
#include "stub_control.h"
#include "stub_metrics.h"

namespace protifer::kserve_stub {

// gRPC server settings that produce genuine transport behaviour (transport-failures.md).
// Defaults are Triton's.
struct TransportSettings {
  int max_concurrent_streams = 0;        // GRPC_ARG_MAX_CONCURRENT_STREAMS; 0 = not set (Triton)
  std::size_t resource_quota_bytes = 0;  // ResourceQuota::Resize; 0 = no quota (Triton)
  int max_message_bytes = INT_MAX;       // send and receive limit (Triton: INT32_MAX)
  int http2_min_recv_ping_interval_without_data_ms = 300000;
  int http2_max_ping_strikes = 2;
  int keepalive_time_ms = 7200000;
  int keepalive_timeout_ms = 20000;
  bool keepalive_permit_without_calls = false;
  int http2_max_pings_without_data = 2;
  int max_connection_age_ms = 0;  // 0 = not set (Triton's default)
  int max_connection_age_grace_ms = 0;
};

struct StubOptions {
  std::string host = "127.0.0.1";
  int port = 0;           // 0 = pick a free port
  int metrics_port = -1;  // -1 = no metrics endpoint, 0 = pick a free port
  int control_port = -1;  // -1 = no control port, 0 = pick a free port
  ModelCatalog catalog = ModelCatalog::BuiltIn();
  double time_scale = 1.0;  // multiplies every simulated duration
  int compute_threads = 2;
  OutputOrder output_order = OutputOrder::kModel;
  OutputContents output_contents = OutputContents::kRaw;
  TransportSettings transport;
  std::vector<std::string> fault_commands;  // control commands applied before serving
  std::chrono::milliseconds shutdown_grace{2000};
};

class StubServer {
 public:
  // Binds and starts serving. Throws std::runtime_error (bind failure, bad --fault command) or
  // CatalogError (bad model function parameters).
  static std::unique_ptr<StubServer> Start(StubOptions options);
  ~StubServer();  // Shutdown()
  StubServer(const StubServer&) = delete;
  StubServer& operator=(const StubServer&) = delete;

  int port() const { return port_; }
  std::string address() const;  // "host:port"
  std::optional<int> metrics_port() const { return metrics_port_; }
  std::optional<int> control_port() const { return control_port_; }

  // Runs a control command in-process (same language as the control port). An `exit` command is
  // reported in the reply but not executed.
  ControlReply Control(std::string_view command);

  const StubMetrics& metrics() const;
  const ModelCatalog& catalog() const;

  // Stops accepting calls, lets in-flight calls finish (simulated waits are cut short after
  // shutdown_grace), stops every thread. Idempotent.
  void Shutdown();

 private:
  struct Impl;
  explicit StubServer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::optional<int> metrics_port_;
  std::optional<int> control_port_;
};

}  // namespace protifer::kserve_stub

#include "server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <prometheus/exposer.h>

#include <mutex>
#include <stdexcept>
#include <utility>

#include "compute_pool.h"
#include "control_port.h"
#include "fault_injector.h"
#include "inference_service.h"
#include "json_log.h"
#include "model_repository.h"
#include "timer_queue.h"

namespace protifer::kserve_stub {

// Members are declared in dependency order; destruction runs in reverse after Shutdown().
struct StubServer::Impl {
  explicit Impl(StubOptions opts)
      : options(std::move(opts)),
        catalog(std::move(options.catalog)),
        metrics(catalog, options.time_scale),
        pool(options.compute_threads),
        repository(catalog, timers, pool, metrics, options.time_scale,
                   [this](const ModelSpec& step) { return AdmitStep(step); }),
        service(InferenceService::Dependencies{catalog, repository, faults, response, metrics,
                                               timers}) {
    response.order = options.output_order;
    response.contents = options.output_contents;
  }

  ControlTargets Targets() { return ControlTargets{catalog, faults, response, metrics}; }

  // Ensemble steps meet the same scripted failures and readiness as client calls (protifer's
  // ensembles ask for model_version -1, "latest").
  grpc::Status AdmitStep(const ModelSpec& step) {
    if (auto failure = faults.TakeFailure(step.name)) {
      metrics.FaultInjected(step.name, "fail");
      metrics.RequestFailed(step.name, StubMetrics::FailureReason::kOther);
      return *failure;
    }
    if (auto style = faults.NotReady(step.name)) return NotReadyStatus(step.name, *style, false);
    return grpc::Status::OK;
  }

  StubOptions options;
  ModelCatalog catalog;
  StubMetrics metrics;
  FaultInjector faults;
  ResponseSettings response;
  TimerQueue timers;
  ComputePool pool;
  ModelRepository repository;
  InferenceService service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<prometheus::Exposer> exposer;
  std::unique_ptr<ControlPort> control;
  std::once_flag shutdown_once;
};

namespace {

void ConfigureTransport(const TransportSettings& t, grpc::ServerBuilder* builder) {
  builder->SetMaxReceiveMessageSize(t.max_message_bytes);
  builder->SetMaxSendMessageSize(t.max_message_bytes);
  // A stale server on the same port must make bind fail, not silently share connections.
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                              t.http2_min_recv_ping_interval_without_data_ms);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, t.http2_max_ping_strikes);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, t.keepalive_time_ms);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, t.keepalive_timeout_ms);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS,
                              t.keepalive_permit_without_calls ? 1 : 0);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA,
                              t.http2_max_pings_without_data);
  if (t.max_concurrent_streams > 0) {
    builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, t.max_concurrent_streams);
  }
  if (t.max_connection_age_ms > 0) {
    builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, t.max_connection_age_ms);
  }
  if (t.max_connection_age_grace_ms > 0) {
    builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                                t.max_connection_age_grace_ms);
  }
  if (t.resource_quota_bytes > 0) {
    grpc::ResourceQuota quota("kserve-stub");
    quota.Resize(t.resource_quota_bytes);
    builder->SetResourceQuota(quota);
  }
}

}  // namespace

StubServer::StubServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<StubServer> StubServer::Start(StubOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  Impl& s = *impl;
  for (const std::string& command : s.options.fault_commands) {
    ControlReply reply = ExecuteControlCommand(command, s.Targets());
    if (!reply.ok() || reply.exit_code) {
      throw std::runtime_error(
          "--fault '" + command +
          "': " + (reply.exit_code ? std::string("exit is not allowed at start-up") : reply.text));
    }
  }

  grpc::ServerBuilder builder;
  int selected_port = 0;
  const std::string listen = s.options.host + ":" + std::to_string(s.options.port);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &selected_port);
  builder.RegisterService(&s.service);
  ConfigureTransport(s.options.transport, &builder);
  s.server = builder.BuildAndStart();
  if (s.server == nullptr || selected_port == 0) {
    throw std::runtime_error("cannot listen on " + listen + " (address in use or invalid)");
  }

  std::optional<int> metrics_port;
  if (s.options.metrics_port >= 0) {
    try {
      s.exposer = std::make_unique<prometheus::Exposer>(
          s.options.host + ":" + std::to_string(s.options.metrics_port), 2);
    } catch (const std::exception& error) {
      s.server->Shutdown();
      throw std::runtime_error("cannot serve metrics on " + s.options.host + ":" +
                               std::to_string(s.options.metrics_port) + ": " + error.what());
    }
    s.exposer->RegisterCollectable(s.metrics.registry());
    const std::vector<int> ports = s.exposer->GetListeningPorts();
    if (!ports.empty()) metrics_port = ports.front();
  }

  std::optional<int> control_port;
  if (s.options.control_port >= 0) {
    Impl* raw = &s;
    try {
      s.control = std::make_unique<ControlPort>(
          s.options.host, s.options.control_port,
          [raw](std::string_view line) { return ExecuteControlCommand(line, raw->Targets()); });
    } catch (const std::exception&) {
      s.server->Shutdown();
      throw;
    }
    control_port = s.control->port();
  }

  auto server = std::unique_ptr<StubServer>(new StubServer(std::move(impl)));
  server->port_ = selected_port;
  server->metrics_port_ = metrics_port;
  server->control_port_ = control_port;
  const TransportSettings& t = server->impl_->options.transport;
  Log(LogLevel::kInfo, "serving",
      {{"listening", server->address()},
       {"metrics_port", metrics_port ? *metrics_port : -1},
       {"control_port", control_port ? *control_port : -1},
       {"models", server->impl_->catalog.models().size()},
       {"time_scale", server->impl_->options.time_scale},
       {"max_concurrent_streams", t.max_concurrent_streams},
       {"resource_quota_bytes", t.resource_quota_bytes},
       {"max_message_bytes", t.max_message_bytes}});
  return server;
}

StubServer::~StubServer() { Shutdown(); }

std::string StubServer::address() const {
  return impl_->options.host + ":" + std::to_string(port_);
}

ControlReply StubServer::Control(std::string_view command) {
  return ExecuteControlCommand(command, impl_->Targets());
}

const StubMetrics& StubServer::metrics() const { return impl_->metrics; }

const ModelCatalog& StubServer::catalog() const { return impl_->catalog; }

void StubServer::Shutdown() {
  std::call_once(impl_->shutdown_once, [this] {
    Impl& s = *impl_;
    Log(LogLevel::kInfo, "shutting down", {{"grace_ms", s.options.shutdown_grace.count()}});
    if (s.control) s.control->Stop();
    s.service.BeginShutdown();
    // In-flight calls get the grace period; calls still waiting on simulated time after it
    // complete at once, so the wait below is bounded.
    const auto deadline = Clock::now() + s.options.shutdown_grace;
    s.timers.FireEverythingFrom(deadline);
    s.service.WaitUntilIdle(deadline + std::chrono::seconds(1));
    // Nothing is running now; a short deadline only lets the last responses flush. (gRPC waits
    // for the whole deadline while a client keeps an idle connection open.)
    s.server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(100));
    Log(LogLevel::kDebug, "grpc server shut down");
    s.timers.Stop();
    s.pool.Stop();
    s.exposer.reset();
    Log(LogLevel::kInfo, "stopped");
  });
}

}  // namespace protifer::kserve_stub

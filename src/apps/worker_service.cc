#include "apps/worker_service.h"

#include <exception>
#include <utility>

#include "apps/boot_gate.h"
#include "apps/command_line.h"
#include "apps/exit_codes.h"
#include "apps/metrics_observers.h"
#include "apps/queue_job_context.h"
#include "apps/service_components.h"
#include "apps/spdlog_bridge.h"
#include "obs/job_correlation.h"
#include "queue/bullmq_worker.h"

namespace protifer::apps {

obs::LogLevel ToObsLevel(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::kTrace:
      return obs::LogLevel::kTrace;
    case config::LogLevel::kDebug:
      return obs::LogLevel::kDebug;
    case config::LogLevel::kInfo:
      return obs::LogLevel::kInfo;
    case config::LogLevel::kWarn:
      return obs::LogLevel::kWarn;
    case config::LogLevel::kError:
      return obs::LogLevel::kError;
    case config::LogLevel::kFatal:
      return obs::LogLevel::kFatal;
    case config::LogLevel::kSilent:
      break;
  }
  return obs::LogLevel::kSilent;
}

namespace {

obs::Logger MakeLogger(const std::string& name, config::LogLevel level) {
  obs::LoggerOptions options;
  options.name = name;
  options.level = ToObsLevel(level);
  return obs::Logger(std::move(options));
}

triton::ClientOptions ClientOptionsWithHooks(
    const config::TritonSettings& settings, obs::WorkerMetrics& metrics, const obs::Logger& logger,
    const std::function<void(const triton::AttemptRecord&)>& also) {
  triton::ClientOptions options = MakeClientOptions(settings);
  options.on_attempt = RecordAttempts(metrics, logger);
  if (also) {
    options.on_attempt = [record = std::move(options.on_attempt),
                          also](const triton::AttemptRecord& attempt) {
      record(attempt);
      also(attempt);
    };
  }
  return options;
}

}  // namespace

WorkerService::WorkerService(WorkerDefinition definition, const WorkerServiceSettings& settings,
                             ShutdownSignal& shutdown)
    : definition_(std::move(definition)),
      settings_(settings),
      shutdown_(shutdown),
      logger_(MakeLogger(definition_.name, settings.log.level)) {
  logger_.Info("Starting " + definition_.name,
               {{"version", VersionLine(definition_.name)},
                {"queueName", definition_.queue_name},
                {"tritonUrl", settings_.triton.url},
                {"storageDriver", config::ToString(settings_.storage.driver)},
                {"concurrency", settings_.worker.concurrency}});
  if (settings_.metrics.enabled) {
    obs::MetricsServerOptions options;
    options.port = settings_.metrics.port;
    metrics_server_ = std::make_unique<obs::MetricsServer>(metrics_, options);
    logger_.Info("Metrics server listening", {{"address", metrics_server_->address()}});
  }
  client_ = std::make_unique<triton::Client>(
      ClientOptionsWithHooks(settings_.triton, metrics_, logger_, definition_.on_attempt));
  store_ = MakeObjectStore(settings_.storage);
}

WorkerService::~WorkerService() = default;

int WorkerService::Run(const JobHandler& handler) {
  BootGateOptions gate;
  gate.timeout = settings_.lifecycle.boot_timeout;
  gate.retry_interval = settings_.lifecycle.boot_retry_interval;
  gate.pause = [this](std::chrono::milliseconds interval) { return shutdown_.WaitFor(interval); };
  const BootGateResult ready = WaitForTriton(*client_, definition_.boot_models, gate, logger_);
  if (ready.outcome == BootGateResult::Outcome::kInterrupted) {
    logger_.Info(shutdown_.reason().value_or("shutdown") + " received during the boot gate");
    return kExitOk;
  }
  if (ready.outcome == BootGateResult::Outcome::kTimedOut) {
    return kExitFailure;
  }

  queue::WorkerOptions options = MakeWorkerOptions(definition_.queue_name, settings_.worker);
  options.logger = MakeBridgedSpdlogLogger("bullmq", logger_);
  queue::WorkerHooks hooks;
  hooks.on_outcome = [this](const queue::JobOutcome& outcome) { ReportOutcome(outcome); };
  queue::BullmqWorker worker(
      MakeRedisEndpoint(settings_.redis), std::move(options),
      [this, &handler](queue::Job& job) { return RunJob(job, handler); }, std::move(hooks));
  try {
    worker.Start();
  } catch (const std::exception& error) {
    logger_.Fatal("Cannot consume the queue — exiting", {{"queueName", definition_.queue_name},
                                                         {"redisHost", settings_.redis.host},
                                                         {"redisPort", settings_.redis.port},
                                                         {"err", obs::ErrorField(error)}});
    return kExitFailure;
  }
  logger_.Info(definition_.name + " consuming", {{"queueName", definition_.queue_name},
                                                 {"modelCount", definition_.boot_models.size()},
                                                 {"concurrency", settings_.worker.concurrency},
                                                 {"workerId", worker.id()}});

  // Not a forced exit: `timeout`, process supervisors and shells often deliver one stop
  // request twice, and DRAIN_TIMEOUT_MS already bounds the wait. SIGKILL forces.
  shutdown_.OnRepeatedSignal([this](std::string_view signal_name) {
    logger_.Warn(std::string(signal_name) + " received again — already draining",
                 {{"drainTimeoutMs", settings_.lifecycle.drain_timeout.count()}});
  });
  const std::string reason = shutdown_.Wait();
  logger_.Info(reason + " received — draining worker",
               {{"jobsInFlight", worker.jobs_in_flight()},
                {"drainTimeoutMs", settings_.lifecycle.drain_timeout.count()}});
  const std::size_t abandoned = worker.Close(settings_.lifecycle.drain_timeout);
  if (abandoned > 0) {
    // Their locks are no longer renewed; cancelling the Triton calls lets their processors
    // return now instead of after a whole TRITON_DEADLINE_MS.
    logger_.Warn("Drain deadline passed — leaving unfinished jobs to the stalled checker",
                 {{"jobs", abandoned}});
    client_->CancelAll();
  }
  if (metrics_server_) {
    metrics_server_->Stop();
  }
  logger_.Info(definition_.name + " stopped", {{"abandonedJobs", abandoned}});
  return kExitOk;
}

nlohmann::ordered_json WorkerService::RunJob(queue::Job& job, const JobHandler& handler) {
  const obs::JobCorrelation correlation = obs::CorrelateJob(job.data());
  {
    const std::lock_guard lock(request_ids_mutex_);
    request_ids_[job.id()] = correlation.request_id;
  }
  const obs::Logger job_logger = logger_.Child(obs::JobLogFields(job.id(), correlation));
  try {
    QueueJobContext context(job);
    return handler(context, job_logger);
  } catch (const prediction::UnrecoverableJobError& error) {
    throw queue::UnrecoverableError(error.what());
  }
}

void WorkerService::ReportOutcome(const queue::JobOutcome& outcome) {
  std::string request_id;
  {
    const std::lock_guard lock(request_ids_mutex_);
    if (const auto it = request_ids_.find(outcome.job_id); it != request_ids_.end()) {
      request_id = std::move(it->second);
      request_ids_.erase(it);
    }
  }
  nlohmann::json fields = {{"jobId", outcome.job_id}};
  if (!request_id.empty()) {
    fields["request_id"] = request_id;
  }
  fields["durationMs"] = outcome.processing_time.count();
  using Kind = queue::JobOutcome::Kind;
  switch (outcome.kind) {
    case Kind::kCompleted:
      logger_.Info(definition_.name + " job completed", fields);
      return;
    case Kind::kFailed:
    case Kind::kRetryScheduled:
      fields["err"] = {{"type", "Error"}, {"message", outcome.failed_reason}};
      fields["attemptsMade"] = outcome.attempts_made;
      fields["terminal"] = outcome.kind == Kind::kFailed;
      if (outcome.kind == Kind::kRetryScheduled) {
        fields["retryDelayMs"] = outcome.retry_delay_ms;
      }
      logger_.Error(definition_.name + " job failed", fields);
      return;
    case Kind::kLost:
      fields["reason"] = outcome.failed_reason;
      logger_.Warn("Job lost its lock and was left to its new owner", fields);
      return;
    case Kind::kAbandoned:
      logger_.Warn("Job left unfinished at shutdown", fields);
      return;
  }
}

int ReportStartupFailure(const std::string& name, config::LogLevel level,
                         const std::exception& error) {
  MakeLogger(name, level)
      .Fatal("Cannot start " + name + " — exiting", {{"err", obs::ErrorField(error)}});
  return kExitFailure;
}

}  // namespace protifer::apps

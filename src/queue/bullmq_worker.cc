#include "queue/bullmq_worker.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/text.h"
#include "queue/job_record.h"
#include "queue/lua_scripts.h"
#include "queue/msgpack_args.h"
#include "queue/queue_keys.h"
#include "queue/retry_policy.h"
#include "queue/script_runner.h"
#include "queue/startup_checks.h"

namespace protifer::queue {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// nlohmann's parse error without its "[json.exception.parse_error.101] " prefix and without the
// "; last read: '...'" tail, which quotes the job's own text (a sequence has no place in a
// stored failedReason, and the quote may end inside a UTF-8 character).
std::string DescribeParseError(const nlohmann::json::parse_error& error) {
  std::string detail = error.what();
  if (const auto pos = detail.find("] ");
      detail.rfind("[json.exception", 0) == 0 && pos != std::string::npos) {
    detail = detail.substr(pos + 2);
  }
  if (const auto pos = detail.find("; last read: "); pos != std::string::npos) {
    detail.resize(pos);
  }
  return detail;
}

// Wall-clock milliseconds: every timestamp the scripts store or compare (processedOn,
// finishedOn, delayed scores, stalled-check) is the worker's Date.now(), as in Node.
std::int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NewUuid() {
  std::random_device device;
  std::mt19937_64 engine((static_cast<std::uint64_t>(device()) << 32U) ^ device());
  std::uint64_t hi = engine();
  std::uint64_t lo = engine();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32U, (hi >> 16U) & 0xFFFFU,
                     hi & 0xFFFFU, lo >> 48U, lo & 0xFFFFFFFFFFFFULL);
}

std::int64_t ParseLeadingInt(const std::string& text) {
  std::int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;  // parseInt: "1795737104123.0002" -> 1795737104123
}

// Reply element that may be an integer or a numeric string (Lua numbers become integers).
std::int64_t ReplyNumber(const RedisReply& r) {
  if (r.IsInteger()) {
    return r.integer;
  }
  if (r.IsString()) {
    return ParseLeadingInt(r.str);
  }
  return 0;
}

// The text bullmq's Scripts.finishedErrors gives each script error code.
std::string FinishedErrorMessage(std::int64_t code, const std::string& job_id,
                                 std::string_view command) {
  switch (code) {
    case -1:
      return fmt::format("Missing key for job {}. {}", job_id, command);
    case -2:
      return fmt::format("Missing lock for job {}. {}", job_id, command);
    case -3:
      return fmt::format("Job {} is not in the active state. {}", job_id, command);
    case -4:
      return fmt::format("Job {} has pending dependencies. {}", job_id, command);
    case -6:
      return fmt::format("Lock mismatch for job {}. Cmd {} from active", job_id, command);
    case -9:
      return fmt::format("Cannot complete job {} because it has at least one failed child. {}",
                         job_id, command);
    default:
      return fmt::format("Unknown code {} error for {}. {}", code, job_id, command);
  }
}

struct TrackedLock {
  std::string token;
  Clock::time_point last_renewed;
};

}  // namespace

class BullmqWorker::Impl : public JobBackend {
 public:
  Impl(RedisEndpoint endpoint, WorkerOptions options, Processor processor, WorkerHooks hooks)
      : options_(std::move(options)),
        processor_(std::move(processor)),
        hooks_(std::move(hooks)),
        logger_(options_.logger ? options_.logger : spdlog::default_logger()),
        keys_(options_.prefix, options_.queue_name),
        id_(NewUuid()),
        command_conn_(endpoint),
        blocking_conn_(endpoint, keys_.WorkerConnectionName(options_.worker_name)),
        lock_conn_(endpoint),
        stalled_conn_(endpoint),
        random_(std::random_device{}()) {
    if (!processor_) {
      throw std::invalid_argument("BullmqWorker needs a processor");
    }
    if (options_.concurrency < 1) {
      throw std::invalid_argument("concurrency must be at least 1");
    }
    if (options_.lock_duration <= milliseconds(0) || options_.stalled_interval <= milliseconds(0) ||
        options_.drain_delay <= milliseconds(0)) {
      throw std::invalid_argument("lock_duration, stalled_interval and drain_delay must be > 0");
    }
    if (options_.max_stalled_count < 0) {
      throw std::invalid_argument("max_stalled_count must be >= 0");
    }
    if (options_.lock_renew_time >= options_.lock_duration) {
      // Renewals come every lock_renew_time/2..lock_renew_time: locks would lapse in between.
      throw std::invalid_argument("lock_renew_time must be shorter than lock_duration");
    }
  }

  ~Impl() override {
    if (started_ && !closed_) {
      Close(milliseconds(0));
    }
    JoinJobThreads();
  }

  void Start();
  std::size_t Close(milliseconds drain_timeout);
  const std::string& id() const { return id_; }
  bool closing() const { return closing_; }
  std::string connection_name() const { return blocking_conn_.client_name(); }
  std::size_t jobs_in_flight() const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(slots_used_ - (fetch_reserved_ ? 1 : 0));
  }

  // JobBackend
  void UpdateProgress(const JobRecord& job, const std::string& progress_json) override;
  std::int64_t AddLog(const JobRecord& job, std::string_view row) override;
  std::map<std::string, std::string> ProcessedChildren(const JobRecord& job) override;

 private:
  // ---- threads
  void FetchLoop();
  void JobThreadMain();
  void LockRenewalLoop();
  void StalledCheckLoop();
  void JoinJobThreads();

  // ---- fetching (Worker._getNextJob / waitForJob / moveToActive)
  std::optional<JobRecord> GetNextJob(const std::string& token);
  std::int64_t WaitForJob();
  std::optional<JobRecord> MoveToActive(const std::string& token);
  std::optional<JobRecord> HandleNextJobReply(const RedisReply& reply, const std::string& token);
  void UpdateDelays(std::int64_t rate_limit_delay, std::int64_t delay_until);
  double BlockTimeoutSeconds(std::int64_t block_until) const;

  // ---- processing and finishing (Worker.processJob, Job.moveToCompleted/moveToFailed)
  std::optional<JobRecord> ProcessOne(JobRecord job);
  std::optional<JobRecord> Complete(const JobRecord& job, const nlohmann::ordered_json& result,
                                    Clock::time_point started);
  std::optional<JobRecord> Fail(const JobRecord& job, const std::string& reason, bool unrecoverable,
                                Clock::time_point started);
  std::vector<std::string> MoveToFinishedKeys(const JobRecord& job, std::string_view target) const;
  FinishOpts BaseFinishOpts(const JobRecord& job, const nlohmann::json& keep_jobs) const;
  void Report(const JobRecord& job, JobOutcome::Kind kind, const std::string& reason,
              int attempts_made, Clock::time_point started, std::int64_t retry_delay_ms = 0);

  // Runs fn, retrying while Redis is unreachable. Returns nullopt if the worker abandoned its
  // jobs (Close deadline) before Redis came back.
  template <typename Fn>
  std::optional<RedisReply> RetryWhileUnreachable(std::string_view what, const std::string& job_id,
                                                  Fn&& fn);
  // Sleeps, waking early when `stop` becomes true. Returns false when woken by it.
  bool SleepUnless(milliseconds duration, const std::atomic<bool>& stop);
  // Sets a lifecycle flag under mutex_ (so no sleeper can miss it) and wakes every waiter.
  void RaiseFlag(std::atomic<bool>& flag);
  milliseconds NextBackoff(milliseconds current) const;

  void TrackLock(const JobRecord& job);
  void UntrackLock(const std::string& job_id);
  std::string NextToken() { return fmt::format("{}:{}", id_, token_counter_++); }
  double Random01();

  const WorkerOptions options_;
  const Processor processor_;
  const WorkerHooks hooks_;
  const std::shared_ptr<spdlog::logger> logger_;
  const QueueKeys keys_;
  const std::string id_;
  std::atomic<std::uint64_t> token_counter_{0};

  RedisConnection command_conn_;   // scripts of the fetch loop and job threads
  RedisConnection blocking_conn_;  // BZPOPMIN only; carries the worker's CLIENT SETNAME
  RedisConnection lock_conn_;      // extendLocks
  RedisConnection stalled_conn_;   // moveStalledJobsToWait

  // Slots, hand-off queue and lifecycle flags.
  mutable std::mutex mutex_;
  std::condition_variable slots_cv_;  // slots_used_ decreased, ready_ filled, flags changed
  std::condition_variable sleep_cv_;  // interruptible sleeps
  int slots_used_ = 0;                // reserved by the fetch loop or held by a job thread
  bool fetch_reserved_ = false;       // one of slots_used_ is the fetch loop's reservation
  std::deque<JobRecord> ready_;
  std::atomic<bool> closing_{false};    // stop fetching; finish without fetchNext
  std::atomic<bool> abandoned_{false};  // Close deadline passed: stop touching jobs
  std::atomic<bool> stop_timers_{false};
  bool stop_job_threads_ = false;
  bool started_ = false;
  bool closed_ = false;

  // Fetch state shared by the fetch loop and finishing job threads (fetchNext replies).
  std::mutex fetch_mutex_;
  bool drained_ = false;
  std::int64_t block_until_ = 0;  // wall ms of the next delayed job, 0 = none
  std::int64_t limit_until_ = 0;  // wall ms until which the rate limiter holds us, 0 = none

  std::mutex locks_mutex_;
  std::map<std::string, TrackedLock> locks_;

  std::mutex random_mutex_;
  std::mt19937_64 random_;

  std::thread fetch_thread_;
  std::thread lock_thread_;
  std::thread stalled_thread_;
  std::vector<std::thread> job_threads_;
};

// ---------------------------------------------------------------------------- lifecycle

void BullmqWorker::Impl::Start() {
  if (started_) {
    throw std::logic_error("BullmqWorker::Start called twice");
  }
  command_conn_.Connect();

  const RedisServerCheck server = CheckRedisServer(command_conn_.Command({"INFO"}).AsString());
  if (!server.ok) {
    throw std::runtime_error(server.message);
  }
  if (!server.eviction_warning.empty()) {
    logger_->warn("{}", server.eviction_warning);
  }

  const RedisReply meta = command_conn_.Command({"HGET", keys_.meta(), "version"});
  const MetaVersionCheck version =
      CheckMetaVersion(meta.IsString() ? std::optional<std::string>(meta.str) : std::nullopt,
                       BundledBullmqVersion());
  using Status = MetaVersionCheck::Status;
  switch (version.status) {
    case Status::kSame:
      logger_->debug("queue {}: {}", keys_.queue_name(), version.message);
      break;
    case Status::kOtherMajor:
      throw std::runtime_error(fmt::format("queue {}: {}", keys_.queue_name(), version.message));
    case Status::kOtherMinor:
      if (options_.version_policy == VersionPolicy::kRefuseAnyMismatch) {
        throw std::runtime_error(fmt::format("queue {}: {}", keys_.queue_name(), version.message));
      }
      logger_->warn("queue {}: {}", keys_.queue_name(), version.message);
      break;
    case Status::kMissing:
    case Status::kUnrecognized:
      logger_->warn("queue {}: {}", keys_.queue_name(), version.message);
      break;
  }

  LoadScripts(command_conn_);
  blocking_conn_.Connect();  // CLIENT SETNAME now, so getWorkers() lists us from the start

  started_ = true;
  stalled_thread_ = std::thread([this] { StalledCheckLoop(); });
  if (options_.lock_renew_time > milliseconds(0)) {
    lock_thread_ = std::thread([this] { LockRenewalLoop(); });
  }
  job_threads_.reserve(static_cast<std::size_t>(options_.concurrency));
  for (int i = 0; i < options_.concurrency; ++i) {
    job_threads_.emplace_back([this] { JobThreadMain(); });
  }
  fetch_thread_ = std::thread([this] { FetchLoop(); });
  logger_->info(
      "bullmq worker {} consuming {} (bullmq {} scripts, redis {}, concurrency {}, lock {} ms, "
      "stalled check {} ms, connection {})",
      id_, keys_.queue_name(), BundledBullmqVersion(), server.version, options_.concurrency,
      options_.lock_duration.count(), options_.stalled_interval.count(),
      blocking_conn_.client_name());
}

std::size_t BullmqWorker::Impl::Close(milliseconds drain_timeout) {
  if (!started_ || closed_) {
    return 0;
  }
  const auto deadline = Clock::now() + drain_timeout;
  RaiseFlag(closing_);
  blocking_conn_.Interrupt();  // break out of BZPOPMIN
  if (fetch_thread_.joinable()) {
    fetch_thread_.join();
  }

  std::size_t abandoned = 0;
  {
    std::unique_lock lock(mutex_);
    slots_cv_.wait_until(lock, deadline, [this] { return slots_used_ == 0; });
    abandoned = static_cast<std::size_t>(slots_used_);
    if (abandoned > 0) {
      abandoned_ = true;
    }
    stop_job_threads_ = true;
  }
  slots_cv_.notify_all();
  sleep_cv_.notify_all();

  RaiseFlag(stop_timers_);
  if (lock_thread_.joinable()) {
    lock_thread_.join();
  }
  if (stalled_thread_.joinable()) {
    stalled_thread_.join();
  }
  if (abandoned == 0) {
    JoinJobThreads();
    command_conn_.Disconnect();
  }
  blocking_conn_.Disconnect();
  lock_conn_.Disconnect();
  stalled_conn_.Disconnect();
  closed_ = true;
  if (abandoned > 0) {
    logger_->warn(
        "bullmq worker {} closed with {} job(s) still running; they are left to the stalled "
        "checks of other workers",
        id_, abandoned);
  } else {
    logger_->info("bullmq worker {} closed", id_);
  }
  return abandoned;
}

void BullmqWorker::Impl::JoinJobThreads() {
  {
    std::lock_guard lock(mutex_);
    stop_job_threads_ = true;
  }
  slots_cv_.notify_all();
  for (std::thread& t : job_threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  job_threads_.clear();
}

// ---------------------------------------------------------------------------- helpers

bool BullmqWorker::Impl::SleepUnless(milliseconds duration, const std::atomic<bool>& stop) {
  std::unique_lock lock(mutex_);
  return !sleep_cv_.wait_for(lock, duration, [&] { return stop.load(); });
}

void BullmqWorker::Impl::RaiseFlag(std::atomic<bool>& flag) {
  {
    std::lock_guard lock(mutex_);
    flag = true;
  }
  slots_cv_.notify_all();
  sleep_cv_.notify_all();
}

milliseconds BullmqWorker::Impl::NextBackoff(milliseconds current) const {
  return std::min(current * 2, options_.reconnect_backoff_max);
}

double BullmqWorker::Impl::Random01() {
  std::lock_guard lock(random_mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(random_);
}

template <typename Fn>
std::optional<RedisReply> BullmqWorker::Impl::RetryWhileUnreachable(std::string_view what,
                                                                    const std::string& job_id,
                                                                    Fn&& fn) {
  milliseconds pause = options_.reconnect_backoff_min;
  for (int attempt = 1;; ++attempt) {
    if (abandoned_) {
      return std::nullopt;
    }
    try {
      return fn();
    } catch (const RedisConnectionError& e) {
      if (attempt == 1 || attempt % 20 == 0) {
        logger_->warn("job {}: {} failed (attempt {}), retrying after reconnect: {}", job_id, what,
                      attempt, e.what());
      }
    }
    if (!SleepUnless(pause, abandoned_)) {
      return std::nullopt;
    }
    pause = NextBackoff(pause);
  }
}

void BullmqWorker::Impl::TrackLock(const JobRecord& job) {
  std::lock_guard lock(locks_mutex_);
  locks_[job.id] = TrackedLock{job.token, Clock::now()};
}

void BullmqWorker::Impl::UntrackLock(const std::string& job_id) {
  std::lock_guard lock(locks_mutex_);
  locks_.erase(job_id);
}

// ---------------------------------------------------------------------------- fetching

void BullmqWorker::Impl::FetchLoop() {
  milliseconds pause = options_.reconnect_backoff_min;
  int consecutive_failures = 0;
  while (!closing_) {
    {
      std::unique_lock lock(mutex_);
      slots_cv_.wait(lock, [this] { return closing_ || slots_used_ < options_.concurrency; });
      if (closing_) {
        break;
      }
    }
    // Worker.waitForRateLimit: the limiter said when the next job may start.
    std::int64_t limit_until = 0;
    {
      std::lock_guard lock(fetch_mutex_);
      limit_until = limit_until_;
    }
    if (limit_until > NowMs()) {
      const auto wait =
          std::min(milliseconds(limit_until - NowMs()), options_.maximum_rate_limit_delay);
      SleepUnless(wait, closing_);
      std::lock_guard lock(fetch_mutex_);
      drained_ = false;
      limit_until_ = 0;
      continue;
    }

    {
      std::lock_guard lock(mutex_);
      ++slots_used_;  // reserve the slot the job will use, so we never exceed concurrency
      fetch_reserved_ = true;
    }
    std::optional<JobRecord> job;
    try {
      job = GetNextJob(NextToken());
      pause = options_.reconnect_backoff_min;
      consecutive_failures = 0;
    } catch (const std::exception& e) {
      ++consecutive_failures;
      if (!closing_ && (consecutive_failures == 1 || consecutive_failures % 20 == 0)) {
        logger_->warn("queue {}: fetching a job failed ({} in a row), retrying in {} ms: {}",
                      keys_.queue_name(), consecutive_failures, pause.count(), e.what());
      }
      SleepUnless(pause, closing_);
      pause = NextBackoff(pause);
    }
    {
      std::lock_guard lock(mutex_);
      fetch_reserved_ = false;
      if (job) {
        ready_.push_back(std::move(*job));  // the slot now belongs to a job thread
      } else {
        --slots_used_;
      }
    }
    slots_cv_.notify_all();
  }
}

std::optional<JobRecord> BullmqWorker::Impl::GetNextJob(const std::string& token) {
  if (closing_) {
    return std::nullopt;
  }
  bool block = false;
  bool rate_limited = false;
  {
    std::lock_guard lock(fetch_mutex_);
    block = drained_ && limit_until_ == 0;
    rate_limited = limit_until_ > NowMs();
  }
  if (block) {
    const std::int64_t block_until = WaitForJob();
    {
      std::lock_guard lock(fetch_mutex_);
      block_until_ = block_until;
    }
    if (block_until <= 0 || block_until - NowMs() < 1) {
      return MoveToActive(token);
    }
    return std::nullopt;  // a delayed job is due later: block again until then
  }
  if (!rate_limited) {
    return MoveToActive(token);
  }
  return std::nullopt;
}

double BullmqWorker::Impl::BlockTimeoutSeconds(std::int64_t block_until) const {
  constexpr double kMinimumBlockSeconds = 0.001;  // Redis >= 7.0.8 blocks for 1 ms
  constexpr double kMaximumBlockSeconds = 10;     // bullmq caps blocking to survive reconnects
  if (block_until != 0) {
    const auto delay_ms = static_cast<double>(block_until - NowMs());
    if (delay_ms <= 0) {
      return delay_ms;
    }
    if (delay_ms < kMinimumBlockSeconds * 1000) {
      return kMinimumBlockSeconds;
    }
    return std::min(delay_ms / 1000, kMaximumBlockSeconds);
  }
  return std::max(static_cast<double>(options_.drain_delay.count()) / 1000, kMinimumBlockSeconds);
}

std::int64_t BullmqWorker::Impl::WaitForJob() {
  std::int64_t block_until = 0;
  {
    std::lock_guard lock(fetch_mutex_);
    block_until = block_until_;
  }
  const double timeout = BlockTimeoutSeconds(block_until);
  if (timeout <= 0) {
    return 0;
  }
  {
    std::lock_guard lock(fetch_mutex_);  // updateDelays(): do not reuse stale values
    block_until_ = 0;
    limit_until_ = 0;
  }
  // The socket timeout is the watchdog: a BZPOPMIN that has not answered a while after its
  // own timeout is on a dead connection, which is then dropped and reopened.
  const auto watchdog =
      milliseconds(static_cast<std::int64_t>(timeout * 1000)) + milliseconds(2000);
  const RedisReply reply = blocking_conn_.BlockingCommand(
      {"BZPOPMIN", keys_.marker(), fmt::format("{:.3f}", timeout)}, watchdog);
  if (reply.IsArray() && reply.elements.size() == 3 && reply.elements[1].IsString()) {
    const std::int64_t next = ReplyNumber(reply.elements[2]);
    if (block_until != 0 && next > block_until) {
      return block_until;
    }
    return next;
  }
  return 0;  // timed out: try moveToActive anyway (markers are only hints)
}

std::optional<JobRecord> BullmqWorker::Impl::MoveToActive(const std::string& token) {
  const RedisReply reply = RunScript(
      command_conn_, ScriptId::kMoveToActive,
      {keys_.wait(), keys_.active(), keys_.prioritized(), keys_.events(), keys_.stalled(),
       keys_.limiter(), keys_.delayed(), keys_.paused(), keys_.meta(), keys_.pc(), keys_.marker()},
      {keys_.key_prefix(), std::to_string(NowMs()),
       PackFetchOpts(token, options_.lock_duration.count(), options_.limiter,
                     options_.worker_name)});
  return HandleNextJobReply(reply, token);
}

void BullmqWorker::Impl::UpdateDelays(std::int64_t rate_limit_delay, std::int64_t delay_until) {
  std::lock_guard lock(fetch_mutex_);
  limit_until_ = rate_limit_delay > 0 ? NowMs() + rate_limit_delay : 0;
  block_until_ = std::max<std::int64_t>(delay_until, 0);
}

// [jobHash | 0, jobId | 0, rateLimitDelay, delayUntil] from moveToActive or a fetchNext, or a
// plain integer (finishing scripts with nothing to hand over).
std::optional<JobRecord> BullmqWorker::Impl::HandleNextJobReply(const RedisReply& reply,
                                                                const std::string& token) {
  if (!reply.IsArray()) {
    return std::nullopt;
  }
  const auto& parts = reply.elements;
  if (parts.size() < 4) {
    throw std::runtime_error("unexpected moveToActive reply: " + reply.Describe());
  }
  UpdateDelays(ReplyNumber(parts[2]), ReplyNumber(parts[3]));
  if (!parts[0].IsArray() || parts[0].elements.empty()) {
    std::lock_guard lock(fetch_mutex_);
    drained_ = true;
    return std::nullopt;
  }
  {
    std::lock_guard lock(fetch_mutex_);
    drained_ = false;
  }
  std::vector<std::string> flat;
  flat.reserve(parts[0].elements.size());
  for (const RedisReply& element : parts[0].elements) {
    flat.push_back(element.IsInteger() ? std::to_string(element.integer) : element.str);
  }
  const std::string id = parts[1].IsInteger() ? std::to_string(parts[1].integer) : parts[1].str;
  return ParseJobRecord(id, token, flat);
}

// ---------------------------------------------------------------------------- processing

void BullmqWorker::Impl::JobThreadMain() {
  for (;;) {
    std::optional<JobRecord> job;
    {
      std::unique_lock lock(mutex_);
      slots_cv_.wait(lock, [this] { return !ready_.empty() || stop_job_threads_; });
      if (ready_.empty()) {
        return;
      }
      job = std::move(ready_.front());
      ready_.pop_front();
    }
    // Keep the slot while the finishing scripts hand us further jobs (fetchNext).
    while (job) {
      try {
        job = ProcessOne(std::move(*job));
      } catch (const std::exception& e) {
        // Only Redis-side surprises get here (a script error reply, an unexpected reply
        // shape); the job stays active and the stalled mechanism takes it back.
        logger_->error("queue {}: finishing a job failed, leaving it to the stalled checker: {}",
                       keys_.queue_name(), e.what());
        job.reset();
      }
    }
    {
      std::lock_guard lock(mutex_);
      --slots_used_;
    }
    slots_cv_.notify_all();
  }
}

std::optional<JobRecord> BullmqWorker::Impl::ProcessOne(JobRecord job) {
  const auto started = Clock::now();
  TrackLock(job);
  struct Untrack {
    Impl* self;
    std::string id;
    ~Untrack() { self->UntrackLock(id); }
  } untrack{this, job.id};

  // Worker.getUnrecoverableErrorMessage: fail without running the processor.
  if (job.deferred_failure) {
    return Fail(job, *job.deferred_failure, /*unrecoverable=*/true, started);
  }
  if (options_.max_started_attempts && job.attempts_started > *options_.max_started_attempts) {
    return Fail(job, "job started more than allowable limit", true, started);
  }
  if (options_.max_data_bytes > 0 && job.data.size() > options_.max_data_bytes) {
    return Fail(job,
                fmt::format("Job data is {} bytes, more than this worker accepts ({} bytes)",
                            job.data.size(), options_.max_data_bytes),
                true, started);
  }
  nlohmann::json data;
  try {
    data = nlohmann::json::parse(job.data);
  } catch (const nlohmann::json::parse_error& e) {
    // Node's Job.fromJSON would throw here and leave the job active until it stalls out; a
    // clear failure is more useful, and retrying cannot repair the data.
    const std::string detail = DescribeParseError(e);
    logger_->error("queue {}: job {} has data that is not JSON: {}", keys_.queue_name(), job.id,
                   detail);
    return Fail(job, "Job data is not valid JSON: " + detail, true, started);
  }
  if (job.opts_error) {
    logger_->warn("queue {}: job {}: {}; using default options", keys_.queue_name(), job.id,
                  *job.opts_error);
  }

  std::optional<std::string> error;
  bool unrecoverable = false;
  nlohmann::ordered_json result;
  try {
    Job handle(job, std::move(data), *this);
    result = processor_(handle);
  } catch (const UnrecoverableError& e) {
    error = e.what();
    unrecoverable = true;
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "processor threw an exception that is not a std::exception";
  }
  if (abandoned_) {
    Report(job, JobOutcome::Kind::kAbandoned, error.value_or(""), job.attempts_made, started);
    return std::nullopt;
  }
  if (error) {
    return Fail(job, *error, unrecoverable, started);
  }
  return Complete(job, result, started);
}

std::vector<std::string> BullmqWorker::Impl::MoveToFinishedKeys(const JobRecord& job,
                                                                std::string_view target) const {
  return {keys_.wait(),
          keys_.active(),
          keys_.prioritized(),
          keys_.events(),
          keys_.stalled(),
          keys_.limiter(),
          keys_.delayed(),
          keys_.paused(),
          keys_.meta(),
          keys_.pc(),
          keys_.Key(target),
          keys_.Job(job.id),
          keys_.Key(fmt::format("metrics:{}", target)),
          keys_.marker()};
}

FinishOpts BullmqWorker::Impl::BaseFinishOpts(const JobRecord& job,
                                              const nlohmann::json& keep_jobs) const {
  FinishOpts o;
  o.token = job.token;
  o.worker_name = options_.worker_name;
  o.keep_jobs = keep_jobs;
  o.limiter = options_.limiter;
  o.lock_duration_ms = options_.lock_duration.count();
  o.attempts = job.options.attempts;
  o.fpof = job.options.fail_parent_on_failure;
  o.cpof = job.options.continue_parent_on_failure;
  o.idof = job.options.ignore_dependency_on_failure;
  o.rdof = job.options.remove_dependency_on_failure;
  return o;
}

std::optional<JobRecord> BullmqWorker::Impl::Complete(const JobRecord& job,
                                                      const nlohmann::ordered_json& result,
                                                      Clock::time_point started) {
  const bool fetch_next = !closing_;
  const FinishOpts opts = BaseFinishOpts(
      job, NormalizeKeepJobs(job.options.remove_on_complete, options_.remove_on_complete));
  const std::vector<std::string> keys = MoveToFinishedKeys(job, "completed");
  const std::string returnvalue = ToJsonText(result);
  const std::string packed_opts = PackFinishOpts(opts);
  auto reply = RetryWhileUnreachable("moveToFinished(completed)", job.id, [&] {
    return RunScript(command_conn_, ScriptId::kMoveToFinished, keys,
                     {job.id, std::to_string(NowMs()), "returnvalue", returnvalue, "completed",
                      fetch_next ? "1" : "0", keys_.key_prefix(), packed_opts, ""});
  });
  if (!reply) {
    Report(job, JobOutcome::Kind::kAbandoned, "", job.attempts_made, started);
    return std::nullopt;
  }
  if (reply->IsInteger() && reply->integer < 0) {
    const std::int64_t code = reply->integer;
    const std::string message = FinishedErrorMessage(code, job.id, "moveToFinished");
    if (code == -4 || code == -9) {
      // Node turns these into a failure of the job (Worker.processJob's catch).
      return Fail(job, message, /*unrecoverable=*/code == -9, started);
    }
    logger_->error("queue {}: job {} could not be completed ({}); it is no longer ours",
                   keys_.queue_name(), job.id, message);
    Report(job, JobOutcome::Kind::kLost, message, job.attempts_made, started);
    return std::nullopt;
  }
  Report(job, JobOutcome::Kind::kCompleted, "", job.attempts_made + 1, started);
  return HandleNextJobReply(*reply, job.token);
}

std::optional<JobRecord> BullmqWorker::Impl::Fail(const JobRecord& job,
                                                  const std::string& raw_reason, bool unrecoverable,
                                                  Clock::time_point started) {
  // Node stores JavaScript strings, which are always valid text; a reason built from bytes a
  // producer or server sent may not be.
  const std::string reason = core::ToWellFormedUtf8(raw_reason);
  const FailureDecision decision =
      DecideFailure(job.options, job.attempts_made, unrecoverable, Random01());
  if (decision.unsupported_backoff) {
    logger_->warn(
        "queue {}: job {} asks for backoff strategy \"{}\", which only its Node producer can "
        "compute; failing it instead of retrying",
        keys_.queue_name(), job.id, *decision.unsupported_backoff);
  }
  // A JavaScript stack starts with "<ErrorName>: <message>"; C++ has no frames worth storing,
  // so each attempt records that first line only (the count matches a Node worker's).
  const std::string trace_entry =
      fmt::format("{}: {}", unrecoverable ? "UnrecoverableError" : "Error", reason);
  const std::string stacktrace =
      AppendStacktrace(job.stacktrace, trace_entry, job.options.stack_trace_limit);
  const std::string fields = PackFlatFields({{"failedReason", reason}, {"stacktrace", stacktrace}});
  const bool fetch_next = !closing_;

  using Action = FailureDecision::Action;
  if (decision.action == Action::kRetryAfterDelay) {
    auto reply = RetryWhileUnreachable("moveToDelayed", job.id, [&] {
      return RunScript(command_conn_, ScriptId::kMoveToDelayed,
                       {keys_.marker(), keys_.active(), keys_.prioritized(), keys_.delayed(),
                        keys_.Job(job.id), keys_.events(), keys_.meta(), keys_.stalled(),
                        keys_.wait(), keys_.limiter(), keys_.paused(), keys_.pc()},
                       {keys_.key_prefix(), std::to_string(NowMs()), job.id, job.token,
                        std::to_string(decision.delay_ms), "0", fields, fetch_next ? "1" : "0",
                        fetch_next ? PackFetchOpts(job.token, options_.lock_duration.count(),
                                                   options_.limiter, options_.worker_name)
                                   : ""});
    });
    if (!reply) {
      Report(job, JobOutcome::Kind::kAbandoned, reason, job.attempts_made, started);
      return std::nullopt;
    }
    if (reply->IsInteger() && reply->integer < 0) {
      const std::string message = FinishedErrorMessage(reply->integer, job.id, "moveToDelayed");
      logger_->error("queue {}: job {} could not be retried ({})", keys_.queue_name(), job.id,
                     message);
      Report(job, JobOutcome::Kind::kLost, message, job.attempts_made, started);
      return std::nullopt;
    }
    Report(job, JobOutcome::Kind::kRetryScheduled, reason, job.attempts_made + 1, started,
           decision.delay_ms);
    return HandleNextJobReply(*reply, job.token);
  }

  if (decision.action == Action::kRetryNow) {
    auto reply = RetryWhileUnreachable("retryJob", job.id, [&] {
      return RunScript(command_conn_, ScriptId::kRetryJob,
                       {keys_.active(), keys_.wait(), keys_.paused(), keys_.Job(job.id),
                        keys_.meta(), keys_.events(), keys_.delayed(), keys_.prioritized(),
                        keys_.pc(), keys_.marker(), keys_.stalled()},
                       {keys_.key_prefix(), std::to_string(NowMs()),
                        job.options.lifo ? "RPUSH" : "LPUSH", job.id, job.token, fields});
    });
    if (!reply) {
      Report(job, JobOutcome::Kind::kAbandoned, reason, job.attempts_made, started);
      return std::nullopt;
    }
    if (reply->IsInteger() && reply->integer < 0) {
      const std::string message = FinishedErrorMessage(reply->integer, job.id, "retryJob");
      logger_->error("queue {}: job {} could not be retried ({})", keys_.queue_name(), job.id,
                     message);
      Report(job, JobOutcome::Kind::kLost, message, job.attempts_made, started);
      return std::nullopt;
    }
    Report(job, JobOutcome::Kind::kRetryScheduled, reason, job.attempts_made + 1, started);
    return std::nullopt;
  }

  const FinishOpts opts =
      BaseFinishOpts(job, NormalizeKeepJobs(job.options.remove_on_fail, options_.remove_on_fail));
  const std::vector<std::string> keys = MoveToFinishedKeys(job, "failed");
  const std::string packed_opts = PackFinishOpts(opts);
  auto reply = RetryWhileUnreachable("moveToFinished(failed)", job.id, [&] {
    return RunScript(command_conn_, ScriptId::kMoveToFinished, keys,
                     {job.id, std::to_string(NowMs()), "failedReason", reason, "failed",
                      fetch_next ? "1" : "0", keys_.key_prefix(), packed_opts, fields});
  });
  if (!reply) {
    Report(job, JobOutcome::Kind::kAbandoned, reason, job.attempts_made, started);
    return std::nullopt;
  }
  if (reply->IsInteger() && reply->integer < 0) {
    const std::string message = FinishedErrorMessage(reply->integer, job.id, "moveToFinished");
    logger_->error("queue {}: job {} could not be failed ({}); it is no longer ours",
                   keys_.queue_name(), job.id, message);
    Report(job, JobOutcome::Kind::kLost, message, job.attempts_made, started);
    return std::nullopt;
  }
  Report(job, JobOutcome::Kind::kFailed, reason, job.attempts_made + 1, started);
  return HandleNextJobReply(*reply, job.token);
}

void BullmqWorker::Impl::Report(const JobRecord& job, JobOutcome::Kind kind,
                                const std::string& reason, int attempts_made,
                                Clock::time_point started, std::int64_t retry_delay_ms) {
  if (!hooks_.on_outcome) {
    return;
  }
  JobOutcome outcome;
  outcome.kind = kind;
  outcome.job_id = job.id;
  outcome.job_name = job.name;
  outcome.failed_reason = reason;
  outcome.attempts_made = attempts_made;
  outcome.retry_delay_ms = retry_delay_ms;
  outcome.processing_time = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  try {
    hooks_.on_outcome(outcome);
  } catch (const std::exception& e) {
    logger_->error("on_outcome hook threw: {}", e.what());
  } catch (...) {
    logger_->error("on_outcome hook threw a non-std exception");
  }
}

// ---------------------------------------------------------------------------- JobBackend

void BullmqWorker::Impl::UpdateProgress(const JobRecord& job, const std::string& progress_json) {
  auto reply = RetryWhileUnreachable("updateProgress", job.id, [&] {
    return RunScript(command_conn_, ScriptId::kUpdateProgress,
                     {keys_.Job(job.id), keys_.events(), keys_.meta()}, {job.id, progress_json});
  });
  if (!reply) {
    throw std::runtime_error("worker closed before the progress of job " + job.id +
                             " could be stored");
  }
  if (reply->IsInteger() && reply->integer < 0) {
    throw std::runtime_error(FinishedErrorMessage(reply->integer, job.id, "updateProgress"));
  }
}

std::int64_t BullmqWorker::Impl::AddLog(const JobRecord& job, std::string_view row) {
  const std::string keep_logs =
      job.options.keep_logs ? std::to_string(*job.options.keep_logs) : std::string();
  auto reply = RetryWhileUnreachable("addLog", job.id, [&] {
    return RunScript(command_conn_, ScriptId::kAddLog, {keys_.Job(job.id), keys_.JobLogs(job.id)},
                     {job.id, std::string(row), keep_logs});
  });
  if (!reply) {
    throw std::runtime_error("worker closed before a log row of job " + job.id +
                             " could be stored");
  }
  const std::int64_t count = reply->AsInteger();
  if (count < 0) {
    throw std::runtime_error(FinishedErrorMessage(count, job.id, "addLog"));
  }
  return count;
}

std::map<std::string, std::string> BullmqWorker::Impl::ProcessedChildren(const JobRecord& job) {
  auto reply = RetryWhileUnreachable("getChildrenValues", job.id, [&] {
    return command_conn_.Command({"HGETALL", keys_.JobProcessed(job.id)});
  });
  if (!reply) {
    throw std::runtime_error("worker closed before the children values of job " + job.id +
                             " could be read");
  }
  std::map<std::string, std::string> values;
  const auto& flat = reply->AsArray();
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
    values[flat[i].str] = flat[i + 1].str;
  }
  return values;
}

// ---------------------------------------------------------------------------- timers

void BullmqWorker::Impl::LockRenewalLoop() {
  // LockManager: wake every lockRenewTime/2, renew locks not renewed for lockRenewTime/2.
  const milliseconds tick = std::max(options_.lock_renew_time / 2, milliseconds(1));
  while (SleepUnless(tick, stop_timers_)) {
    std::vector<std::string> ids;
    std::vector<std::string> tokens;
    {
      std::lock_guard lock(locks_mutex_);
      const auto now = Clock::now();
      for (auto& [job_id, tracked] : locks_) {
        if (tracked.last_renewed + tick < now) {
          tracked.last_renewed = now;
          ids.push_back(job_id);
          tokens.push_back(tracked.token);
        }
      }
    }
    if (ids.empty() || abandoned_) {
      continue;
    }
    try {
      const RedisReply reply = RunScript(lock_conn_, ScriptId::kExtendLocks, {keys_.stalled()},
                                         {keys_.key_prefix(), PackStrings(tokens), PackStrings(ids),
                                          std::to_string(options_.lock_duration.count())});
      for (const RedisReply& failed : reply.AsArray()) {
        bool still_ours = false;
        {
          std::lock_guard lock(locks_mutex_);
          still_ours = locks_.count(failed.str) > 0;
        }
        if (still_ours) {  // a job finished meanwhile releases its lock; that is no failure
          logger_->error(
              "queue {}: could not renew lock for job {}; another worker may take it over",
              keys_.queue_name(), failed.str);
        }
      }
    } catch (const std::exception& e) {
      logger_->warn("queue {}: renewing {} lock(s) failed: {}", keys_.queue_name(), ids.size(),
                    e.what());
    }
  }
}

void BullmqWorker::Impl::StalledCheckLoop() {
  do {
    try {
      const RedisReply reply =
          RunScript(stalled_conn_, ScriptId::kMoveStalledJobsToWait,
                    {keys_.stalled(), keys_.wait(), keys_.active(), keys_.stalled_check(),
                     keys_.meta(), keys_.paused(), keys_.marker(), keys_.events(), keys_.repeat()},
                    {std::to_string(options_.max_stalled_count), keys_.key_prefix(),
                     std::to_string(NowMs()), std::to_string(options_.stalled_interval.count())});
      for (const RedisReply& id : reply.AsArray()) {
        logger_->warn(
            "queue {}: job {} stalled (its worker stopped renewing the lock); moved "
            "back to wait",
            keys_.queue_name(), id.str);
      }
    } catch (const std::exception& e) {
      logger_->warn("queue {}: stalled-job check failed: {}", keys_.queue_name(), e.what());
    }
  } while (SleepUnless(options_.stalled_interval, stop_timers_));
}

// ---------------------------------------------------------------------------- public facade

BullmqWorker::BullmqWorker(RedisEndpoint endpoint, WorkerOptions options, Processor processor,
                           WorkerHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(endpoint), std::move(options), std::move(processor),
                                   std::move(hooks))) {}

BullmqWorker::~BullmqWorker() = default;

void BullmqWorker::Start() { impl_->Start(); }

std::size_t BullmqWorker::Close(std::chrono::milliseconds drain_timeout) {
  return impl_->Close(drain_timeout);
}

const std::string& BullmqWorker::id() const { return impl_->id(); }

std::string BullmqWorker::connection_name() const { return impl_->connection_name(); }

std::size_t BullmqWorker::jobs_in_flight() const { return impl_->jobs_in_flight(); }

bool BullmqWorker::closing() const { return impl_->closing(); }

}  // namespace protifer::queue

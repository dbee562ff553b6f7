// The setting groups both workers share. Initial values are the defaults (the schemas declare
// the same ones, and a test keeps the two in step), so a default-constructed section is what
// an environment without overrides gives.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace protifer::config {

enum class StorageDriver { kS3, kFilesystem };
enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kFatal, kSilent };

// Accepted texts, in documentation order ("s3", "filesystem"; pino's level names).
const std::vector<std::pair<std::string, StorageDriver>>& StorageDriverNames();
const std::vector<std::pair<std::string, LogLevel>>& LogLevelNames();
std::string_view ToString(StorageDriver driver);
std::string_view ToString(LogLevel level);

struct MetricsSettings {
  int port = 9090;      // METRICS_PORT
  bool enabled = true;  // METRICS_ENABLED

  bool operator==(const MetricsSettings&) const = default;
};

// gRPC defaults from contract sections 4.1-4.3 and 11 (64 MiB messages, keepalive 30 s/10 s).
// Defaults chosen by the Part 7 benchmark (README, Tuning).
inline constexpr bool kDefaultAdaptiveConcurrency = true;
// Off: on the transport-limited profile a budget of 20 tokens turned retried refusals into
// failed models and jobs (README, Tuning); retries are what absorbs a transport's refusals.
inline constexpr int kDefaultRetryBudgetTokens = 0;
inline constexpr int kDefaultRetryBudgetPercent = 5;

struct TritonSettings {
  std::string url;                                    // TRITON_URL, "host:port"
  std::chrono::milliseconds deadline{90000};          // TRITON_DEADLINE_MS, per attempt
  int max_inflight_infers = 8;                        // TRITON_MAX_INFLIGHT_INFERS (prediction)
  int retry_max_attempts = 3;                         // TRITON_RETRY_MAX_ATTEMPTS
  std::chrono::milliseconds retry_base_backoff{100};  // TRITON_RETRY_BASE_BACKOFF_MS
  std::int64_t max_message_bytes = std::int64_t{64} * 1024 * 1024;  // TRITON_MAX_MESSAGE_BYTES
  std::chrono::milliseconds keepalive_time{30000};                  // TRITON_KEEPALIVE_TIME_MS
  std::chrono::milliseconds keepalive_timeout{10000};               // TRITON_KEEPALIVE_TIMEOUT_MS
  int channels = 1;  // TRITON_CHANNELS: HTTP/2 connections calls are spread over
  // Part 7 (prediction worker): the semaphore sized by a limiter, a bound on in-flight request
  // bytes, and a retry budget.
  bool adaptive_concurrency = kDefaultAdaptiveConcurrency;  // TRITON_ADAPTIVE_CONCURRENCY
  int adaptive_min_infers = 8;                              // TRITON_ADAPTIVE_MIN_INFERS
  int adaptive_max_infers = 256;                            // TRITON_ADAPTIVE_MAX_INFERS
  int adaptive_latency_tolerance_percent = 200;  // TRITON_ADAPTIVE_LATENCY_TOLERANCE_PERCENT
  std::int64_t max_inflight_bytes = 0;           // TRITON_MAX_INFLIGHT_BYTES, 0 = unbounded
  // TRITON_RETRY_BUDGET_TOKENS, 0 = off (declared by the prediction worker; the embedding
  // worker's client uses the default budget).
  int retry_budget_tokens = kDefaultRetryBudgetTokens;
  int retry_budget_percent = kDefaultRetryBudgetPercent;  // TRITON_RETRY_BUDGET_PERCENT
  bool use_tls = false;                                   // TRITON_USE_TLS
  std::string tls_root_certs_path;  // TRITON_TLS_ROOT_CERTS; empty: gRPC's default roots

  bool operator==(const TritonSettings&) const = default;
};

struct RedisSettings {
  std::string host;      // REDIS_HOST
  int port = 6379;       // REDIS_PORT
  std::string password;  // REDIS_PASSWORD (secret)
  int db = 0;            // REDIS_DB

  bool operator==(const RedisSettings&) const = default;
};

// The object store. The S3 fields are empty when STORAGE_DRIVER=filesystem left them unset.
struct StorageSettings {
  StorageDriver driver = StorageDriver::kS3;  // STORAGE_DRIVER
  std::string path = "/data/objects";         // STORAGE_PATH
  std::string endpoint;                       // GARAGE_ENDPOINT
  std::string region;                         // GARAGE_REGION
  std::string bucket;                         // GARAGE_BUCKET
  std::string access_key_id;                  // GARAGE_ACCESS_KEY_ID (secret)
  std::string secret_access_key;              // GARAGE_SECRET_ACCESS_KEY (secret)

  bool operator==(const StorageSettings&) const = default;
};

// Job data larger than this is refused before it is parsed (MAX_JOB_DATA_BYTES). A job holds a
// sequence (the gateway admits at most 16384 residues) and a short model list: a few tens of
// kilobytes at most, so 1 MiB is generous and still bounds what a bad producer can make us
// allocate.
inline constexpr std::int64_t kDefaultMaxJobDataBytes = std::int64_t{1024} * 1024;

// BullMQ worker options: protifer's WORKER_DEFAULTS (contract section 1.4).
struct QueueWorkerSettings {
  int concurrency = 4;                                        // WORKER_CONCURRENCY
  std::chrono::milliseconds lock_duration{300000};            // BULLMQ_LOCK_DURATION_MS
  std::chrono::milliseconds lock_renew_time{30000};           // BULLMQ_LOCK_RENEW_TIME_MS
  std::chrono::milliseconds stalled_interval{30000};          // BULLMQ_STALLED_INTERVAL_MS
  int max_stalled_count = 2;                                  // BULLMQ_MAX_STALLED_COUNT
  std::int64_t max_job_data_bytes = kDefaultMaxJobDataBytes;  // MAX_JOB_DATA_BYTES

  bool operator==(const QueueWorkerSettings&) const = default;
};

// Start-up gate and shutdown (DESIGN.md sections 3 and 4.4).
struct LifecycleSettings {
  std::chrono::milliseconds boot_timeout{120000};       // BOOT_TIMEOUT_MS
  std::chrono::milliseconds boot_retry_interval{2000};  // BOOT_RETRY_INTERVAL_MS
  std::chrono::milliseconds drain_timeout{25000};       // DRAIN_TIMEOUT_MS

  bool operator==(const LifecycleSettings&) const = default;
};

struct LoggingSettings {
  LogLevel level = LogLevel::kInfo;  // LOG_LEVEL

  bool operator==(const LoggingSettings&) const = default;
};

}  // namespace protifer::config

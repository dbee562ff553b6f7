// Field declarations shared by both worker schemas, one function per setting group. Each takes
// the schema builder and a projection from the worker's config struct to the group's struct,
// written generically (`[](auto& c) -> auto& { return c.redis; }`) so that cross-field rules
// can apply it to a const config. The two schemas thus declare each variable the same way, once.
//
// Names, defaults and checks are protifer's (contract sections 1.4, 5.5, 7) except:
//   - GARAGE_* are required only when STORAGE_DRIVER=s3 (protifer requires them with the
//     filesystem driver too, contract section 12 item 14: a filesystem deployment had to
//     invent S3 credentials it never used);
//   - durations are capped at 2^31-1 ms (see kMaxDurationMs);
//   - settings protifer hard-codes or lacks are tunable here (TRITON_MAX_MESSAGE_BYTES,
//     keepalive, TLS, boot gate, drain deadline, BullMQ worker options, REDIS_DB,
//     MAX_JOB_DATA_BYTES), with protifer's values as defaults where it has one;
//   - LOG_LEVEL, read by protifer outside its schema, is validated like the rest.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "config/field_spec.h"
#include "config/schema.h"
#include "config/worker_settings.h"

namespace protifer::config {

template <typename Config, typename Section>
void AddMetricsFields(typename Schema<Config>::Builder& b, Section section) {
  b.Field(
      ConfigField("metrics.port", "METRICS_PORT", "Port of the Prometheus /metrics HTTP server.")
          .Port()
          .Default(9090),
      [section](Config& c) -> int& { return section(c).port; });
  b.Field(ConfigField("metrics.enabled", "METRICS_ENABLED",
                      "Whether to serve the Prometheus /metrics endpoint.")
              .Bool()
              .Default(true),
          [section](Config& c) -> bool& { return section(c).enabled; });
}

// TRITON_URL and the per-attempt deadline: both workers.
template <typename Config, typename Section>
void AddTritonEndpointFields(typename Schema<Config>::Builder& b, Section section) {
  b.Field(ConfigField("triton.url", "TRITON_URL", "Triton gRPC endpoint (host:port, no scheme)."),
          [section](Config& c) -> std::string& { return section(c).url; });
  b.Field(ConfigField("triton.deadlineMs", "TRITON_DEADLINE_MS",
                      "Deadline of each ModelInfer attempt in ms (re-armed per retry).")
              .DurationMs()
              .Default(90000),
          [section](Config& c) -> std::chrono::milliseconds& { return section(c).deadline; });
}

// The transient retry of protifer PR #32: both workers. protifer's embedding worker has the
// client's defaults (3 attempts, 100 ms) built in; here it reads the same settings, with the
// same defaults, so an operator can give it more attempts where connections reset often.
template <typename Config, typename Section>
void AddTritonRetryFields(typename Schema<Config>::Builder& b, Section section) {
  b.Field(ConfigField("triton.retryMaxAttempts", "TRITON_RETRY_MAX_ATTEMPTS",
                      "Total ModelInfer attempts on transient transport errors (<= 1 disables "
                      "retry).")
              .PositiveInt()
              .Default(3),
          [section](Config& c) -> int& { return section(c).retry_max_attempts; });
  b.Field(
      ConfigField("triton.retryBaseBackoffMs", "TRITON_RETRY_BASE_BACKOFF_MS",
                  "Base of the jittered exponential backoff between attempts, in ms.")
          .DurationMs()
          .Default(100),
      [section](Config& c) -> std::chrono::milliseconds& { return section(c).retry_base_backoff; });
}

// The bounded fan-out of protifer PR #32 and this project's additions to it: prediction worker
// only (the embedding worker makes one call per job).
template <typename Config, typename Section>
void AddTritonFanOutFields(typename Schema<Config>::Builder& b, Section section) {
  b.Field(ConfigField("triton.maxInflightInfers", "TRITON_MAX_INFLIGHT_INFERS",
                      "Process-wide cap on concurrent ModelInfer calls across all jobs (the "
                      "FIFO semaphore; held across retries).")
              .PositiveInt()
              .Default(8),
          [section](Config& c) -> int& { return section(c).max_inflight_infers; });
  AddTritonRetryFields<Config>(b, section);
  b.Field(ConfigField("triton.retryBudgetTokens", "TRITON_RETRY_BUDGET_TOKENS",
                      "Retry budget (gRFC A6 token bucket): size of the bucket; each transient "
                      "failure takes a token, retries stop while half or less are left. 0 = off.")
              .NonNegativeInt()
              .Max(1000000)
              .Default(kDefaultRetryBudgetTokens),
          [section](Config& c) -> int& { return section(c).retry_budget_tokens; });
  b.Field(ConfigField("triton.retryBudgetPercent", "TRITON_RETRY_BUDGET_PERCENT",
                      "Tokens a successful attempt gives back, in percent of a token: the share "
                      "of retries the budget sustains when failures persist.")
              .PositiveInt()
              .Max(100)
              .Default(kDefaultRetryBudgetPercent),
          [section](Config& c) -> int& { return section(c).retry_budget_percent; });
  b.Field(ConfigField("triton.adaptiveConcurrency", "TRITON_ADAPTIVE_CONCURRENCY",
                      "Size the cap on in-flight ModelInfer calls at run time (starting from "
                      "TRITON_MAX_INFLIGHT_INFERS): shrink on transport drops and server "
                      "queueing, grow while calls wait for a permit.")
              .Bool()
              .Default(kDefaultAdaptiveConcurrency),
          [section](Config& c) -> bool& { return section(c).adaptive_concurrency; });
  b.Field(ConfigField("triton.adaptiveMinInfers", "TRITON_ADAPTIVE_MIN_INFERS",
                      "Smallest cap the adaptive limit may choose (default: the static default "
                      "8, so it only adds width where the server has room; lower it for a "
                      "transport that fails below 8 calls).")
              .PositiveInt()
              .Default(8),
          [section](Config& c) -> int& { return section(c).adaptive_min_infers; });
  b.Field(ConfigField("triton.adaptiveMaxInfers", "TRITON_ADAPTIVE_MAX_INFERS",
                      "Largest cap the adaptive limit may choose.")
              .PositiveInt()
              .Default(256),
          [section](Config& c) -> int& { return section(c).adaptive_max_infers; });
  b.Field(ConfigField("triton.adaptiveLatencyTolerancePercent",
                      "TRITON_ADAPTIVE_LATENCY_TOLERANCE_PERCENT",
                      "Mean latency of calls, in percent of their unloaded latency (per model "
                      "and request size), above which the adaptive limit shrinks.")
              .PositiveInt()
              .Min(101)
              .Max(10000)
              .Default(200),
          [section](Config& c) -> int& { return section(c).adaptive_latency_tolerance_percent; });
  b.Check("triton.adaptiveMaxInfers", {"triton.adaptiveMinInfers"},
          [section](const Config& c) -> std::optional<std::string> {
            const auto& triton = section(c);
            if (triton.adaptive_max_infers < triton.adaptive_min_infers) {
              return "Below TRITON_ADAPTIVE_MIN_INFERS (" +
                     std::to_string(triton.adaptive_min_infers) + ").";
            }
            return std::nullopt;
          });
  b.Field(ConfigField("triton.maxInflightBytes", "TRITON_MAX_INFLIGHT_BYTES",
                      "Bound on the request bytes of in-flight ModelInfer calls, enforced by the "
                      "same FIFO queue (a call larger than it runs alone). 0 = no byte bound.")
              .NonNegativeInt()
              .Default(std::int64_t{0}),
          [section](Config& c) -> std::int64_t& { return section(c).max_inflight_bytes; });
}

// Channel settings protifer hard-codes (contract section 4.1; anchors section 1.2).
template <typename Config, typename Section>
void AddTritonChannelFields(typename Schema<Config>::Builder& b, Section section) {
  b.Field(ConfigField("triton.maxMessageBytes", "TRITON_MAX_MESSAGE_BYTES",
                      "gRPC max send/receive message size in bytes (protifer: 64 MiB; gRPC "
                      "allows at most 2^31-1).")
              .PositiveInt()
              .Max(2147483647)
              .Default(std::int64_t{64} * 1024 * 1024),
          [section](Config& c) -> std::int64_t& { return section(c).max_message_bytes; });
  b.Field(ConfigField("triton.keepaliveTimeMs", "TRITON_KEEPALIVE_TIME_MS",
                      "Interval of HTTP/2 keepalive pings while calls are in flight, in ms "
                      "(never on an idle channel: Triton answers those with GOAWAY).")
              .DurationMs()
              .Default(30000),
          [section](Config& c) -> std::chrono::milliseconds& { return section(c).keepalive_time; });
  b.Field(
      ConfigField("triton.keepaliveTimeoutMs", "TRITON_KEEPALIVE_TIMEOUT_MS",
                  "How long a keepalive ping may go unanswered before the connection is "
                  "closed, in ms.")
          .DurationMs()
          .Default(10000),
      [section](Config& c) -> std::chrono::milliseconds& { return section(c).keepalive_timeout; });
  b.Field(ConfigField("triton.channels", "TRITON_CHANNELS",
                      "HTTP/2 connections to Triton; calls go to the least busy one and a retry "
                      "to another one than its failed attempt's.")
              .PositiveInt()
              .Max(64)
              .Default(1),
          [section](Config& c) -> int& { return section(c).channels; });
  b.Field(ConfigField("triton.useTls", "TRITON_USE_TLS",
                      "Connect to Triton over TLS instead of plaintext (protifer: plaintext).")
              .Bool()
              .Default(false),
          [section](Config& c) -> bool& { return section(c).use_tls; });
  b.Field(ConfigField("triton.tlsRootCerts", "TRITON_TLS_ROOT_CERTS",
                      "PEM file of CA certificates trusted for Triton's TLS certificate "
                      "(unset: gRPC's default roots). Needs TRITON_USE_TLS=true.")
              .FilePath()
              .Optional(),
          [section](Config& c) -> std::string& { return section(c).tls_root_certs_path; });
  b.Check("triton.tlsRootCerts", {"triton.useTls"},
          [section](const Config& c) -> std::optional<std::string> {
            const auto& triton = section(c);
            if (!triton.tls_root_certs_path.empty() && !triton.use_tls) {
              return "Set, but TRITON_USE_TLS is false: the certificates would be ignored. Set "
                     "TRITON_USE_TLS=true or unset TRITON_TLS_ROOT_CERTS.";
            }
            return std::nullopt;
          });
}

template <typename Config, typename Section>
void AddRedisFields(typename Schema<Config>::Builder& b, Section section) {
  b.Field(ConfigField("redis.host", "REDIS_HOST", "Redis hostname for BullMQ."),
          [section](Config& c) -> std::string& { return section(c).host; });
  b.Field(ConfigField("redis.port", "REDIS_PORT", "Redis port.").Port().Default(6379),
          [section](Config& c) -> int& { return section(c).port; });
  b.Field(SecretField("redis.password", "REDIS_PASSWORD", "Redis requirepass value."),
          [section](Config& c) -> std::string& { return section(c).password; });
  b.Field(ConfigField("redis.db", "REDIS_DB",
                      "Redis database index (SELECT); must match the producers' (protifer: "
                      "0).")
              .NonNegativeInt()
              .Default(0),
          [section](Config& c) -> int& { return section(c).db; });
}

template <typename Config, typename Section>
void AddStorageFields(typename Schema<Config>::Builder& b, Section section,
                      const std::string& bucket_contents) {
  b.Field(
      ConfigField("storage.driver", "STORAGE_DRIVER",
                  "Object-store backend: s3 (Garage) or filesystem.")
          .Default("s3"),
      [section](Config& c) -> StorageDriver& { return section(c).driver; }, StorageDriverNames());
  b.Field(ConfigField("storage.path", "STORAGE_PATH",
                      "Filesystem object-store root (used when STORAGE_DRIVER=filesystem).")
              .Default("/data/objects"),
          [section](Config& c) -> std::string& { return section(c).path; });
  b.Field(ConfigField("storage.endpoint", "GARAGE_ENDPOINT", "Garage S3 endpoint URL.")
              .Url()
              .RequiredWhen("storage.driver", "s3"),
          [section](Config& c) -> std::string& { return section(c).endpoint; });
  b.Field(ConfigField("storage.region", "GARAGE_REGION", "Garage S3 region.")
              .RequiredWhen("storage.driver", "s3"),
          [section](Config& c) -> std::string& { return section(c).region; });
  b.Field(ConfigField("storage.bucket", "GARAGE_BUCKET",
                      "Garage bucket holding " + bucket_contents + ".")
              .RequiredWhen("storage.driver", "s3"),
          [section](Config& c) -> std::string& { return section(c).bucket; });
  b.Field(SecretField("storage.accessKeyId", "GARAGE_ACCESS_KEY_ID", "Garage S3 access key.")
              .RequiredWhen("storage.driver", "s3"),
          [section](Config& c) -> std::string& { return section(c).access_key_id; });
  b.Field(
      SecretField("storage.secretAccessKey", "GARAGE_SECRET_ACCESS_KEY", "Garage S3 secret key.")
          .RequiredWhen("storage.driver", "s3"),
      [section](Config& c) -> std::string& { return section(c).secret_access_key; });
}

template <typename Config, typename Section>
void AddQueueWorkerFields(typename Schema<Config>::Builder& b, Section section) {
  b.Field(ConfigField("worker.concurrency", "WORKER_CONCURRENCY",
                      "Jobs processed in parallel by this process (protifer: 4; keep <= the "
                      "queue rate limit of 20 jobs/s).")
              .PositiveInt()
              .Default(4),
          [section](Config& c) -> int& { return section(c).concurrency; });
  b.Field(ConfigField("worker.lockDurationMs", "BULLMQ_LOCK_DURATION_MS",
                      "BullMQ job lock time to live in ms; a job whose lock expires is stalled.")
              .DurationMs()
              .Default(300000),
          [section](Config& c) -> std::chrono::milliseconds& { return section(c).lock_duration; });
  b.Field(
      ConfigField("worker.lockRenewTimeMs", "BULLMQ_LOCK_RENEW_TIME_MS",
                  "How often job locks are renewed, in ms (must stay below half the lock "
                  "duration).")
          .DurationMs()
          .Default(30000),
      [section](Config& c) -> std::chrono::milliseconds& { return section(c).lock_renew_time; });
  b.Field(
      ConfigField("worker.stalledIntervalMs", "BULLMQ_STALLED_INTERVAL_MS",
                  "Interval of the stalled-job check in ms (BullMQ's default, which "
                  "protifer keeps).")
          .DurationMs()
          .Default(30000),
      [section](Config& c) -> std::chrono::milliseconds& { return section(c).stalled_interval; });
  b.Field(ConfigField("worker.maxStalledCount", "BULLMQ_MAX_STALLED_COUNT",
                      "Times a job may stall (lose its lock) before it fails.")
              .NonNegativeInt()
              .Default(2),
          [section](Config& c) -> int& { return section(c).max_stalled_count; });
  b.Field(ConfigField("worker.maxJobDataBytes", "MAX_JOB_DATA_BYTES",
                      "Largest job data (JSON) accepted from the queue, in bytes; a larger job "
                      "fails without being parsed.")
              .PositiveInt()
              .Default(kDefaultMaxJobDataBytes),
          [section](Config& c) -> std::int64_t& { return section(c).max_job_data_bytes; });
  b.Check("worker.lockRenewTimeMs", {"worker.lockDurationMs"},
          [section](const Config& c) -> std::optional<std::string> {
            const auto& worker = section(c);
            if (worker.lock_renew_time * 2 < worker.lock_duration) {
              return std::nullopt;
            }
            return "Must be less than half of BULLMQ_LOCK_DURATION_MS (" +
                   std::to_string(worker.lock_duration.count()) +
                   "), so one missed renewal never loses a lock.";
          });
}

template <typename Config, typename Section>
void AddLifecycleFields(typename Schema<Config>::Builder& b, Section section) {
  b.Field(ConfigField("boot.timeoutMs", "BOOT_TIMEOUT_MS",
                      "How long start-up waits for Triton ServerReady and every ModelReady "
                      "before exiting 1, in ms.")
              .DurationMs()
              .Default(120000),
          [section](Config& c) -> std::chrono::milliseconds& { return section(c).boot_timeout; });
  b.Field(ConfigField("boot.retryIntervalMs", "BOOT_RETRY_INTERVAL_MS",
                      "Pause between readiness probes during start-up, in ms.")
              .DurationMs()
              .Default(2000),
          [section](Config& c) -> std::chrono::milliseconds& {
            return section(c).boot_retry_interval;
          });
  b.Field(ConfigField("shutdown.drainTimeoutMs", "DRAIN_TIMEOUT_MS",
                      "After SIGTERM, how long active jobs may run before the worker exits "
                      "anyway, in ms; unfinished jobs are recovered as stalled (0: none).")
              .DurationMs()
              .Min(0)
              .Default(25000),
          [section](Config& c) -> std::chrono::milliseconds& { return section(c).drain_timeout; });
}

template <typename Config, typename Section>
void AddLoggingFields(typename Schema<Config>::Builder& b, Section section) {
  b.Field(
      ConfigField("log.level", "LOG_LEVEL", "Minimum level of log lines written.").Default("info"),
      [section](Config& c) -> LogLevel& { return section(c).level; }, LogLevelNames());
}

}  // namespace protifer::config

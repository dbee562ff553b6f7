// Everything that configures a Triton Client. Field defaults are protifer's (spec §4.1-4.3); the
// comments name the environment variable each field is read from by the config layer.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "triton/retry_budget.h"
#include "triton/retry_policy.h"

namespace protifer::triton {

inline constexpr std::string_view kEnvTritonUrl = "TRITON_URL";
inline constexpr std::string_view kEnvMaxMessageBytes = "TRITON_MAX_MESSAGE_BYTES";
inline constexpr std::string_view kEnvDeadlineMs = "TRITON_DEADLINE_MS";
inline constexpr std::string_view kEnvRetryMaxAttempts = "TRITON_RETRY_MAX_ATTEMPTS";
inline constexpr std::string_view kEnvRetryBaseBackoffMs = "TRITON_RETRY_BASE_BACKOFF_MS";
inline constexpr std::string_view kEnvRetryBudgetTokens = "TRITON_RETRY_BUDGET_TOKENS";
inline constexpr std::string_view kEnvRetryBudgetRatio = "TRITON_RETRY_BUDGET_RATIO";
inline constexpr std::string_view kEnvChannels = "TRITON_CHANNELS";

// Bounds of ClientOptions::channels.
inline constexpr int kMinChannels = 1;
inline constexpr int kMaxChannels = 64;

// 64 MiB: gRPC's 4 MB default rejected ~1k+ residue payloads; 64 MiB covers ~16k residues at
// 1024-dim FP32 (protifer's comment).
inline constexpr std::int64_t kDefaultMaxMessageBytes = std::int64_t{64} * 1024 * 1024;

// What the client reports after every ModelInfer attempt, for metrics (pure RPC time per attempt,
// retries, chosen backoff).
struct AttemptRecord {
  std::string model_name;
  std::string model_version;
  int attempt = 0;  // 1-based
  grpc::StatusCode code = grpc::StatusCode::OK;
  // Start of the RPC to its completion callback; excludes backoff and permit waits.
  std::chrono::steady_clock::duration rpc_duration{};
  // Whether another attempt follows, and after how long.
  bool will_retry = false;
  std::chrono::milliseconds backoff{0};
  // The attempt failed with an error classified transient (TritonError::transient()): the kind
  // of failure that drains the retry budget.
  bool transient = false;
  // The retry policy would have sent another attempt but the retry budget refused it: the call
  // ends with this attempt's error (will_retry is false).
  bool retry_throttled = false;
  // Index of the pooled channel (connection) the attempt was sent on, in [0, channels).
  int channel = 0;
  // Serialized size of the request (what the transport carries), so that observers can compare
  // calls of similar size.
  std::size_t request_bytes = 0;
};

struct ClientOptions {
  // "host:port", no scheme (TRITON_URL).
  std::string target;

  // TLS via grpc::SslCredentials; with empty root_certs_pem gRPC uses its default roots.
  bool use_tls = false;
  std::string tls_root_certs_pem;

  // Applied to both the send and receive limits of the channel (TRITON_MAX_MESSAGE_BYTES); a
  // request above it fails locally before anything is sent. At most INT32_MAX (gRPC's limit).
  std::int64_t max_message_bytes = kDefaultMaxMessageBytes;

  // Keepalive pings only while calls are in flight: Triton's default ping policy answers pings
  // on an idle connection with GOAWAY ENHANCE_YOUR_CALM (spec §4.1, anchors §2.2).
  std::chrono::milliseconds keepalive_time{30000};
  std::chrono::milliseconds keepalive_timeout{10000};
  bool keepalive_permit_without_calls = false;

  // Deadline of each ModelInfer attempt, recomputed per attempt (TRITON_DEADLINE_MS).
  std::chrono::milliseconds infer_deadline{90000};
  // Deadline of readiness and metadata calls.
  std::chrono::milliseconds probe_deadline{5000};

  // TRITON_RETRY_MAX_ATTEMPTS, TRITON_RETRY_BASE_BACKOFF_MS.
  RetryOptions retry;

  // Client-wide limit on retries (TRITON_RETRY_BUDGET_TOKENS, TRITON_RETRY_BUDGET_RATIO); off by
  // default. See retry_budget.h.
  RetryBudgetOptions retry_budget;

  // HTTP/2 connections to `target`, in [1, 64] (TRITON_CHANNELS). One connection carries all
  // calls over one TCP socket (one flow-control window, one stream of bytes for many large
  // tensors), and a reset of it fails every call in flight. Each ModelInfer attempt goes to the
  // least busy channel, a retry to another one than its failed attempt.
  int channels = 1;

  // Optional: called on a gRPC thread after every ModelInfer attempt, before the next attempt
  // or the completion. Must be quick, must not block and must not throw (std::terminate).
  std::function<void(const AttemptRecord&)> on_attempt;

  // Optional: the source of the backoff jitter, uniform in [0, 1). Empty = a seeded Mersenne
  // twister. Tests inject a constant to make the chosen delays predictable. Called from gRPC
  // threads, possibly concurrently.
  std::function<double()> jitter;
};

// Throws std::invalid_argument naming the first bad field (empty target, non-positive deadlines
// or message limit, message limit above INT32_MAX, negative keepalive or backoff, channels
// outside [1, 64], a negative or non-finite retry_budget.max_tokens, or - with the budget on -
// a retry_budget.token_ratio outside [0.001, max_tokens]; the budget keeps three decimals).
void ValidateClientOptions(const ClientOptions& options);

}  // namespace protifer::triton

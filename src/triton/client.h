// protifer::triton::Client: the KServe v2 gRPC client of the workers.
//
// A pool of channels (ClientOptions::channels, default 1), one HTTP/2 connection each, all to
// the same target and configured like protifer's (spec §4.1): 64 MiB messages both ways,
// keepalive 30 s / 10 s only while calls are in flight, gRPC's own retries off. Several
// connections spread concurrent large tensors over several TCP sockets, and a connection reset
// then fails only the calls on that connection. gRPC shares one connection among channels with
// identical arguments (its process-wide subchannel pool), so with more than one channel each
// gets a local subchannel pool and its own index argument. Each ModelInfer attempt goes to the
// channel with the fewest attempts in flight (ties round-robin); a retry avoids the channel its
// failed attempt used, since that connection may be the broken one. Probes use channel 0.
//
// ModelInfer adds what the wire lacks: a fresh deadline per attempt, error classification
// (triton_error.h), bounded, jittered retry of transient failures (retry_policy.h) and a
// client-wide retry budget (retry_budget.h, off by default) that stops retrying while most
// attempts fail, so an outage is not multiplied by max_attempts. Concurrency is NOT limited
// here: the caller holds a permit of the process-wide FIFO semaphore from before ModelInferAsync
// until `done` runs, so retries and backoff happen inside that permit and never widen the
// fan-out.
//
// Threading model
// - ModelInferAsync never blocks and never runs `done` itself. No thread is created per call:
//   attempts use the gRPC callback API (stub->async()) and backoff waits are grpc::Alarm timers.
// - `done` and the `on_attempt` observer run on gRPC-owned threads (the callback executor or
//   the timer executor). There they must stay short and must not block: no blocking
//   ModelInfer/probe call, no waiting on futures, no sleeping, no long CPU work (hand heavy
//   decoding to your own executor). Starting another ModelInferAsync, releasing a semaphore
//   permit (which may start the next waiter's call on this thread) and fulfilling a promise are
//   fine.
// - `done` must not throw (it is called from a noexcept frame: std::terminate) and must not
//   destroy the Client (the destructor waits for `done` to return; doing so is detected and
//   aborts with a message instead of deadlocking).
// - All public members are thread-safe, except that destruction must not race other calls.
//
// Lifetime rule: destroying the Client cancels what is still pending (in-flight attempts are
// cancelled, backoff timers are cut short), every pending `done` still runs exactly once (with
// CANCELLED and a message saying the client shut down, or with the result that raced the
// cancellation), and the destructor returns only after the last `done` has returned. Callers
// that want results rather than cancellations drain their own calls before destroying the
// client (the worker's SIGTERM drain does).
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/support/channel_arguments.h>

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "kserve/grpc_service.grpc.pb.h"
#include "triton/client_options.h"
#include "triton/inference_client.h"
#include "triton/retry_budget.h"
#include "triton/retry_policy.h"

namespace protifer::triton {

// Integer channel argument numbering the channels of a pool (0-based), so that no two of them
// have identical arguments.
inline constexpr char kChannelIndexArg[] = "protifer.channel_index";

class Client final : public InferenceClient {
 public:
  // Validates `options` (std::invalid_argument) and creates the channels. Does not connect:
  // gRPC connects each channel lazily on its first call.
  explicit Client(ClientOptions options);
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The channel arguments derived from `options` (message limits, keepalive, retries off).
  static grpc::ChannelArguments MakeChannelArguments(const ClientOptions& options);
  // The arguments of pooled channel `channel_index`: MakeChannelArguments plus, when
  // options.channels > 1, GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL = 1 and kChannelIndexArg =
  // channel_index, which give each channel its own connection. With one channel nothing is
  // added (the single channel behaves exactly as before the pool existed).
  static grpc::ChannelArguments MakePooledChannelArguments(const ClientOptions& options,
                                                           int channel_index);

  // See InferenceClient and the threading model above. Sends `request` exactly as given (in
  // particular model_version stays empty unless the caller set it). A request whose serialized
  // size exceeds max_message_bytes fails with a local RESOURCE_EXHAUSTED error, attempts 0,
  // without anything being sent.
  void ModelInferAsync(std::shared_ptr<const inference::ModelInferRequest> request,
                       InferCallback done) override;

  // Readiness and metadata, each one attempt bounded by probe_deadline, blocking the caller.
  CallResult<bool> ProbeServerLive();
  CallResult<bool> ProbeServerReady() override;
  CallResult<bool> ProbeModelReady(const std::string& name,
                                   const std::string& version = "") override;
  CallResult<inference::ModelMetadataResponse> ModelMetadata(const std::string& name,
                                                             const std::string& version = "");
  // False on any error.
  bool ServerLive();

  // Ends every ModelInfer call at once (CANCELLED, including calls waiting to retry) and fails
  // later calls the same way. For a shutdown whose drain deadline has passed: the jobs blocked
  // on those calls then return instead of holding the process for a whole Triton deadline.
  void CancelAll();

  const ClientOptions& options() const noexcept { return options_; }
  // ModelInfer calls whose `done` has not returned yet.
  std::size_t pending_calls() const;
  // Tokens left in the retry budget, for metrics (0 when the budget is off).
  double retry_tokens() const { return retry_budget_.tokens(); }

 private:
  class InferCall;

  // Bookkeeping of InferCall: registered on start; detached (no longer cancellable) just before
  // it is deleted; completed after its `done` returned.
  void Register(InferCall* call);
  void Detach(InferCall* call);
  void Complete();

  struct PooledChannel {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<inference::GRPCInferenceService::Stub> stub;
  };
  static std::vector<PooledChannel> MakeChannelPool(const ClientOptions& options);

  // Chooses the channel of a ModelInfer attempt and counts the attempt in flight on it until
  // ReleaseChannel: channels in TRANSIENT_FAILURE last, then the fewest attempts in flight,
  // ties to the next channel after the last one chosen; never `avoid` (the channel of the failed
  // previous attempt, -1 for none) when there is another channel.
  int AcquireChannel(int avoid);
  void ReleaseChannel(int channel);

  double DrawJitter();
  std::unique_ptr<grpc::ClientContext> MakeProbeContext() const;
  inference::GRPCInferenceService::Stub& probe_stub() const { return *channels_.front().stub; }

  const ClientOptions options_;
  const ModelInferRetryPolicy retry_policy_;
  RetryBudget retry_budget_;
  const std::vector<PooledChannel> channels_;

  std::mutex channels_mutex_;
  std::vector<int> in_flight_;    // guarded by channels_mutex_; attempts in flight per channel
  std::size_t next_channel_ = 0;  // guarded by channels_mutex_; where ties start

  mutable std::mutex calls_mutex_;
  std::condition_variable calls_idle_;
  std::unordered_set<InferCall*> live_calls_;  // guarded by calls_mutex_
  std::size_t pending_calls_ = 0;              // guarded by calls_mutex_
  bool shutting_down_ = false;                 // guarded by calls_mutex_

  std::mutex jitter_mutex_;
  std::mt19937_64 jitter_engine_;  // guarded by jitter_mutex_
};

}  // namespace protifer::triton

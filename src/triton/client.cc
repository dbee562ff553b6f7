#include "triton/client.h"

#include <grpc/grpc.h>
#include <grpc/support/time.h>
#include <grpcpp/alarm.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <utility>

namespace protifer::triton {
namespace {

// The Client whose user callback (done / on_attempt) is running on this thread, so that the
// destructor can refuse to wait for itself.
thread_local const Client* tls_client_in_callback = nullptr;

class ScopedCallbackMarker {
 public:
  explicit ScopedCallbackMarker(const Client* client) : previous_(tls_client_in_callback) {
    tls_client_in_callback = client;
  }
  ~ScopedCallbackMarker() { tls_client_in_callback = previous_; }
  ScopedCallbackMarker(const ScopedCallbackMarker&) = delete;
  ScopedCallbackMarker& operator=(const ScopedCallbackMarker&) = delete;

 private:
  const Client* previous_;
};

// Deadlines and timers on the monotonic clock: a wall-clock step must not cut or stretch them.
gpr_timespec MonotonicIn(std::chrono::milliseconds delay) {
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                      gpr_time_from_millis(static_cast<int64_t>(delay.count()), GPR_TIMESPAN));
}

int ClampToInt(std::chrono::milliseconds value) {
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(value.count(), 0, INT_MAX));
}

std::shared_ptr<grpc::ChannelCredentials> MakeCredentials(const ClientOptions& options) {
  if (!options.use_tls) {
    return grpc::InsecureChannelCredentials();
  }
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = options.tls_root_certs_pem;
  return grpc::SslCredentials(ssl);
}

// `done` and the observer must not throw: they run on gRPC threads where nobody could catch it.
void RunDone(const InferCallback& done, InferResult result) noexcept { done(std::move(result)); }
void RunObserver(const std::function<void(const AttemptRecord&)>& observer,
                 const AttemptRecord& record) noexcept {
  observer(record);
}

}  // namespace

// ---- One logical ModelInfer: attempts, backoff, completion -------------------------------------
//
// Owns itself: created by ModelInferAsync, deleted by Finish, which is reached exactly once on
// every path. Each step runs on whichever thread delivered the previous event (caller for the
// first attempt, gRPC callback thread after an attempt, timer thread after a backoff); the steps
// of one call never overlap, so only the state shared with Cancel() needs the mutex.
class Client::InferCall {
 public:
  InferCall(Client* client, std::shared_ptr<const inference::ModelInferRequest> request,
            InferCallback done)
      : client_(client), request_(std::move(request)), done_(std::move(done)) {}

  // `shutting_down`: the client is being destroyed; fail at once without sending.
  void Start(bool shutting_down) {
    if (shutting_down) {
      FailSoon(ShutdownError(0));
      return;
    }
    const std::size_t size = request_->ByteSizeLong();
    request_bytes_ = size;
    const auto limit = static_cast<std::size_t>(client_->options_.max_message_bytes);
    if (size > limit) {
      FailSoon(TritonError::Local(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "ModelInfer request for model '" + request_->model_name() +
                                      "' is " + std::to_string(size) + " bytes, above the " +
                                      std::to_string(limit) + "-byte message limit (" +
                                      std::string(kEnvMaxMessageBytes) + ")"));
      return;
    }
    StartAttempt();
  }

  // Called by the Client destructor with calls_mutex_ held (so this object cannot be deleted
  // meanwhile). Cuts short whatever the call is waiting for; the ordinary completion path then
  // finishes it.
  void Cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    if (phase_ == Phase::kInFlight && context_ != nullptr) {
      context_->TryCancel();
    }
    if (phase_ == Phase::kWaiting && alarm_ != nullptr) {
      alarm_->Cancel();
    }
  }

 private:
  enum class Phase { kIdle, kInFlight, kWaiting };

  void StartAttempt() {
    grpc::ClientContext* context = nullptr;
    inference::GRPCInferenceService::Stub* stub = nullptr;
    {
      std::lock_guard lock(mutex_);
      if (!cancelled_) {
        // Only a failed attempt is ever followed by another: keep the retry off its channel.
        channel_ = client_->AcquireChannel(attempts_ > 0 ? channel_ : -1);
        stub = client_->channels_[static_cast<std::size_t>(channel_)].stub.get();
        ++attempts_;
        context_ = std::make_unique<grpc::ClientContext>();
        context_->set_deadline(MonotonicIn(client_->options_.infer_deadline));
        response_.Clear();
        attempt_started_ = std::chrono::steady_clock::now();
        phase_ = Phase::kInFlight;
        context = context_.get();
      }
    }
    if (context == nullptr) {
      FailSoon(ShutdownError(attempts_));
      return;
    }
    // A Cancel() racing this line is safe: TryCancel on a context whose call has not started
    // yet makes gRPC cancel the call as soon as it starts. Nothing below may touch `this`: the
    // completion can run (and delete this object) on another thread before this returns.
    stub->async()->ModelInfer(context, request_.get(), &response_,
                              [this](const grpc::Status& status) { OnAttemptDone(status); });
  }

  void OnAttemptDone(const grpc::Status& status) {
    // Every step starts by taking the mutex, even where gRPC already orders it after the previous
    // step: the ordering is then explicit in this file (and visible to ThreadSanitizer, which
    // cannot see inside the uninstrumented gRPC libraries).
    std::chrono::steady_clock::duration rpc_duration{};
    bool cancelled = false;
    {
      std::lock_guard lock(mutex_);
      rpc_duration = std::chrono::steady_clock::now() - attempt_started_;
      phase_ = Phase::kIdle;
      cancelled = cancelled_;
    }
    // Before anything else: `done` may start the next call, whose channel choice must not count
    // this finished attempt.
    client_->ReleaseChannel(channel_);
    if (status.ok()) {
      client_->retry_budget_.OnSuccess();
      Report(status.error_code(), false, rpc_duration, Decision{});
      Finish(InferResult(std::move(response_), attempts_));
      return;
    }
    TritonError error = TritonError::FromStatus(status, attempts_);
    if (cancelled && status.error_code() == grpc::StatusCode::CANCELLED) {
      // Our own TryCancel: say why instead of gRPC's bare "Cancelled".
      error = ShutdownError(attempts_);
    }
    const ModelInferRetryPolicy& policy = client_->retry_policy_;
    const bool wanted = !cancelled && policy.ShouldRetry(error, attempts_);
    // Every transient failure drains the budget, also one that ends its call (last attempt, or
    // a cancellation racing it): the budget measures how the server is doing, not the calls.
    const bool allowed = !error.transient() || client_->retry_budget_.OnTransientFailure();
    Decision decision;
    decision.retry = wanted && allowed;
    decision.throttled = wanted && !allowed;
    if (decision.retry) {
      decision.backoff = policy.BackoffDelay(attempts_, client_->DrawJitter());
    }
    Report(status.error_code(), error.transient(), rpc_duration, decision);
    if (!decision.retry) {
      Finish(InferResult(std::move(error)));
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (!cancelled_) {
        last_error_ = std::move(error);
        phase_ = Phase::kWaiting;
        alarm_ = std::make_unique<grpc::Alarm>();
        // The timer thread resumes the call; no thread sleeps through the backoff.
        alarm_->Set(MonotonicIn(decision.backoff), [this](bool /*fired*/) { StartAttempt(); });
        return;
      }
    }
    Finish(InferResult(ShutdownError(attempts_, &error)));
  }

  // Delivers `error` from a timer callback so that `done` never runs inside ModelInferAsync.
  void FailSoon(TritonError error) {
    std::lock_guard lock(mutex_);
    last_error_ = std::move(error);
    phase_ = Phase::kWaiting;
    // Replacing alarm_ from inside its own callback is safe: gRPC keeps the running alarm alive
    // until its callback returns.
    alarm_ = std::make_unique<grpc::Alarm>();
    alarm_->Set(MonotonicIn(std::chrono::milliseconds(0)), [this](bool /*fired*/) {
      std::unique_lock step_lock(mutex_);
      TritonError failure = *last_error_;
      step_lock.unlock();
      Finish(InferResult(std::move(failure)));
    });
  }

  TritonError ShutdownError(int attempts, const TritonError* last = nullptr) const {
    const TritonError* previous = last != nullptr ? last : (last_error_ ? &*last_error_ : nullptr);
    std::string details = "ModelInfer for model '" + request_->model_name() +
                          "' was cancelled: the Triton client is shutting down";
    if (previous != nullptr) {
      details += std::string(" (previous attempt: ") + previous->what() + ")";
    }
    if (attempts == 0) {
      return TritonError::Local(grpc::StatusCode::CANCELLED, std::move(details));
    }
    return TritonError::Final(grpc::StatusCode::CANCELLED, std::move(details), attempts);
  }

  // What OnAttemptDone decided after a failed attempt.
  struct Decision {
    bool retry = false;
    bool throttled = false;  // the policy wanted a retry, the budget refused it
    std::chrono::milliseconds backoff{0};
  };

  void Report(grpc::StatusCode code, bool transient,
              std::chrono::steady_clock::duration rpc_duration, const Decision& decision) const {
    const auto& observer = client_->options_.on_attempt;
    if (!observer) {
      return;
    }
    AttemptRecord record;
    record.model_name = request_->model_name();
    record.model_version = request_->model_version();
    record.attempt = attempts_;
    record.code = code;
    record.rpc_duration = rpc_duration;
    record.will_retry = decision.retry;
    record.backoff = decision.backoff;
    record.transient = transient;
    record.retry_throttled = decision.throttled;
    record.channel = channel_;
    record.request_bytes = request_bytes_;
    ScopedCallbackMarker marker(client_);
    RunObserver(observer, record);
  }

  // The single exit: unregisters, frees everything gRPC might still reference through this
  // object, runs `done`, then lets the Client destructor proceed.
  void Finish(InferResult result) {
    Client* client = client_;
    client->Detach(this);
    InferCallback done = std::move(done_);
    { std::lock_guard lock(mutex_); }  // orders the deletion after every other step's writes
    delete this;
    {
      ScopedCallbackMarker marker(client);
      RunDone(done, std::move(result));
    }
    client->Complete();
  }

  Client* const client_;
  const std::shared_ptr<const inference::ModelInferRequest> request_;
  InferCallback done_;

  std::mutex mutex_;
  bool cancelled_ = false;                        // guarded by mutex_
  Phase phase_ = Phase::kIdle;                    // guarded by mutex_
  std::unique_ptr<grpc::ClientContext> context_;  // replaced under mutex_
  std::unique_ptr<grpc::Alarm> alarm_;            // replaced under mutex_
  std::optional<TritonError> last_error_;         // written under mutex_
  inference::ModelInferResponse response_;        // owned by gRPC while an attempt is in flight
  int attempts_ = 0;                              // touched only by the call's own steps
  std::size_t request_bytes_ = 0;                 // set by Start, before any attempt
  int channel_ = -1;  // of the latest attempt; written under mutex_, read by the call's steps
  std::chrono::steady_clock::time_point attempt_started_;
};

// ---- Client ------------------------------------------------------------------------------------

Client::Client(ClientOptions options)
    : options_((ValidateClientOptions(options), std::move(options))),
      retry_policy_(options_.retry),
      retry_budget_(options_.retry_budget),
      channels_(MakeChannelPool(options_)),
      in_flight_(channels_.size(), 0),
      jitter_engine_(std::random_device{}()) {}

Client::~Client() {
  if (tls_client_in_callback == this) {
    std::fputs(
        "protifer::triton::Client destroyed from inside its own callback; the destructor waits "
        "for callbacks to return and would deadlock\n",
        stderr);
    std::abort();
  }
  CancelAll();
  std::unique_lock lock(calls_mutex_);
  calls_idle_.wait(lock, [this] { return pending_calls_ == 0; });
}

void Client::CancelAll() {
  const std::lock_guard lock(calls_mutex_);
  shutting_down_ = true;
  for (InferCall* call : live_calls_) {
    call->Cancel();
  }
}

grpc::ChannelArguments Client::MakeChannelArguments(const ClientOptions& options) {
  grpc::ChannelArguments args;
  const auto max_bytes = static_cast<int>(
      std::clamp<std::int64_t>(options.max_message_bytes, 0, std::int64_t{INT_MAX}));
  args.SetMaxReceiveMessageSize(max_bytes);
  args.SetMaxSendMessageSize(max_bytes);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, ClampToInt(options.keepalive_time));
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ClampToInt(options.keepalive_timeout));
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS,
              options.keepalive_permit_without_calls ? 1 : 0);
  // Retrying is this client's decision, made with the classification above; gRPC's own retries
  // (including transparent ones) would multiply attempts behind our back.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  return args;
}

grpc::ChannelArguments Client::MakePooledChannelArguments(const ClientOptions& options,
                                                          int channel_index) {
  grpc::ChannelArguments args = MakeChannelArguments(options);
  if (options.channels > 1) {
    // gRPC's global subchannel pool keys connections by address and channel arguments, so
    // channels with equal arguments share one connection. A local pool gives each channel its
    // own (not shared with any other channel of the process, another Client's included); the
    // index alone would also separate them, and names the channel in argument dumps.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt(kChannelIndexArg, channel_index);
  }
  return args;
}

std::vector<Client::PooledChannel> Client::MakeChannelPool(const ClientOptions& options) {
  std::vector<PooledChannel> pool;
  const std::shared_ptr<grpc::ChannelCredentials> credentials = MakeCredentials(options);
  for (int i = 0; i < options.channels; ++i) {
    PooledChannel pooled;
    pooled.channel = grpc::CreateCustomChannel(options.target, credentials,
                                               MakePooledChannelArguments(options, i));
    pooled.stub = inference::GRPCInferenceService::NewStub(pooled.channel);
    pool.push_back(std::move(pooled));
  }
  return pool;
}

int Client::AcquireChannel(int avoid) {
  std::lock_guard lock(channels_mutex_);
  const std::size_t count = in_flight_.size();
  // A channel whose connection attempt just failed (TRANSIENT_FAILURE, until its reconnect
  // backoff ends) fails a new attempt at once; with nothing in flight it would also look the
  // least busy. Such channels come last, then the fewest attempts in flight.
  const auto rank = [&](std::size_t i) {
    const bool failing = count > 1 && channels_[i].channel->GetState(/*try_to_connect=*/false) ==
                                          GRPC_CHANNEL_TRANSIENT_FAILURE;
    return std::pair(failing, in_flight_[i]);
  };
  std::size_t best = count;
  std::pair<bool, int> best_rank;
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t i = (next_channel_ + k) % count;
    if (count > 1 && static_cast<int>(i) == avoid) {
      continue;
    }
    const auto i_rank = rank(i);
    if (best == count || i_rank < best_rank) {
      best = i;
      best_rank = i_rank;
    }
  }
  ++in_flight_[best];
  next_channel_ = (best + 1) % count;
  return static_cast<int>(best);
}

void Client::ReleaseChannel(int channel) {
  std::lock_guard lock(channels_mutex_);
  --in_flight_[static_cast<std::size_t>(channel)];
}

void Client::ModelInferAsync(std::shared_ptr<const inference::ModelInferRequest> request,
                             InferCallback done) {
  if (request == nullptr) {
    throw std::invalid_argument("ModelInferAsync: request is null");
  }
  if (!done) {
    throw std::invalid_argument("ModelInferAsync: done callback is empty");
  }
  auto* call = new InferCall(this, std::move(request), std::move(done));
  bool shutting_down = false;
  {
    std::lock_guard lock(calls_mutex_);
    ++pending_calls_;
    live_calls_.insert(call);
    shutting_down = shutting_down_;
  }
  call->Start(shutting_down);
}

void Client::Detach(InferCall* call) {
  std::lock_guard lock(calls_mutex_);
  live_calls_.erase(call);
}

void Client::Complete() {
  // Notify while holding the mutex: once it is released the destructor may return and the
  // condition variable is gone.
  std::lock_guard lock(calls_mutex_);
  if (--pending_calls_ == 0) {
    calls_idle_.notify_all();
  }
}

std::size_t Client::pending_calls() const {
  std::lock_guard lock(calls_mutex_);
  return pending_calls_;
}

double Client::DrawJitter() {
  if (options_.jitter) {
    return options_.jitter();
  }
  std::lock_guard lock(jitter_mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(jitter_engine_);
}

std::unique_ptr<grpc::ClientContext> Client::MakeProbeContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(MonotonicIn(options_.probe_deadline));
  return context;
}

CallResult<bool> Client::ProbeServerLive() {
  auto context = MakeProbeContext();
  inference::ServerLiveResponse response;
  const grpc::Status status =
      probe_stub().ServerLive(context.get(), inference::ServerLiveRequest(), &response);
  if (!status.ok()) {
    return TritonError::FromStatus(status, 1);
  }
  return CallResult<bool>(response.live(), 1);
}

CallResult<bool> Client::ProbeServerReady() {
  auto context = MakeProbeContext();
  inference::ServerReadyResponse response;
  const grpc::Status status =
      probe_stub().ServerReady(context.get(), inference::ServerReadyRequest(), &response);
  if (!status.ok()) {
    return TritonError::FromStatus(status, 1);
  }
  return CallResult<bool>(response.ready(), 1);
}

CallResult<bool> Client::ProbeModelReady(const std::string& name, const std::string& version) {
  auto context = MakeProbeContext();
  inference::ModelReadyRequest request;
  request.set_name(name);
  if (!version.empty()) {
    request.set_version(version);
  }
  inference::ModelReadyResponse response;
  const grpc::Status status = probe_stub().ModelReady(context.get(), request, &response);
  if (!status.ok()) {
    return TritonError::FromStatus(status, 1);
  }
  return CallResult<bool>(response.ready(), 1);
}

CallResult<inference::ModelMetadataResponse> Client::ModelMetadata(const std::string& name,
                                                                   const std::string& version) {
  auto context = MakeProbeContext();
  inference::ModelMetadataRequest request;
  request.set_name(name);
  if (!version.empty()) {
    request.set_version(version);
  }
  inference::ModelMetadataResponse response;
  const grpc::Status status = probe_stub().ModelMetadata(context.get(), request, &response);
  if (!status.ok()) {
    return TritonError::FromStatus(status, 1);
  }
  return CallResult<inference::ModelMetadataResponse>(std::move(response), 1);
}

bool Client::ServerLive() {
  const CallResult<bool> result = ProbeServerLive();
  return result.ok() && result.value();
}

}  // namespace protifer::triton

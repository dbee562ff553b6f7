#include "triton/testing/scripted_inference_server.h"

#include <grpc/grpc.h>
#include <grpcpp/alarm.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace protifer::triton::testing {
namespace {
constexpr int kMaxMessageBytes = 64 * 1024 * 1024;
}  // namespace

struct ScriptedInferenceServer::DelayedReply {
  grpc::ServerUnaryReactor* reactor = nullptr;
  grpc::Status status;
  grpc::Alarm alarm;
};

class ScriptedInferenceServer::Service final
    : public inference::GRPCInferenceService::CallbackService {
 public:
  explicit Service(ScriptedInferenceServer* owner) : owner_(owner) {}

  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* context,
                                       const inference::ServerLiveRequest* /*request*/,
                                       inference::ServerLiveResponse* response) override {
    owner_->CountProbe(context->peer());
    response->set_live(true);
    return FinishNow(context, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* context,
                                        const inference::ServerReadyRequest* /*request*/,
                                        inference::ServerReadyResponse* response) override {
    owner_->CountProbe(context->peer());
    std::lock_guard lock(owner_->mutex_);
    response->set_ready(owner_->server_ready_);
    return FinishNow(context, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* context,
                                       const inference::ModelReadyRequest* request,
                                       inference::ModelReadyResponse* response) override {
    owner_->CountProbe(context->peer());
    std::lock_guard lock(owner_->mutex_);
    const auto it = owner_->model_ready_.find(request->name());
    response->set_ready(it != owner_->model_ready_.end() && it->second);
    return FinishNow(context, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* context,
                                          const inference::ModelMetadataRequest* request,
                                          inference::ModelMetadataResponse* response) override {
    owner_->CountProbe(context->peer());
    std::lock_guard lock(owner_->mutex_);
    if (owner_->model_ready_.count(request->name()) == 0) {
      return FinishNow(context, grpc::Status(grpc::StatusCode::NOT_FOUND,
                                             "Request for unknown model: '" + request->name() +
                                                 "' is not found"));
    }
    response->set_name(request->name());
    response->add_versions("1");
    response->set_platform("scripted");
    return FinishNow(context, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* context,
                                       const inference::ModelInferRequest* request,
                                       inference::ModelInferResponse* response) override {
    const ScriptedOutcome outcome = owner_->Decide(*request, context->peer(), response);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    owner_->Reply(reactor, outcome);
    return reactor;
  }

 private:
  static grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                             const grpc::Status& status) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

  ScriptedInferenceServer* owner_;
};

ScriptedInferenceServer::ScriptedInferenceServer() : service_(std::make_unique<Service>(this)) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    throw std::runtime_error("ScriptedInferenceServer: could not listen on 127.0.0.1");
  }
  address_ = "127.0.0.1:" + std::to_string(port_);
}

ScriptedInferenceServer::~ScriptedInferenceServer() {
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
    for (DelayedReply* reply : delayed_replies_) {
      reply->alarm.Cancel();
    }
  }
  server_->Shutdown();
  std::unique_lock lock(mutex_);
  delayed_replies_done_.wait(lock, [this] { return delayed_replies_.empty(); });
}

ScriptedOutcome ScriptedInferenceServer::Decide(const inference::ModelInferRequest& request,
                                                std::string peer,
                                                inference::ModelInferResponse* response) {
  std::lock_guard lock(mutex_);
  arrivals_.push_back(std::chrono::steady_clock::now());
  requests_.push_back(request);
  const auto peer_failure = peer_failures_.find(peer);
  peers_.push_back(std::move(peer));
  const auto arrival = static_cast<std::int64_t>(arrivals_.size());
  const std::int64_t request_arrival = ++arrivals_by_id_[request.id()];
  ++in_service_;
  max_in_service_ = std::max(max_in_service_, in_service_);

  ScriptedOutcome outcome;
  if (peer_failure != peer_failures_.end()) {
    outcome = peer_failure->second;
  } else if (!queued_outcomes_.empty()) {
    outcome = queued_outcomes_.front();
    queued_outcomes_.pop_front();
  } else if (request_arrival <= fail_first_per_request_) {
    outcome = per_request_failure_;
  } else {
    outcome.delay = reply_delay_;
  }
  if (shutting_down_) {
    outcome = ScriptedOutcome{grpc::StatusCode::UNAVAILABLE, "scripted server shutting down", {}};
  }
  if (outcome.code == grpc::StatusCode::OK) {
    response->set_model_name(request.model_name());
    response->set_model_version(request.model_version());
    response->set_id(request.id());
    (*response->mutable_parameters())["arrival"].set_int64_param(arrival);
    (*response->mutable_parameters())["request_arrival"].set_int64_param(request_arrival);
    const std::string echo =
        request.raw_input_contents_size() > 0 ? request.raw_input_contents(0) : std::string();
    auto* output = response->add_outputs();
    output->set_name("ECHO");
    output->set_datatype("UINT8");
    output->add_shape(static_cast<std::int64_t>(echo.size()));
    response->add_raw_output_contents(echo);
  }
  return outcome;
}

void ScriptedInferenceServer::Reply(grpc::ServerUnaryReactor* reactor,
                                    const ScriptedOutcome& outcome) {
  grpc::Status status(outcome.code, outcome.message);
  if (outcome.delay.count() <= 0) {
    {
      std::lock_guard lock(mutex_);
      --in_service_;
    }
    reactor->Finish(status);
    return;
  }
  auto* reply = new DelayedReply;
  reply->reactor = reactor;
  reply->status = std::move(status);
  std::lock_guard lock(mutex_);
  delayed_replies_.insert(reply);
  reply->alarm.Set(std::chrono::system_clock::now() + outcome.delay,
                   [this, reply](bool /*fired*/) { OnDelayElapsed(reply); });
  // Shutdown may have begun between Decide and here: do not make it wait for the full delay.
  if (shutting_down_) {
    reply->alarm.Cancel();
  }
}

void ScriptedInferenceServer::OnDelayElapsed(DelayedReply* reply) {
  grpc::ServerUnaryReactor* reactor = nullptr;
  grpc::Status status;
  {
    std::lock_guard lock(mutex_);
    --in_service_;
    reactor = reply->reactor;
    status = reply->status;
  }
  reactor->Finish(status);
  // The alarm is destroyed inside its own callback; gRPC keeps it alive until the callback ends.
  std::lock_guard lock(mutex_);
  delayed_replies_.erase(reply);
  delete reply;
  if (delayed_replies_.empty()) {
    delayed_replies_done_.notify_all();
  }
}

void ScriptedInferenceServer::EnqueueOutcome(ScriptedOutcome outcome) {
  std::lock_guard lock(mutex_);
  queued_outcomes_.push_back(std::move(outcome));
}

void ScriptedInferenceServer::FailNext(int count, grpc::StatusCode code,
                                       const std::string& message) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < count; ++i) {
    queued_outcomes_.push_back(ScriptedOutcome{code, message, {}});
  }
}

void ScriptedInferenceServer::FailFirstArrivalsOfEachRequest(int count, grpc::StatusCode code,
                                                             std::string message) {
  std::lock_guard lock(mutex_);
  fail_first_per_request_ = count;
  per_request_failure_ = ScriptedOutcome{code, std::move(message), {}};
}

void ScriptedInferenceServer::FailCallsFromPeer(std::string peer, grpc::StatusCode code,
                                                std::string message) {
  std::lock_guard lock(mutex_);
  peer_failures_[std::move(peer)] = ScriptedOutcome{code, std::move(message), {}};
}

void ScriptedInferenceServer::SetReplyDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  reply_delay_ = delay;
}

void ScriptedInferenceServer::SetServerReady(bool ready) {
  std::lock_guard lock(mutex_);
  server_ready_ = ready;
}

void ScriptedInferenceServer::SetModelReady(const std::string& name, bool ready) {
  std::lock_guard lock(mutex_);
  model_ready_[name] = ready;
}

int ScriptedInferenceServer::infer_calls() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(arrivals_.size());
}

int ScriptedInferenceServer::max_concurrent_infer_calls() const {
  std::lock_guard lock(mutex_);
  return max_in_service_;
}

int ScriptedInferenceServer::infer_calls_in_service() const {
  std::lock_guard lock(mutex_);
  return in_service_;
}

std::vector<std::chrono::steady_clock::time_point> ScriptedInferenceServer::infer_arrivals() const {
  std::lock_guard lock(mutex_);
  return arrivals_;
}

std::vector<inference::ModelInferRequest> ScriptedInferenceServer::received_requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<std::string> ScriptedInferenceServer::infer_peers() const {
  std::lock_guard lock(mutex_);
  return peers_;
}

void ScriptedInferenceServer::CountProbe(std::string peer) {
  std::lock_guard lock(mutex_);
  ++probe_calls_;
  probe_peers_.push_back(std::move(peer));
}

int ScriptedInferenceServer::probe_calls() const {
  std::lock_guard lock(mutex_);
  return probe_calls_;
}

std::vector<std::string> ScriptedInferenceServer::probe_peers() const {
  std::lock_guard lock(mutex_);
  return probe_peers_;
}

}  // namespace protifer::triton::testing

#include "triton/testing/scripted_inference_client.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace protifer::triton::testing {

ScriptedInferenceClient::ScriptedInferenceClient() : ScriptedInferenceClient(&Echo) {}

ScriptedInferenceClient::ScriptedInferenceClient(Responder responder)
    : responder_(std::move(responder)), worker_([this] { WorkerLoop(); }) {}

ScriptedInferenceClient::~ScriptedInferenceClient() {
  {
    std::lock_guard lock(mutex_);
    for (PendingCall& call : held_) {
      call.forced_result = InferResult(
          TritonError::Local(grpc::StatusCode::CANCELLED,
                             "ModelInfer for model '" + call.request->model_name() +
                                 "' was cancelled: the scripted client is shutting down"));
      ready_.push_back(std::move(call));
    }
    held_.clear();
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

InferResult ScriptedInferenceClient::Echo(const inference::ModelInferRequest& request) {
  inference::ModelInferResponse response;
  response.set_model_name(request.model_name());
  response.set_model_version(request.model_version());
  response.set_id(request.id());
  return InferResult(std::move(response), 1);
}

InferResult ScriptedInferenceClient::Failure(grpc::StatusCode code, const std::string& details,
                                             int attempts) {
  return InferResult(TritonError::FromStatus(grpc::Status(code, details), attempts));
}

void ScriptedInferenceClient::SetResponder(Responder responder) {
  std::lock_guard lock(mutex_);
  responder_ = std::move(responder);
}

void ScriptedInferenceClient::HoldCalls(bool hold) {
  std::lock_guard lock(mutex_);
  hold_ = hold;
}

std::size_t ScriptedInferenceClient::ReleaseHeldCalls(std::size_t max_calls) {
  std::size_t released = 0;
  {
    std::lock_guard lock(mutex_);
    while (released < max_calls && !held_.empty()) {
      ready_.push_back(std::move(held_.front()));
      held_.pop_front();
      ++released;
    }
  }
  changed_.notify_all();
  return released;
}

bool ScriptedInferenceClient::WaitForHeldCalls(std::size_t count,
                                               std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return held_.size() >= count; });
}

std::size_t ScriptedInferenceClient::held_calls() const {
  std::lock_guard lock(mutex_);
  return held_.size();
}

void ScriptedInferenceClient::SetServerReady(bool ready) {
  std::lock_guard lock(mutex_);
  server_ready_ = ready;
}

void ScriptedInferenceClient::SetModelReady(const std::string& name, bool ready) {
  std::lock_guard lock(mutex_);
  model_ready_[name] = ready;
}

void ScriptedInferenceClient::SetProbeError(std::optional<TritonError> error) {
  std::lock_guard lock(mutex_);
  probe_error_ = std::move(error);
}

void ScriptedInferenceClient::ModelInferAsync(
    std::shared_ptr<const inference::ModelInferRequest> request, InferCallback done) {
  if (request == nullptr) {
    throw std::invalid_argument("ModelInferAsync: request is null");
  }
  if (!done) {
    throw std::invalid_argument("ModelInferAsync: done callback is empty");
  }
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(*request);
    ++outstanding_;
    max_outstanding_ = std::max(max_outstanding_, outstanding_);
    PendingCall call{std::move(request), std::move(done), std::nullopt};
    if (hold_ && !stopping_) {
      held_.push_back(std::move(call));
    } else {
      ready_.push_back(std::move(call));
    }
  }
  changed_.notify_all();
}

void ScriptedInferenceClient::WorkerLoop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
    if (ready_.empty()) {
      return;  // stopping and drained
    }
    PendingCall call = std::move(ready_.front());
    ready_.pop_front();
    Responder responder = responder_;
    lock.unlock();
    InferResult result =
        call.forced_result ? std::move(*call.forced_result) : responder(*call.request);
    call.done(std::move(result));
    lock.lock();
    --outstanding_;
    changed_.notify_all();
  }
}

CallResult<bool> ScriptedInferenceClient::ProbeServerReady() {
  std::lock_guard lock(mutex_);
  if (probe_error_) {
    return *probe_error_;
  }
  return CallResult<bool>(server_ready_, 1);
}

CallResult<bool> ScriptedInferenceClient::ProbeModelReady(const std::string& name,
                                                          const std::string& /*version*/) {
  std::lock_guard lock(mutex_);
  if (probe_error_) {
    return *probe_error_;
  }
  const auto it = model_ready_.find(name);
  return CallResult<bool>(it != model_ready_.end() && it->second, 1);
}

int ScriptedInferenceClient::infer_calls() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(requests_.size());
}

std::vector<inference::ModelInferRequest> ScriptedInferenceClient::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

int ScriptedInferenceClient::outstanding_calls() const {
  std::lock_guard lock(mutex_);
  return outstanding_;
}

int ScriptedInferenceClient::max_outstanding_calls() const {
  std::lock_guard lock(mutex_);
  return max_outstanding_;
}

bool ScriptedInferenceClient::WaitUntilIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return outstanding_ == 0; });
}

}  // namespace protifer::triton::testing

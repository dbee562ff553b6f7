// Test double of InferenceClient for the layers above the Triton client (dispatch, processors,
// boot gate): scripted answers, no network.
//
// Like the real Client, ModelInferAsync never runs `done` on the caller's thread: answers are
// produced and delivered on the double's own single worker thread, in the order the calls are
// released. Calls can be held (parked) and released one by one, which lets a test observe what
// a caller does while calls are outstanding (permits held, FIFO order, partial failures).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "triton/inference_client.h"

namespace protifer::triton::testing {

class ScriptedInferenceClient final : public InferenceClient {
 public:
  // Computes the answer to one request; runs on the worker thread.
  using Responder = std::function<InferResult(const inference::ModelInferRequest&)>;

  // The default responder answers OK after 1 attempt with model_name, model_version and id
  // echoed.
  ScriptedInferenceClient();
  explicit ScriptedInferenceClient(Responder responder);
  // Answers every held call with CANCELLED, delivers everything queued, joins the worker.
  ~ScriptedInferenceClient() override;
  ScriptedInferenceClient(const ScriptedInferenceClient&) = delete;
  ScriptedInferenceClient& operator=(const ScriptedInferenceClient&) = delete;

  static InferResult Echo(const inference::ModelInferRequest& request);
  // A failure as the real client would report it after `attempts` attempts.
  static InferResult Failure(grpc::StatusCode code, const std::string& details, int attempts = 1);

  void SetResponder(Responder responder);

  // While holding, new calls are parked instead of answered.
  void HoldCalls(bool hold);
  // Answers up to `max_calls` parked calls, oldest first; returns how many were released.
  std::size_t ReleaseHeldCalls(std::size_t max_calls = std::numeric_limits<std::size_t>::max());
  // Waits until at least `count` calls are parked; false on timeout.
  bool WaitForHeldCalls(std::size_t count, std::chrono::milliseconds timeout) const;
  std::size_t held_calls() const;

  void SetServerReady(bool ready);
  void SetModelReady(const std::string& name, bool ready);
  // When set, every probe fails with this error instead of answering.
  void SetProbeError(std::optional<TritonError> error);

  // ---- InferenceClient.
  void ModelInferAsync(std::shared_ptr<const inference::ModelInferRequest> request,
                       InferCallback done) override;
  CallResult<bool> ProbeServerReady() override;
  CallResult<bool> ProbeModelReady(const std::string& name,
                                   const std::string& version = "") override;

  // ---- Observations.
  int infer_calls() const;
  std::vector<inference::ModelInferRequest> requests() const;
  // Calls accepted whose `done` has not returned yet, now and at most.
  int outstanding_calls() const;
  int max_outstanding_calls() const;
  // Blocks until no call is outstanding; false on timeout.
  bool WaitUntilIdle(std::chrono::milliseconds timeout) const;

 private:
  struct PendingCall {
    std::shared_ptr<const inference::ModelInferRequest> request;
    InferCallback done;
    std::optional<InferResult> forced_result;  // set when cancelled at destruction
  };

  void WorkerLoop();

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Responder responder_;
  bool hold_ = false;
  std::deque<PendingCall> held_;
  std::deque<PendingCall> ready_;
  bool stopping_ = false;
  bool server_ready_ = true;
  std::map<std::string, bool> model_ready_;
  std::optional<TritonError> probe_error_;
  std::vector<inference::ModelInferRequest> requests_;
  int outstanding_ = 0;
  int max_outstanding_ = 0;
  std::thread worker_;  // last: starts after every other member exists
};

}  // namespace protifer::triton::testing

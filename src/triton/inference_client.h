// The boundary between the worker and Triton: what higher layers (dispatch, processors, the boot
// gate) need from an inference server. `Client` is the one real implementation;
// `testing::ScriptedInferenceClient` is its test double.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "kserve/grpc_service.pb.h"
#include "triton/call_result.h"

namespace protifer::triton {

using InferResult = CallResult<inference::ModelInferResponse>;
using InferCallback = std::function<void(InferResult)>;

class InferenceClient {
 public:
  virtual ~InferenceClient() = default;

  // Sends `request` (retrying transient failures inside this one call) and calls `done` exactly
  // once with the response or the last error. Never blocks. `done` runs on a thread owned by the
  // implementation, never inside this call; see the implementation for what it may do there.
  virtual void ModelInferAsync(std::shared_ptr<const inference::ModelInferRequest> request,
                               InferCallback done) = 0;

  // Readiness with the reason: a value (ready or not, as the server said) or the error that
  // prevented asking. Blocking, bounded by the implementation's probe deadline.
  virtual CallResult<bool> ProbeServerReady() = 0;
  // `version` empty = any version of the model.
  virtual CallResult<bool> ProbeModelReady(const std::string& name,
                                           const std::string& version = "") = 0;

  // Blocking ModelInfer: waits for ModelInferAsync. Must not be called on a thread the
  // implementation runs callbacks on (it would wait for itself).
  InferResult ModelInfer(std::shared_ptr<const inference::ModelInferRequest> request);

  // True only when the call succeeded and the server said ready; any error gives false.
  bool ServerReady();
  bool ModelReady(const std::string& name, const std::string& version = "");

 protected:
  InferenceClient() = default;
  InferenceClient(const InferenceClient&) = default;
  InferenceClient& operator=(const InferenceClient&) = default;
};

}  // namespace protifer::triton

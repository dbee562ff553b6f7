#include "triton/inference_client.h"

#include <future>
#include <utility>

namespace protifer::triton {

InferResult InferenceClient::ModelInfer(
    std::shared_ptr<const inference::ModelInferRequest> request) {
  auto promise = std::make_shared<std::promise<InferResult>>();
  std::future<InferResult> future = promise->get_future();
  ModelInferAsync(std::move(request),
                  [promise](InferResult result) { promise->set_value(std::move(result)); });
  return future.get();
}

bool InferenceClient::ServerReady() {
  const CallResult<bool> result = ProbeServerReady();
  return result.ok() && result.value();
}

bool InferenceClient::ModelReady(const std::string& name, const std::string& version) {
  const CallResult<bool> result = ProbeModelReady(name, version);
  return result.ok() && result.value();
}

}  // namespace protifer::triton

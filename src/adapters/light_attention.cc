#include "adapters/light_attention.h"

#include <algorithm>
#include <string>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/decode_helpers.h"
#include "adapters/request_building.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {

inference::ModelInferRequest LightAttentionAdapter::BuildRequest(
    const AdapterContext& context) const {
  return BuildFp32Request(
      model_name_, context,
      {{"input", InputPayload::kEmbeddingChannelsFirst}, {"mask", InputPayload::kMask}},
      {"output"});
}

nlohmann::ordered_json LightAttentionAdapter::Decode(
    const inference::ModelInferResponse& response) const {
  const std::vector<float> logits = triton::ReadFp32Output(response, 0);
  if (logits.size() != labels_.size()) {
    throw ShapeError(std::string(model_name_) + ": expected " + std::to_string(labels_.size()) +
                     " floats, got " + std::to_string(logits.size()));
  }
  std::string label(labels_[ArgmaxSlice(logits, 0, logits.size())]);
  std::replace(label.begin(), label.end(), '.', ' ');
  return label;
}

}  // namespace protifer::adapters

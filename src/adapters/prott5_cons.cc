#include "adapters/prott5_cons.h"

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/decode_helpers.h"
#include "adapters/request_building.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {

inference::ModelInferRequest Prott5ConsAdapter::BuildRequest(const AdapterContext& context) const {
  return BuildFp32Request(kModelName, context, {{"input", InputPayload::kEmbeddingChannelsLast}},
                          {"output"});
}

nlohmann::ordered_json Prott5ConsAdapter::Decode(
    const inference::ModelInferResponse& response) const {
  const std::vector<float> logits = triton::ReadFp32Output(response, 0);
  if (logits.size() % kClasses != 0) {
    throw ShapeError("prott5_cons: length " + std::to_string(logits.size()) + " not divisible by " +
                     std::to_string(kClasses));
  }
  nlohmann::ordered_json classes = nlohmann::ordered_json::array();
  for (std::size_t offset = 0; offset < logits.size(); offset += kClasses) {
    classes.push_back(static_cast<std::int64_t>(ArgmaxSlice(logits, offset, kClasses)));
  }
  return classes;
}

std::optional<std::size_t> Prott5ConsAdapter::DecodedResidues(
    const nlohmann::ordered_json& decoded) const {
  return decoded.size();
}

}  // namespace protifer::adapters

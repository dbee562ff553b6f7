#include "adapters/seth.h"

#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/decode_helpers.h"
#include "adapters/request_building.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {

inference::ModelInferRequest SethAdapter::BuildRequest(const AdapterContext& context) const {
  return BuildFp32Request(kModelName, context, {{"input", InputPayload::kEmbeddingChannelsLast}},
                          {"output"});
}

nlohmann::ordered_json SethAdapter::Decode(const inference::ModelInferResponse& response) const {
  // Single-output model: protifer reads position 0 without checking the name.
  const std::vector<float> scores = triton::ReadFp32Output(response, 0);
  if (scores.empty()) {
    throw ShapeError("seth: empty output");
  }
  return WidenedFloatArray(scores);
}

std::optional<std::size_t> SethAdapter::DecodedResidues(
    const nlohmann::ordered_json& decoded) const {
  return decoded.size();
}

}  // namespace protifer::adapters

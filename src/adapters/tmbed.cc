#include "adapters/tmbed.h"

#include <string>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/decode_helpers.h"
#include "adapters/request_building.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {

inference::ModelInferRequest TmbedAdapter::BuildRequest(const AdapterContext& context) const {
  return BuildFp32Request(
      kModelName, context,
      {{"ensemble_input", InputPayload::kEmbeddingChannelsLast}, {"mask", InputPayload::kMask}},
      {"labels", "probabilities"});
}

nlohmann::ordered_json TmbedAdapter::Decode(const inference::ModelInferResponse& response) const {
  // Both outputs are located by name: the ensemble has been seen answering in reverse
  // order, and reading `labels` positionally then fails inside the BYTES splitter.
  const std::string labels_buffer =
      triton::ReadBytesOutputBuffer(response, RequireOutputIndex(response, "labels"));
  if (labels_buffer.empty()) {
    throw ShapeError("tmbed: empty labels output");
  }
  // A truncated buffer throws triton::CodecError here (stored as DECODE_ERROR).
  const std::vector<std::string> elements = triton::SplitBytesTensor(labels_buffer);
  if (elements.size() != 1) {
    throw DecodeError("tmbed: expected exactly 1 labels string, got " +
                      std::to_string(elements.size()));
  }

  const std::vector<float> flat =
      triton::ReadFp32Output(response, RequireOutputIndex(response, "probabilities"));
  if (flat.size() % kClasses != 0) {
    throw ShapeError("tmbed: probabilities length " + std::to_string(flat.size()) +
                     " not divisible by " + std::to_string(kClasses));
  }
  nlohmann::ordered_json probabilities = nlohmann::ordered_json::array();
  for (std::size_t offset = 0; offset < flat.size(); offset += kClasses) {
    probabilities.push_back(WidenedFloatArray(std::span(flat).subspan(offset, kClasses)));
  }

  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  result["labels"] = Utf8WithReplacement(elements.front());
  result["probabilities"] = std::move(probabilities);
  return result;
}

std::optional<std::size_t> TmbedAdapter::DecodedResidues(
    const nlohmann::ordered_json& decoded) const {
  return decoded.at("probabilities").size();
}

}  // namespace protifer::adapters

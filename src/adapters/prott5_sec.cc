#include "adapters/prott5_sec.h"

#include <string>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/decode_helpers.h"
#include "adapters/label_tables.h"
#include "adapters/request_building.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {

namespace {

// Reads one logits output by name and checks it is a non-empty multiple of its class count.
std::vector<float> ReadLogits(const inference::ModelInferResponse& response, std::string_view name,
                              std::size_t classes) {
  std::vector<float> logits = triton::ReadFp32Output(response, RequireOutputIndex(response, name));
  if (logits.empty()) {
    throw ShapeError("prott5_sec: " + std::string(name) + " output is empty or missing");
  }
  if (logits.size() % classes != 0) {
    throw ShapeError("prott5_sec: " + std::string(name) + " length " +
                     std::to_string(logits.size()) + " not divisible by " +
                     std::to_string(classes));
  }
  return logits;
}

}  // namespace

inference::ModelInferRequest Prott5SecAdapter::BuildRequest(const AdapterContext& context) const {
  return BuildFp32Request(kModelName, context, {{"input", InputPayload::kEmbeddingChannelsLast}},
                          {"d3_Yhat", "d8_Yhat"});
}

nlohmann::ordered_json Prott5SecAdapter::Decode(
    const inference::ModelInferResponse& response) const {
  const std::vector<float> d3 = ReadLogits(response, "d3_Yhat", kDssp3Labels.size());
  const std::vector<float> d8 = ReadLogits(response, "d8_Yhat", kDssp8Labels.size());
  const std::size_t residues = d3.size() / kDssp3Labels.size();

  std::string dssp3;
  std::string dssp8;
  dssp3.reserve(residues);
  dssp8.reserve(residues);
  for (std::size_t r = 0; r < residues; ++r) {
    dssp3 += kDssp3Labels[ArgmaxSlice(d3, r * kDssp3Labels.size(), kDssp3Labels.size())];
    dssp8 += kDssp8Labels[ArgmaxSlice(d8, r * kDssp8Labels.size(), kDssp8Labels.size())];
  }

  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  result["dssp3"] = std::move(dssp3);
  result["dssp8"] = std::move(dssp8);
  return result;
}

std::optional<std::size_t> Prott5SecAdapter::DecodedResidues(
    const nlohmann::ordered_json& decoded) const {
  return decoded.at("dssp3").get_ref<const std::string&>().size();
}

}  // namespace protifer::adapters

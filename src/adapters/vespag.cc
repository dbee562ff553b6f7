#include "adapters/vespag.h"

#include <string>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/label_tables.h"
#include "adapters/request_building.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {

static_assert(kAminoAcids.size() == VespagAdapter::kSubstitutions);

inference::ModelInferRequest VespagAdapter::BuildRequest(const AdapterContext& context) const {
  return BuildFp32Request(kModelName, context, {{"input", InputPayload::kEmbeddingChannelsLast}},
                          {"output"});
}

nlohmann::ordered_json VespagAdapter::Decode(const inference::ModelInferResponse& response) const {
  const std::vector<float> flat = triton::ReadFp32Output(response, 0);
  if (flat.empty()) {
    throw ShapeError("vespag: empty output");
  }
  if (flat.size() % kSubstitutions != 0) {
    throw ShapeError("vespag: output length " + std::to_string(flat.size()) + " not divisible by " +
                     std::to_string(kSubstitutions));
  }
  const std::size_t residues = flat.size() / kSubstitutions;

  nlohmann::ordered_json x_axis = nlohmann::ordered_json::array();
  for (std::size_t r = 1; r <= residues; ++r) {
    x_axis.push_back(std::to_string(r));
  }
  nlohmann::ordered_json y_axis = nlohmann::ordered_json::array();
  for (std::string_view amino_acid : kAminoAcids) {
    y_axis.push_back(amino_acid);
  }
  // The model answers [L, 20]; the heat map is stored amino-acid major.
  nlohmann::ordered_json values = nlohmann::ordered_json::array();
  for (std::size_t aa = 0; aa < kSubstitutions; ++aa) {
    nlohmann::ordered_json row = nlohmann::ordered_json::array();
    row.get_ref<nlohmann::ordered_json::array_t&>().reserve(residues);
    for (std::size_t r = 0; r < residues; ++r) {
      row.push_back(static_cast<double>(flat[r * kSubstitutions + aa]));
    }
    values.push_back(std::move(row));
  }

  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  result["x_axis"] = std::move(x_axis);
  result["y_axis"] = std::move(y_axis);
  result["values"] = std::move(values);
  return result;
}

std::optional<std::size_t> VespagAdapter::DecodedResidues(
    const nlohmann::ordered_json& decoded) const {
  return decoded.at("x_axis").size();
}

}  // namespace protifer::adapters

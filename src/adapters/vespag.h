// VespaG variant effect scores: for every residue and each of the 20 substitutions, the
// model's raw score, returned as a heat map [20 amino acids][L residues].
#pragma once

#include "adapters/adapter.h"

namespace protifer::adapters {

class VespagAdapter final : public Adapter {
 public:
  static constexpr std::string_view kModelName = "vespag";
  static constexpr std::string_view kOutputKey = "variation";
  static constexpr std::size_t kSubstitutions = 20;

  std::string_view model_name() const override { return kModelName; }
  std::string_view output_key() const override { return kOutputKey; }
  // Input `input` [1, L, 1024]; output `output` ([L, 20] per sequence).
  inference::ModelInferRequest BuildRequest(const AdapterContext& context) const override;
  // {"x_axis": ["1".."L"], "y_axis": kAminoAcids, "values": [20][L]} with
  // values[aa][r] = flat[r * 20 + aa], untransformed.
  nlohmann::ordered_json Decode(const inference::ModelInferResponse& response) const override;
  std::optional<std::size_t> DecodedResidues(const nlohmann::ordered_json& decoded) const override;
};

}  // namespace protifer::adapters

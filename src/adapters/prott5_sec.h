// ProtT5-SEC secondary structure: per-residue 3-state and 8-state DSSP letters from the
// argmax of the model's raw logits.
#pragma once

#include "adapters/adapter.h"

namespace protifer::adapters {

class Prott5SecAdapter final : public Adapter {
 public:
  static constexpr std::string_view kModelName = "prott5_sec";
  static constexpr std::string_view kOutputKey = "prott5_secondary_structure";

  std::string_view model_name() const override { return kModelName; }
  std::string_view output_key() const override { return kOutputKey; }
  // Input `input` [1, L, 1024]; outputs `d3_Yhat`, `d8_Yhat`.
  inference::ModelInferRequest BuildRequest(const AdapterContext& context) const override;
  // {"dssp3": "HEC...", "dssp8": "HGIB..."}; the residue count comes from d3_Yhat. d8_Yhat
  // is not cross-checked (protifer): missing rows decode to 'H', extra rows are ignored.
  nlohmann::ordered_json Decode(const inference::ModelInferResponse& response) const override;
  std::optional<std::size_t> DecodedResidues(const nlohmann::ordered_json& decoded) const override;
};

}  // namespace protifer::adapters

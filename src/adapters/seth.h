// SETH per-residue disorder: the model's raw scores, one number per residue.
#pragma once

#include "adapters/adapter.h"

namespace protifer::adapters {

class SethAdapter final : public Adapter {
 public:
  static constexpr std::string_view kModelName = "seth";
  static constexpr std::string_view kOutputKey = "seth";

  std::string_view model_name() const override { return kModelName; }
  std::string_view output_key() const override { return kOutputKey; }
  // Input `input` [1, L, 1024]; output `output`.
  inference::ModelInferRequest BuildRequest(const AdapterContext& context) const override;
  // Every float of output 0 as a number (no sigmoid, no rounding); the fan-out checks the
  // count against the embedding's length (DecodedResidues).
  nlohmann::ordered_json Decode(const inference::ModelInferResponse& response) const override;
  std::optional<std::size_t> DecodedResidues(const nlohmann::ordered_json& decoded) const override;
};

}  // namespace protifer::adapters

// ProtT5-cons conservation: per-residue argmax over 9 conservation classes (0 = variable,
// 8 = conserved), stored as integers.
#pragma once

#include "adapters/adapter.h"

namespace protifer::adapters {

class Prott5ConsAdapter final : public Adapter {
 public:
  static constexpr std::string_view kModelName = "prott5_cons";
  static constexpr std::string_view kOutputKey = "prott5_conservation";
  static constexpr std::size_t kClasses = 9;

  std::string_view model_name() const override { return kModelName; }
  std::string_view output_key() const override { return kOutputKey; }
  // Input `input` [1, L, 1024]; output `output`.
  inference::ModelInferRequest BuildRequest(const AdapterContext& context) const override;
  // [class index per residue]. An empty output decodes to [] (protifer does not reject it).
  nlohmann::ordered_json Decode(const inference::ModelInferResponse& response) const override;
  std::optional<std::size_t> DecodedResidues(const nlohmann::ordered_json& decoded) const override;
};

}  // namespace protifer::adapters

// TMbed transmembrane topology (a Triton ensemble: 5 CV models + Viterbi decoder). The
// ensemble returns the finished label string and the mean per-residue class probabilities.
#pragma once

#include "adapters/adapter.h"

namespace protifer::adapters {

class TmbedAdapter final : public Adapter {
 public:
  static constexpr std::string_view kModelName = "tmbed";
  static constexpr std::string_view kOutputKey = "tmbed";
  // Probability classes per residue: [B, H, S, i, o].
  static constexpr std::size_t kClasses = 5;

  std::string_view model_name() const override { return kModelName; }
  std::string_view output_key() const override { return kOutputKey; }
  // Inputs `ensemble_input` [1, L, 1024] and `mask` [1, L]; outputs `labels`, `probabilities`.
  inference::ModelInferRequest BuildRequest(const AdapterContext& context) const override;
  // {"labels": <the single BYTES element as UTF-8>, "probabilities": [[5 numbers] ...]}.
  // Label length and probability rows are not cross-checked; zero rows are accepted.
  nlohmann::ordered_json Decode(const inference::ModelInferResponse& response) const override;
  std::optional<std::size_t> DecodedResidues(const nlohmann::ordered_json& decoded) const override;
};

}  // namespace protifer::adapters

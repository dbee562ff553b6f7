// bindEmbed21DL binding residues: a Triton ensemble of the 5 cross-validation models, each
// returning per-residue logits for 3 ligand classes. Triton does not average them; the
// adapter does (mean of sigmoids, threshold 0.5), pinned to bindEmbed21DL commit c9b12e7.
#pragma once

#include <array>

#include "adapters/adapter.h"

namespace protifer::adapters {

class BindEmbedAdapter final : public Adapter {
 public:
  static constexpr std::string_view kModelName = "bind_embed";
  static constexpr std::string_view kOutputKey = "bindembed";
  // Output names, one per CV model, in request order.
  static constexpr std::array<std::string_view, 5> kCvOutputs = {"output_0", "output_1", "output_2",
                                                                 "output_3", "output_4"};
  // Per residue: metal, nucleic acids, small molecules (flat index r * 3 + c).
  static constexpr std::size_t kClasses = 3;
  static constexpr double kBindThreshold = 0.5;

  std::string_view model_name() const override { return kModelName; }
  std::string_view output_key() const override { return kOutputKey; }
  // Input `ensemble_input` [1, 1024, L] (channels-first: the CV models are Conv1d);
  // outputs output_0 .. output_4.
  inference::ModelInferRequest BuildRequest(const AdapterContext& context) const override;
  // {"metal", "nucleicAcids", "smallMolecules"}: one char per residue, 'b' when the mean
  // of the 5 logistic sigmoids (double precision) is >= 0.5, else '-'.
  nlohmann::ordered_json Decode(const inference::ModelInferResponse& response) const override;
  std::optional<std::size_t> DecodedResidues(const nlohmann::ordered_json& decoded) const override;
};

}  // namespace protifer::adapters

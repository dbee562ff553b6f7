// LightAttention per-protein classifiers (subcellular location and membrane/soluble). Both
// models share the architecture, the request (channels-first embedding + mask) and the
// decode (argmax over one logit per class); they differ only in name and label table.
#pragma once

#include <span>

#include "adapters/adapter.h"
#include "adapters/label_tables.h"

namespace protifer::adapters {

class LightAttentionAdapter : public Adapter {
 public:
  // `labels` must outlive the adapter (the tables of label_tables.h are static).
  LightAttentionAdapter(std::string_view model_name, std::string_view output_key,
                        std::span<const std::string_view> labels)
      : model_name_(model_name), output_key_(output_key), labels_(labels) {}

  std::string_view model_name() const override { return model_name_; }
  std::string_view output_key() const override { return output_key_; }
  // Inputs `input` [1, 1024, L] (channels-first: the model starts with Conv1d) and
  // `mask` [1, L]; output `output`.
  inference::ModelInferRequest BuildRequest(const AdapterContext& context) const override;
  // The label of the first maximal logit, with every '.' replaced by a space
  // ("Cell.membrane" -> "Cell membrane"). Exactly one logit per label is required.
  nlohmann::ordered_json Decode(const inference::ModelInferResponse& response) const override;

 private:
  std::string_view model_name_;
  std::string_view output_key_;
  std::span<const std::string_view> labels_;
};

class LightAttentionSubcellAdapter final : public LightAttentionAdapter {
 public:
  static constexpr std::string_view kModelName = "light_attention_subcell";
  static constexpr std::string_view kOutputKey = "light_attention_subcellular";
  LightAttentionSubcellAdapter()
      : LightAttentionAdapter(kModelName, kOutputKey, kSubcellularLabels) {}
};

class LightAttentionMembraneAdapter final : public LightAttentionAdapter {
 public:
  static constexpr std::string_view kModelName = "light_attention_membrane";
  static constexpr std::string_view kOutputKey = "light_attention_membrane";
  LightAttentionMembraneAdapter()
      : LightAttentionAdapter(kModelName, kOutputKey, kMembraneLabels) {}
};

}  // namespace protifer::adapters

#include "core/keys.h"

#include <algorithm>
#include <initializer_list>
#include <stdexcept>
#include <vector>

#include "core/js_collate.h"
#include "core/js_json.h"
#include "core/sha256.h"
#include "core/text.h"

namespace protifer::core {
namespace {

// A template literal: the pieces as the JS strings they stand for, concatenated, as UTF-8.
// Each piece is made well-formed on its own, as each was a separate JS string.
std::string JsTemplate(std::initializer_list<std::string_view> pieces) {
  std::string text;
  for (const std::string_view piece : pieces) {
    if (IsWellFormedUtf8(piece)) {
      text += piece;
    } else {
      text += ToWellFormedUtf8(piece);
    }
  }
  return text;
}

std::string_view NameOf(const nlohmann::ordered_json& model, std::size_t index) {
  const auto name = model.find("name");  // end() for non-objects too
  if (name == model.end() || !name->is_string()) {
    throw std::invalid_argument("predictionModels[" + std::to_string(index) +
                                "].name must be a string to sort by localeCompare");
  }
  return name->get_ref<const std::string&>();
}

}  // namespace

nlohmann::ordered_json ModelVersionsToJson(std::span<const ModelVersion> models) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const ModelVersion& model : models) {
    array.push_back({{"name", model.name}, {"version", model.version}});
  }
  return array;
}

std::string ComputeSequenceHash(std::string_view sequence) {
  return Sha256Hex(JsTemplate({sequence}));
}

std::string ModelConfigJson(const nlohmann::ordered_json& prediction_models) {
  if (!prediction_models.is_array()) {
    throw std::invalid_argument("predictionModels must be an array");
  }
  struct Entry {
    std::string_view name;
    const nlohmann::ordered_json* model;
  };
  std::vector<Entry> entries;
  entries.reserve(prediction_models.size());
  for (const auto& model : prediction_models) {
    entries.push_back({std::string_view{}, &model});
  }
  if (entries.size() >=
      2) {  // Array#sort calls the comparator only when there is something to sort
    for (std::size_t i = 0; i < entries.size(); ++i) {
      entries[i].name = NameOf(*entries[i].model, i);
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return JsLocaleCompare(a.name, b.name) < 0;
    });
  }
  std::string json = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) {
      json += ',';
    }
    AppendJsJson(json, *entries[i].model);
  }
  json += ']';
  return json;
}

std::string ComputeModelConfigHash(const nlohmann::ordered_json& prediction_models) {
  return Sha256Hex(ModelConfigJson(prediction_models));
}

std::string ComputeEmbeddingJobId(std::string_view sequence, const ModelVersion& embedding_model) {
  return Sha256Hex(JsTemplate({sequence, ":", embedding_model.name, ":", embedding_model.version}));
}

std::string ComputePredictionJobId(std::string_view sequence, const ModelVersion& embedding_model,
                                   const nlohmann::ordered_json& prediction_models) {
  const std::string model_config_hash = ComputeModelConfigHash(prediction_models);
  return Sha256Hex(JsTemplate(
      {sequence, ":", embedding_model.name, ":", embedding_model.version, ":", model_config_hash}));
}

std::string EmbeddingRefKey(const ModelVersion& embedding_model, std::string_view sequence_hash) {
  return JsTemplate(
      {"emb/", embedding_model.name, "/", embedding_model.version, "/", sequence_hash});
}

std::string PredictionRefKey(const ModelVersion& embedding_model,
                             const nlohmann::ordered_json& prediction_models,
                             std::string_view sequence_hash) {
  const std::string model_config_hash = ComputeModelConfigHash(prediction_models);
  const std::string inner_hash = Sha256Hex(
      JsTemplate({embedding_model.name, ":", embedding_model.version, ":", model_config_hash}));
  return JsTemplate({"pred/", inner_hash, "/", sequence_hash});
}

}  // namespace protifer::core

// protifer's content-addressed identifiers (packages/shared/src/hash.ts, spec section 2.6):
// the sequence hash, the model-config hash, the BullMQ job ids of the embedding child and the
// prediction parent, and the object-store keys of embeddings and predictions.
//
// Every hash is lower-case hex SHA-256 of the UTF-8 of a JavaScript string built by a template
// literal. Strings follow text.h: ill-formed UTF-8 in a piece is hashed as U+FFFD, exactly as the
// JS string would be; well-formed input is hashed byte for byte.
//
// The model-config hash is sha256(JSON.stringify(models sorted by name with localeCompare)).
// It takes the job's `predictionModels` JSON verbatim, because JSON.stringify writes each entry
// with all of its own keys in its own order (the gateway builds {name, version}); the sort uses
// js_collate.h (exact for ASCII names). Verified against spec/test-vectors.json.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace protifer::core {

// EmbeddingModelConfig / PredictionModelVersion: `{name, version}` of a model.
struct ModelVersion {
  std::string name;
  std::string version;
};

// `[{name, version}, ...]` in the given order, keys in the gateway's order.
nlohmann::ordered_json ModelVersionsToJson(std::span<const ModelVersion> models);

// computeSequenceHash(sequence): sha256(sequence).
std::string ComputeSequenceHash(std::string_view sequence);

// The exact text computeModelConfigHash hashes: JSON.stringify of the array stably sorted by
// `name` with localeCompare. Throws std::invalid_argument when `prediction_models` is not an
// array, or when it has two or more entries and one of them is not an object with a string
// `name` (JavaScript throws a TypeError for such input in the comparator; the gateway's schema
// never lets it through). A 0- or 1-entry array is written as it is, as JS does.
std::string ModelConfigJson(const nlohmann::ordered_json& prediction_models);

// computeModelConfigHash(models): sha256(ModelConfigJson(models)).
std::string ComputeModelConfigHash(const nlohmann::ordered_json& prediction_models);

// computeEmbeddingJobId: sha256(`${sequence}:${name}:${version}`).
std::string ComputeEmbeddingJobId(std::string_view sequence, const ModelVersion& embedding_model);

// computePredictionJobId: sha256(`${sequence}:${name}:${version}:${modelConfigHash}`).
std::string ComputePredictionJobId(std::string_view sequence, const ModelVersion& embedding_model,
                                   const nlohmann::ordered_json& prediction_models);

// embeddingRefKey: `emb/${name}/${version}/${sequenceHash}`.
std::string EmbeddingRefKey(const ModelVersion& embedding_model, std::string_view sequence_hash);

// predictionRefKey: `pred/${sha256(`${name}:${version}:${modelConfigHash}`)}/${sequenceHash}`.
std::string PredictionRefKey(const ModelVersion& embedding_model,
                             const nlohmann::ordered_json& prediction_models,
                             std::string_view sequence_hash);

}  // namespace protifer::core

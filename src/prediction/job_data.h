// Reading job payloads (spec §2.2). protifer's workers cast job.data without validating it; we
// check the fields a processor uses and fail with a message that names the field, e.g.
//   invalid job data: field 'embeddingModel.version' must be a string, got number
// These failures are UnrecoverableJobError: the same data fails the same way on every attempt.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/keys.h"

namespace protifer::prediction {

// PredictionJobData: the fields the prediction processor reads.
struct PredictionJobData {
  std::string sequence;
  std::string sequence_hash;
  core::ModelVersion embedding_model;
  // Copied verbatim into `versions` and hashed into the result key; every entry is an object
  // with string `name` and `version` (checked), other keys are kept as they are.
  nlohmann::ordered_json prediction_models;
};

PredictionJobData ParsePredictionJobData(const nlohmann::ordered_json& data);

// Field readers shared by the processors of both workers. `path` is the dotted name used in
// messages ("embeddingModel", "predictionModels[2]").
const nlohmann::ordered_json& RequireObject(const nlohmann::ordered_json& value,
                                            std::string_view path);
std::string RequireStringField(const nlohmann::ordered_json& object, std::string_view parent_path,
                               std::string_view field);
core::ModelVersion RequireModelVersionField(const nlohmann::ordered_json& object,
                                            std::string_view field);

}  // namespace protifer::prediction

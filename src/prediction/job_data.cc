#include "prediction/job_data.h"

#include <string>

#include "prediction/job_context.h"

namespace protifer::prediction {
namespace {

std::string Join(std::string_view parent_path, std::string_view field) {
  std::string path(parent_path);
  if (!path.empty()) {
    path += '.';
  }
  path += field;
  return path;
}

[[noreturn]] void Fail(std::string_view path, std::string_view problem) {
  std::string message = "invalid job data: ";
  if (path.empty()) {
    message += "the job data ";
  } else {
    message += "field '";
    message += path;
    message += "' ";
  }
  message += problem;
  throw UnrecoverableJobError(message);
}

[[noreturn]] void FailType(std::string_view path, std::string_view expected,
                           const nlohmann::ordered_json& value) {
  Fail(path, "must be " + std::string(expected) + ", got " + std::string(value.type_name()));
}

const nlohmann::ordered_json& RequireField(const nlohmann::ordered_json& object,
                                           std::string_view parent_path, std::string_view field) {
  const auto it = object.find(field);
  if (it == object.end()) {
    Fail(Join(parent_path, field), "is missing");
  }
  return *it;
}

}  // namespace

const nlohmann::ordered_json& RequireObject(const nlohmann::ordered_json& value,
                                            std::string_view path) {
  if (!value.is_object()) {
    FailType(path, "an object", value);
  }
  return value;
}

std::string RequireStringField(const nlohmann::ordered_json& object, std::string_view parent_path,
                               std::string_view field) {
  const nlohmann::ordered_json& value = RequireField(object, parent_path, field);
  if (!value.is_string()) {
    FailType(Join(parent_path, field), "a string", value);
  }
  return value.get<std::string>();
}

core::ModelVersion RequireModelVersionField(const nlohmann::ordered_json& object,
                                            std::string_view field) {
  const nlohmann::ordered_json& model = RequireObject(RequireField(object, "", field), field);
  return core::ModelVersion{RequireStringField(model, field, "name"),
                            RequireStringField(model, field, "version")};
}

PredictionJobData ParsePredictionJobData(const nlohmann::ordered_json& data) {
  RequireObject(data, "");
  PredictionJobData parsed;
  parsed.sequence = RequireStringField(data, "", "sequence");
  parsed.sequence_hash = RequireStringField(data, "", "sequenceHash");
  parsed.embedding_model = RequireModelVersionField(data, "embeddingModel");
  const nlohmann::ordered_json& models = RequireField(data, "", "predictionModels");
  if (!models.is_array()) {
    FailType("predictionModels", "an array", models);
  }
  for (std::size_t i = 0; i < models.size(); ++i) {
    const std::string path = "predictionModels[" + std::to_string(i) + "]";
    RequireObject(models[i], path);
    RequireStringField(models[i], path, "name");
    RequireStringField(models[i], path, "version");
  }
  parsed.prediction_models = models;
  return parsed;
}

}  // namespace protifer::prediction

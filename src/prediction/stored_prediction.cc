#include "prediction/stored_prediction.h"

#include <string>

#include "core/js_json.h"

namespace protifer::prediction {
namespace {

nlohmann::ordered_json ModelErrorsJson(const DispatchResult& result) {
  nlohmann::ordered_json errors = nlohmann::ordered_json::object();
  for (const ModelFailure& failure : result.model_errors) {
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    entry["code"] = std::string(ModelErrorCodeName(failure.code));
    entry["message"] = failure.message;
    entry["failedAt"] = failure.failed_at;
    errors[failure.output_key] = std::move(entry);
  }
  return errors;
}

}  // namespace

nlohmann::ordered_json BuildStoredPrediction(const nlohmann::ordered_json& prediction_models,
                                             const DispatchResult& result) {
  nlohmann::ordered_json document = nlohmann::ordered_json::object();
  document["schemaVersion"] = kStoredPredictionSchemaVersion;
  document["versions"] = prediction_models;
  document["outputs"] = result.outputs;
  if (!result.model_errors.empty()) {
    document["modelErrors"] = ModelErrorsJson(result);
  }
  return document;
}

std::string SerializeStoredPrediction(const nlohmann::ordered_json& prediction_models,
                                      const DispatchResult& result) {
  // Written piece by piece instead of stringifying BuildStoredPrediction(): the outputs can be
  // megabytes (vespag is 20 x L numbers) and need not be copied into a document first. The bytes
  // are the same (checked by the tests).
  std::string out = "{\"schemaVersion\":";
  out += std::to_string(kStoredPredictionSchemaVersion);
  out += ",\"versions\":";
  core::AppendJsJson(out, prediction_models);
  out += ",\"outputs\":";
  core::AppendJsJson(out, result.outputs);
  if (!result.model_errors.empty()) {
    out += ",\"modelErrors\":";
    core::AppendJsJson(out, ModelErrorsJson(result));
  }
  out += '}';
  return out;
}

}  // namespace protifer::prediction

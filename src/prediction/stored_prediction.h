// StoredPredictionV2 (spec §2.3): the one JSON object a prediction job writes, byte-compatible
// with protifer's JSON.stringify output.
//
// Keys in write order: schemaVersion (2), versions (the job's predictionModels verbatim),
// outputs (successes, registry order), and modelErrors (only when a model failed; each entry
// {code, message, failedAt}).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "prediction/dispatch.h"

namespace protifer::prediction {

inline constexpr int kStoredPredictionSchemaVersion = 2;
inline constexpr const char* kStoredPredictionContentType = "application/json";

// The document as a JSON value (key order as written).
nlohmann::ordered_json BuildStoredPrediction(const nlohmann::ordered_json& prediction_models,
                                             const DispatchResult& result);

// The UTF-8 bytes to store: JSON.stringify of the document (core::JsJsonStringify).
std::string SerializeStoredPrediction(const nlohmann::ordered_json& prediction_models,
                                      const DispatchResult& result);

}  // namespace protifer::prediction

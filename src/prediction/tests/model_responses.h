// Scripted answers of the 8 real prediction models for a 2-residue job, shaped as Triton sends
// them, with values chosen so every decoded field is known (see tests/golden/README.md).
#pragma once

#include <limits>
#include <set>
#include <string>
#include <vector>

#include "adapters/tests/test_support.h"
#include "triton/testing/scripted_inference_client.h"

namespace protifer::prediction::testing {

// Answers like a healthy Triton, except the models in `failing`, which fail with
// UNAVAILABLE "Connection dropped" (after the client's 3 attempts).
inline triton::testing::ScriptedInferenceClient::Responder TwoResidueModels(
    std::set<std::string> failing = {}) {
  return [failing = std::move(failing)](const inference::ModelInferRequest& request) {
    using triton::testing::ScriptedInferenceClient;
    using adapters::testing::ResponseBuilder;
    const std::string& model = request.model_name();
    if (failing.count(model) != 0) {
      return ScriptedInferenceClient::Failure(grpc::StatusCode::UNAVAILABLE, "Connection dropped",
                                              3);
    }
    ResponseBuilder response(model);
    if (model == "prott5_sec") {
      // Residue 0: E (index 1) and S (index 5); residue 1: H and C.
      response.RawFp32("d3_Yhat", {0.1f, 0.9f, 0.2f, 0.7f, 0.1f, 0.2f})
          .RawFp32("d8_Yhat", {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    } else if (model == "tmbed") {
      // Listed probabilities-first, as the real ensemble does (decoded by name).
      response
          .RawFp32("probabilities",
                   {0.1f, 0.2f, 0.3f, 0.25f, 0.15f, 0.5f, 0.125f, 0.125f, 0.125f, 0.125f})
          .RawBytes("labels", "BYTES", adapters::testing::BytesTensor({"Bi"}));
    } else if (model == "seth") {
      response.RawFp32("output", {0.1f, std::numeric_limits<float>::quiet_NaN()});
    } else if (model == "bind_embed") {
      for (int cv = 0; cv < 5; ++cv) {
        // metal b-, nucleic acids -b, small molecules b- (logit 0 -> 0.5 -> binding).
        response.RawFp32("output_" + std::to_string(cv), {10, -10, 0, -10, 10, -10});
      }
    } else if (model == "prott5_cons") {
      response.RawFp32("output", {0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7});
    } else if (model == "vespag") {
      std::vector<float> scores(40);
      for (std::size_t i = 0; i < scores.size(); ++i) {
        scores[i] = static_cast<float>(i);
      }
      response.RawFp32("output", scores);
    } else if (model == "light_attention_subcell") {
      response.RawFp32("output", {0, 0, 5, 0, 0, 0, 0, 0, 0, 0});
    } else if (model == "light_attention_membrane") {
      response.RawFp32("output", {0.9f, 0.1f});
    } else {
      return ScriptedInferenceClient::Failure(grpc::StatusCode::NOT_FOUND,
                                              "Request for unknown model: '" + model + "'");
    }
    return triton::InferResult(response.Build(), 1);
  };
}

}  // namespace protifer::prediction::testing

#include "prediction/stored_prediction.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/js_json.h"

namespace protifer::prediction {
namespace {

using Json = nlohmann::ordered_json;

Json Versions() {
  return Json::parse(R"([{"name":"tmbed","version":"dev"},{"name":"seth","version":"dev"}])");
}

std::vector<std::string> Keys(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) {
    keys.push_back(item.key());
  }
  return keys;
}

DispatchResult Partial() {
  DispatchResult result;
  result.outputs["tmbed"] = Json::parse(R"({"labels":"Bi","probabilities":[[0.5,0.5,0,0,0]]})");
  result.outputs["seth"] = Json::array(
      {static_cast<double>(0.1f), std::numeric_limits<double>::quiet_NaN(), -0.0, 1e-7});
  result.model_errors.push_back({"vespag", "variation", ModelErrorCode::kUnavailable,
                                 "Connection dropped", "2026-06-20T12:34:56.789Z"});
  result.model_errors.push_back({"light_attention_membrane", "light_attention_membrane",
                                 ModelErrorCode::kShapeMismatch, "expected 2 floats, got 3",
                                 "2026-06-20T12:34:56.789Z"});
  return result;
}

TEST(StoredPrediction, KeysAreWrittenInProtifersOrder) {
  const Json document = BuildStoredPrediction(Versions(), Partial());
  EXPECT_EQ(Keys(document),
            (std::vector<std::string>{"schemaVersion", "versions", "outputs", "modelErrors"}));
  EXPECT_EQ(document["schemaVersion"], 2);
  EXPECT_EQ(document["versions"], Versions());
  EXPECT_EQ(Keys(document["outputs"]), (std::vector<std::string>{"tmbed", "seth"}));
  EXPECT_EQ(Keys(document["modelErrors"]),
            (std::vector<std::string>{"variation", "light_attention_membrane"}));
  EXPECT_EQ(Keys(document["modelErrors"]["variation"]),
            (std::vector<std::string>{"code", "message", "failedAt"}));
}

TEST(StoredPrediction, ModelErrorsIsAbsentWhenEveryModelSucceeded) {
  DispatchResult result = Partial();
  result.model_errors.clear();
  const Json document = BuildStoredPrediction(Versions(), result);
  EXPECT_FALSE(document.contains("modelErrors"));
  EXPECT_EQ(SerializeStoredPrediction(Versions(), result).find("modelErrors"), std::string::npos);
}

TEST(StoredPrediction, SerialisesLikeJsonStringify) {
  const std::string bytes = SerializeStoredPrediction(Versions(), Partial());
  EXPECT_EQ(bytes,
            R"({"schemaVersion":2,"versions":[{"name":"tmbed","version":"dev"},)"
            R"({"name":"seth","version":"dev"}],"outputs":{"tmbed":{"labels":"Bi",)"
            R"("probabilities":[[0.5,0.5,0,0,0]]},"seth":[0.10000000149011612,null,0,1e-7]},)"
            R"("modelErrors":{"variation":{"code":"UNAVAILABLE","message":"Connection dropped",)"
            R"("failedAt":"2026-06-20T12:34:56.789Z"},"light_attention_membrane":)"
            R"({"code":"SHAPE_MISMATCH","message":"expected 2 floats, got 3",)"
            R"("failedAt":"2026-06-20T12:34:56.789Z"}}})");
}

TEST(StoredPrediction, StreamedBytesEqualStringifyingTheDocument) {
  DispatchResult all_failed;
  all_failed.model_errors.push_back(
      {"seth", "seth", ModelErrorCode::kDecodeError, "quote \" and \\ and \n", "t"});
  for (const DispatchResult& result : {Partial(), DispatchResult{}, all_failed}) {
    EXPECT_EQ(SerializeStoredPrediction(Versions(), result),
              core::JsJsonStringify(BuildStoredPrediction(Versions(), result)));
  }
}

}  // namespace
}  // namespace protifer::prediction

#include "prediction/job_data.h"

#include <gtest/gtest.h>

#include "prediction/job_context.h"

namespace protifer::prediction {
namespace {

using Json = nlohmann::ordered_json;

Json ValidData() {
  return Json::parse(R"({
    "sequence": "MKTVRQERLK",
    "sequenceHash": "c3b29c8154d4b6719cdac8a5815859ca3eb45b5ea70d0dfd14d300c0ddd5c151",
    "embeddingModel": {"name": "prott5_xl_u50", "version": "dev"},
    "predictionModels": [{"name": "tmbed", "version": "dev"}, {"version": "2", "name": "seth", "x": 1}],
    "userId": "u1",
    "submittedAt": "2026-06-20T12:00:00.000Z"
  })");
}

void ExpectRejected(const Json& data, const std::string& message) {
  try {
    ParsePredictionJobData(data);
    ADD_FAILURE() << "accepted; expected: " << message;
  } catch (const UnrecoverableJobError& error) {
    EXPECT_EQ(std::string(error.what()), message);
  }
}

TEST(ParsePredictionJobData, ReadsTheFieldsAndKeepsPredictionModelsVerbatim) {
  const PredictionJobData parsed = ParsePredictionJobData(ValidData());
  EXPECT_EQ(parsed.sequence, "MKTVRQERLK");
  EXPECT_EQ(parsed.sequence_hash.size(), 64u);
  EXPECT_EQ(parsed.embedding_model.name, "prott5_xl_u50");
  EXPECT_EQ(parsed.embedding_model.version, "dev");
  // Key order and extra keys of each entry survive: they are written and hashed as given.
  EXPECT_EQ(parsed.prediction_models.dump(),
            R"([{"name":"tmbed","version":"dev"},{"version":"2","name":"seth","x":1}])");
}

TEST(ParsePredictionJobData, NamesTheMissingField) {
  for (const char* field : {"sequence", "sequenceHash", "embeddingModel", "predictionModels"}) {
    Json data = ValidData();
    data.erase(field);
    ExpectRejected(data, std::string("invalid job data: field '") + field + "' is missing");
  }
  Json data = ValidData();
  data["embeddingModel"].erase("version");
  ExpectRejected(data, "invalid job data: field 'embeddingModel.version' is missing");
}

TEST(ParsePredictionJobData, NamesTheFieldOfTheWrongType) {
  Json data = ValidData();
  data["sequence"] = 5;
  ExpectRejected(data, "invalid job data: field 'sequence' must be a string, got number");

  data = ValidData();
  data["embeddingModel"] = "prott5_xl_u50";
  ExpectRejected(data, "invalid job data: field 'embeddingModel' must be an object, got string");

  data = ValidData();
  data["embeddingModel"]["name"] = nullptr;
  ExpectRejected(data, "invalid job data: field 'embeddingModel.name' must be a string, got null");

  data = ValidData();
  data["predictionModels"] = Json::object();
  ExpectRejected(data, "invalid job data: field 'predictionModels' must be an array, got object");

  data = ValidData();
  data["predictionModels"][1]["version"] = 2;
  ExpectRejected(data,
                 "invalid job data: field 'predictionModels[1].version' must be a string, got "
                 "number");

  data = ValidData();
  data["predictionModels"][0] = "tmbed";
  ExpectRejected(data,
                 "invalid job data: field 'predictionModels[0]' must be an object, got string");

  ExpectRejected(Json::array(), "invalid job data: the job data must be an object, got array");
}

TEST(ParsePredictionJobData, AcceptsAnEmptyModelList) {
  Json data = ValidData();
  data["predictionModels"] = Json::array();
  EXPECT_TRUE(ParsePredictionJobData(data).prediction_models.empty());
}

}  // namespace
}  // namespace protifer::prediction

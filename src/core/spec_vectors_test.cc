// Every reference value of spec/test-vectors.json (Node 20 output of protifer's own algorithms),
// read from the checked-in copy tests/vectors/test-vectors.json.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/js_collate.h"
#include "core/js_json.h"
#include "core/js_number.h"
#include "core/keys.h"
#include "core/test_data.h"

namespace protifer::core {
namespace {

using nlohmann::ordered_json;
using testing::LoadSpecVectors;

ModelVersion ModelVersionOf(const ordered_json& model) {
  return {model.at("name").get<std::string>(), model.at("version").get<std::string>()};
}

// A new section or field in the vectors file must get a test: this fails until it does.
TEST(SpecVectors, EverySectionAndFieldIsCovered) {
  const ordered_json vectors = LoadSpecVectors();
  std::set<std::string> sections;
  for (const auto& item : vectors.items()) {
    sections.insert(item.key());
  }
  EXPECT_EQ(sections,
            (std::set<std::string>{"about", "keys", "localeCompareOrder", "float32ToJson"}));

  const std::set<std::string> key_fields = {"sequence",     "embeddingModel",  "predictionModels",
                                            "sequenceHash", "modelConfigHash", "embJobId",
                                            "predJobId",    "embeddingRef",    "predictionRef"};
  ASSERT_FALSE(vectors.at("keys").empty());
  for (const auto& entry : vectors.at("keys")) {
    std::set<std::string> fields;
    for (const auto& item : entry.items()) {
      fields.insert(item.key());
    }
    EXPECT_EQ(fields, key_fields);
  }
  for (const auto& entry : vectors.at("float32ToJson")) {
    EXPECT_EQ(entry.size(), 2u);
    EXPECT_TRUE(entry.contains("float32_bits_hex") && entry.contains("json"));
  }
  EXPECT_EQ(vectors.at("localeCompareOrder").size(), 2u);
}

TEST(SpecVectors, KeysAndJobIds) {
  const ordered_json vectors = LoadSpecVectors();
  for (const auto& entry : vectors.at("keys")) {
    const auto sequence = entry.at("sequence").get<std::string>();
    const ModelVersion embedding = ModelVersionOf(entry.at("embeddingModel"));
    const ordered_json& predictions = entry.at("predictionModels");
    SCOPED_TRACE(sequence + " with " + std::to_string(predictions.size()) + " prediction models");

    const std::string sequence_hash = ComputeSequenceHash(sequence);
    EXPECT_EQ(sequence_hash, entry.at("sequenceHash"));
    EXPECT_EQ(ComputeModelConfigHash(predictions), entry.at("modelConfigHash"));
    EXPECT_EQ(ComputeEmbeddingJobId(sequence, embedding), entry.at("embJobId"));
    EXPECT_EQ(ComputePredictionJobId(sequence, embedding, predictions), entry.at("predJobId"));
    EXPECT_EQ(EmbeddingRefKey(embedding, sequence_hash), entry.at("embeddingRef"));
    EXPECT_EQ(PredictionRefKey(embedding, predictions, sequence_hash), entry.at("predictionRef"));
  }
}

// The same vectors through the typed entry point (what code that builds {name, version} uses).
TEST(SpecVectors, KeysFromTypedModelVersions) {
  const ordered_json vectors = LoadSpecVectors();
  for (const auto& entry : vectors.at("keys")) {
    std::vector<ModelVersion> models;
    for (const auto& model : entry.at("predictionModels")) {
      models.push_back(ModelVersionOf(model));
    }
    EXPECT_EQ(ComputeModelConfigHash(ModelVersionsToJson(models)), entry.at("modelConfigHash"));
  }
}

// hash.test.ts: the prediction job id and ref key do not depend on the order of the models.
TEST(SpecVectors, ModelOrderDoesNotChangeIdentifiers) {
  const ordered_json vectors = LoadSpecVectors();
  for (const auto& entry : vectors.at("keys")) {
    const auto sequence = entry.at("sequence").get<std::string>();
    const ModelVersion embedding = ModelVersionOf(entry.at("embeddingModel"));
    ordered_json shuffled = entry.at("predictionModels");
    for (std::size_t rotation = 0; rotation < shuffled.size(); ++rotation) {
      std::rotate(shuffled.begin(), shuffled.begin() + 1, shuffled.end());
      EXPECT_EQ(ComputeModelConfigHash(shuffled), entry.at("modelConfigHash"));
      EXPECT_EQ(ComputePredictionJobId(sequence, embedding, shuffled), entry.at("predJobId"));
    }
    std::reverse(shuffled.begin(), shuffled.end());
    EXPECT_EQ(PredictionRefKey(embedding, shuffled, entry.at("sequenceHash").get<std::string>()),
              entry.at("predictionRef"));
  }
}

// Spec 2.6: for today's model names the localeCompare order equals plain byte order.
TEST(SpecVectors, TodaysModelNamesSortLikeBytes) {
  const ordered_json vectors = LoadSpecVectors();
  for (const auto& entry : vectors.at("keys")) {
    ordered_json by_bytes = entry.at("predictionModels");
    std::stable_sort(by_bytes.begin(), by_bytes.end(), [](const auto& a, const auto& b) {
      return a.at("name").template get<std::string>() < b.at("name").template get<std::string>();
    });
    EXPECT_EQ(ModelConfigJson(entry.at("predictionModels")), JsJsonStringify(by_bytes));
  }
}

TEST(SpecVectors, LocaleCompareOrder) {
  const ordered_json vectors = LoadSpecVectors();
  auto input = vectors.at("localeCompareOrder").at("input").get<std::vector<std::string>>();
  const auto sorted = vectors.at("localeCompareOrder").at("sorted").get<std::vector<std::string>>();
  ASSERT_EQ(input.size(), sorted.size());
  std::stable_sort(input.begin(), input.end(), JsLocaleLess{});
  EXPECT_EQ(input, sorted);
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    EXPECT_LT(JsLocaleCompare(sorted[i - 1], sorted[i]), 0) << sorted[i - 1] << " vs " << sorted[i];
    EXPECT_GT(JsLocaleCompare(sorted[i], sorted[i - 1]), 0) << sorted[i] << " vs " << sorted[i - 1];
  }
  // The same order decides the model-config hash: models named like the vector sort that way.
  ordered_json models = ordered_json::array();
  for (const auto& name : vectors.at("localeCompareOrder").at("input")) {
    models.push_back({{"name", name}, {"version", "v"}});
  }
  ordered_json expected = ordered_json::array();
  for (const auto& name : sorted) {
    expected.push_back({{"name", name}, {"version", "v"}});
  }
  EXPECT_EQ(ModelConfigJson(models), JsJsonStringify(expected));
}

TEST(SpecVectors, Float32ToJson) {
  const ordered_json vectors = LoadSpecVectors();
  ASSERT_FALSE(vectors.at("float32ToJson").empty());
  for (const auto& entry : vectors.at("float32ToJson")) {
    const auto hex = entry.at("float32_bits_hex").get<std::string>();
    const auto bits = static_cast<std::uint32_t>(std::stoul(hex, nullptr, 16));
    const double widened = static_cast<double>(std::bit_cast<float>(bits));
    std::string json;
    AppendJsonNumber(json, widened);
    EXPECT_EQ(json, entry.at("json")) << hex;
    // The same through the document writer, as a stored array element.
    EXPECT_EQ(JsJsonStringify(ordered_json::array({widened})),
              "[" + entry.at("json").get<std::string>() + "]")
        << hex;
  }
}

}  // namespace
}  // namespace protifer::core

// hash.test.ts behaviours, plus the edge cases of our port. Reference values live in
// spec_vectors_test.cc.
#include "core/keys.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/sha256.h"

namespace protifer::core {
namespace {

using nlohmann::ordered_json;

const ModelVersion kEmbedding{"prott5_xl_u50", "v1"};

ordered_json Models(std::initializer_list<std::pair<const char*, const char*>> models) {
  ordered_json array = ordered_json::array();
  for (const auto& [name, version] : models) {
    array.push_back({{"name", name}, {"version", version}});
  }
  return array;
}

TEST(Keys, SequenceHashIsDeterministicLowerHex) {
  const std::string hash = ComputeSequenceHash("MKTV");
  EXPECT_TRUE(std::regex_match(hash, std::regex("^[a-f0-9]{64}$")));
  EXPECT_EQ(hash, ComputeSequenceHash("MKTV"));
  EXPECT_NE(hash, ComputeSequenceHash("MKTW"));
  EXPECT_EQ(hash, Sha256Hex("MKTV"));
}

TEST(Keys, JobIdsChangeWithEveryInput) {
  const ordered_json models = Models({{"seth", "1"}, {"tmbed", "1"}});
  const std::string embedding_id = ComputeEmbeddingJobId("MKTV", kEmbedding);
  EXPECT_NE(embedding_id, ComputeEmbeddingJobId("MKTV", {"esm2_3b", "v1"}));
  EXPECT_NE(embedding_id, ComputeEmbeddingJobId("MKTV", {"prott5_xl_u50", "v2"}));
  const std::string prediction_id = ComputePredictionJobId("MKTV", kEmbedding, models);
  EXPECT_NE(prediction_id,
            ComputePredictionJobId("MKTV", kEmbedding, Models({{"seth", "2"}, {"tmbed", "1"}})));
  EXPECT_NE(prediction_id, ComputePredictionJobId("MKTV", {"prott5_xl_u50", "v2"}, models));
  EXPECT_EQ(prediction_id, Sha256Hex("MKTV:prott5_xl_u50:v1:" + ComputeModelConfigHash(models)));
}

TEST(Keys, RefKeysHaveTheSpecShape) {
  EXPECT_EQ(EmbeddingRefKey(kEmbedding, "abc123"), "emb/prott5_xl_u50/v1/abc123");
  const std::string ref = PredictionRefKey(kEmbedding, Models({{"seth", "1"}}), "abc123");
  EXPECT_TRUE(std::regex_match(ref, std::regex("^pred/[a-f0-9]{16,}/abc123$"))) << ref;
  EXPECT_EQ(PredictionRefKey(kEmbedding, Models({{"seth", "1"}, {"tmbed", "1"}}), "abc123"),
            PredictionRefKey(kEmbedding, Models({{"tmbed", "1"}, {"seth", "1"}}), "abc123"));
}

// JSON.stringify writes each entry as the job data holds it: own key order, extra keys kept.
TEST(Keys, ModelConfigJsonKeepsEachEntryVerbatim) {
  ordered_json models = ordered_json::array();
  models.push_back({{"version", "2"}, {"name", "tmbed"}, {"extra", 1.5}});
  models.push_back({{"name", "seth"}, {"version", "1"}});
  EXPECT_EQ(ModelConfigJson(models),
            "[{\"name\":\"seth\",\"version\":\"1\"},"
            "{\"version\":\"2\",\"name\":\"tmbed\",\"extra\":1.5}]");
}

// Array#sort is stable: entries whose names compare equal keep their order, so the hash then
// does depend on the input order (as in protifer).
TEST(Keys, EqualNamesKeepTheirOrder) {
  const ordered_json ab = Models({{"seth", "a"}, {"seth", "b"}});
  const ordered_json ba = Models({{"seth", "b"}, {"seth", "a"}});
  EXPECT_EQ(ModelConfigJson(ab), ab.dump());
  EXPECT_EQ(ModelConfigJson(ba), ba.dump());
  EXPECT_NE(ComputeModelConfigHash(ab), ComputeModelConfigHash(ba));
  // "se\x01th" equals "seth" under localeCompare (control characters are ignorable).
  const ordered_json ignorable = Models({{"se\x01th", "x"}, {"seth", "y"}, {"bindembed", "z"}});
  EXPECT_EQ(ModelConfigJson(ignorable),
            "[{\"name\":\"bindembed\",\"version\":\"z\"},{\"name\":\"se\\u0001th\",\"version\":"
            "\"x\"},{\"name\":\"seth\",\"version\":\"y\"}]");
}

TEST(Keys, MalformedModelListsAreRejectedLikeJavaScriptWould) {
  EXPECT_THROW(ModelConfigJson(ordered_json::object()), std::invalid_argument);
  EXPECT_THROW(ModelConfigJson(ordered_json::array({{{"name", "a"}}, {{"version", "1"}}})),
               std::invalid_argument);
  EXPECT_THROW(ModelConfigJson(ordered_json::array({{{"name", 1}}, {{"name", "a"}}})),
               std::invalid_argument);
  // Nothing to sort: JavaScript never calls the comparator, so nothing throws.
  EXPECT_EQ(ModelConfigJson(ordered_json::array({{{"version", "1"}}})), "[{\"version\":\"1\"}]");
  EXPECT_EQ(ModelConfigJson(ordered_json::array()), "[]");
}

// Ill-formed UTF-8 stands for U+FFFD, as in the JS string protifer would have hashed.
TEST(Keys, IllFormedUtf8IsHashedAsReplacementCharacter) {
  EXPECT_EQ(ComputeSequenceHash("MK\xFFTV"), Sha256Hex("MK\xEF\xBF\xBDTV"));
  EXPECT_EQ(ComputeEmbeddingJobId("MK\xE2\x82", {"n\xC0", "v"}),
            Sha256Hex("MK\xEF\xBF\xBD:n\xEF\xBF\xBD:v"));
}

}  // namespace
}  // namespace protifer::core

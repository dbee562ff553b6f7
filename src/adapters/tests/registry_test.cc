#include "adapters/registry.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "adapters/tests/test_support.h"

namespace protifer::adapters {
namespace {

TEST(Registry, ListsTheEightAdaptersInFanOutOrder) {
  std::vector<std::pair<std::string, std::string>> names;
  for (const Adapter* adapter : DefaultAdapters()) {
    ASSERT_NE(adapter, nullptr);
    names.emplace_back(adapter->model_name(), adapter->output_key());
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"prott5_sec", "prott5_secondary_structure"},
      {"tmbed", "tmbed"},
      {"seth", "seth"},
      {"bind_embed", "bindembed"},
      {"prott5_cons", "prott5_conservation"},
      {"vespag", "variation"},
      {"light_attention_subcell", "light_attention_subcellular"},
      {"light_attention_membrane", "light_attention_membrane"},
  };
  EXPECT_EQ(names, expected);
}

TEST(Registry, NamesAndKeysAreUnique) {
  std::set<std::string_view> models;
  std::set<std::string_view> keys;
  for (const Adapter* adapter : DefaultAdapters()) {
    EXPECT_TRUE(models.insert(adapter->model_name()).second) << adapter->model_name();
    EXPECT_TRUE(keys.insert(adapter->output_key()).second) << adapter->output_key();
  }
}

TEST(Registry, ExcludesModelsThatAreNotPredictionAdapters) {
  EXPECT_EQ(FindAdapter("prot_t5_pipeline"), nullptr);
  EXPECT_EQ(FindAdapter("goPredSim"), nullptr);
  EXPECT_EQ(FindAdapter(""), nullptr);
}

TEST(Registry, FindsEachAdapterByModelName) {
  for (const Adapter* adapter : DefaultAdapters()) {
    EXPECT_EQ(FindAdapter(adapter->model_name()), adapter);
  }
  ASSERT_NE(FindAdapter("vespag"), nullptr);
  EXPECT_EQ(FindAdapter("vespag")->output_key(), "variation");
}

TEST(Registry, EveryAdapterBuildsARequestForItsOwnModel) {
  const testing::TestEmbedding embedding(2);
  for (const Adapter* adapter : DefaultAdapters()) {
    const auto request = adapter->BuildRequest(embedding.context());
    testing::ExpectRequestConventions(request, adapter->model_name());
    EXPECT_GE(request.inputs_size(), 1);
    EXPECT_GE(request.outputs_size(), 1);
  }
}

}  // namespace
}  // namespace protifer::adapters

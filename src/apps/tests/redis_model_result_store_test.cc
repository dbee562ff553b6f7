#include "apps/redis_model_result_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "apps/tests/log_capture.h"
#include "queue/redis_connection.h"
#include "queue/test_support/redis_server.h"

namespace protifer::apps {
namespace {

using nlohmann::ordered_json;
using ::testing::Contains;
using ::testing::Eq;

constexpr std::chrono::milliseconds kTtl{60000};

class RedisModelResultStoreTest : public ::testing::Test {
 protected:
  queue::test_support::RedisServer server_;
  queue::RedisConnection redis_{server_.endpoint()};
  testing::LogCapture log_;
  RedisModelResultStore store_{redis_, "bull:prediction:", kTtl, log_.logger()};
};

TEST_F(RedisModelResultStoreTest, KeepsResultsPerJobAndInputBesideTheJobsKeys) {
  const ordered_json tmbed = {{"labels", "MMOO"}, {"probabilities", {0.25, 1e-7, 0.1}}};
  store_.Save("job-1", "input-a", "tmbed", tmbed);
  store_.Save("job-1", "input-a", "seth", ordered_json::array({-0.5, 12.75}));

  const auto kept = store_.Load("job-1", "input-a");
  ASSERT_EQ(kept.size(), 2u);
  // Numbers and key order come back exactly (the stored prediction must equal a clean run's).
  EXPECT_EQ(kept.at("tmbed").dump(), tmbed.dump());
  EXPECT_EQ(kept.at("seth").dump(), "[-0.5,12.75]");
  EXPECT_TRUE(store_.Load("job-2", "input-a").empty());

  EXPECT_EQ(store_.KeyOf("job-1"), "bull:prediction:job-1:model-results");
  const std::int64_t ttl = redis_.Command({"PTTL", store_.KeyOf("job-1")}).AsInteger();
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, kTtl.count());
}

TEST_F(RedisModelResultStoreTest, ResultsOfAnotherInputAreNeverReturned) {
  store_.Save("job-1", "input-a", "tmbed", "from a");
  store_.Save("job-1", "input-b", "seth", "from b");
  const auto kept = store_.Load("job-1", "input-b");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept.at("seth"), "from b");
}

TEST_F(RedisModelResultStoreTest, ForgetDeletesTheJobsResults) {
  store_.Save("job-1", "input-a", "tmbed", 1);
  store_.Forget("job-1");
  EXPECT_TRUE(store_.Load("job-1", "input-a").empty());
  EXPECT_EQ(redis_.Command({"EXISTS", store_.KeyOf("job-1")}).AsInteger(), 0);
}

TEST_F(RedisModelResultStoreTest, AnUnreadableFieldIsSkipped) {
  redis_.Command({"HSET", store_.KeyOf("job-1"), "input-a:tmbed", "{not json"});
  store_.Save("job-1", "input-a", "seth", 2);
  const auto kept = store_.Load("job-1", "input-a");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept.at("seth"), 2);
}

TEST_F(RedisModelResultStoreTest, RedisFailuresAreLoggedAndCostOnlyTheReuse) {
  server_.Kill();
  EXPECT_NO_THROW(store_.Save("job-1", "input-a", "tmbed", 1));
  EXPECT_TRUE(store_.Load("job-1", "input-a").empty());
  EXPECT_NO_THROW(store_.Forget("job-1"));
  const auto messages = log_.Messages();
  EXPECT_THAT(messages, Contains(Eq("Could not keep a model result for a later attempt")));
  EXPECT_THAT(messages, Contains(Eq("Could not read the kept model results; calling every model")));
}

}  // namespace
}  // namespace protifer::apps

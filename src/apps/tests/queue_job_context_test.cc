#include "apps/queue_job_context.h"

#include <gtest/gtest.h>

#include "queue/fake_job_backend.h"

namespace protifer::apps {
namespace {

TEST(QueueJobContextTest, KeepsTheProducersKeyOrderInJobData) {
  const std::string data =
      R"({"sequenceHash":"ab","predictionModels":[{"version":"dev","name":"tmbed"}],"a":1})";
  const queue::JobRecord record = queue::MakeTestJobRecord("job-7", "prediction", data);
  queue::FakeJobBackend backend;
  queue::Job job(record, nlohmann::json::parse(data), backend);
  QueueJobContext context(job);
  EXPECT_EQ(context.id(), "job-7");
  EXPECT_EQ(context.data().dump(), data);  // nlohmann::json would sort "a" first
}

TEST(QueueJobContextTest, ForwardsProgressAndLogRows) {
  const queue::JobRecord record = queue::MakeTestJobRecord("j", "embedding", "{}");
  queue::FakeJobBackend backend;
  queue::Job job(record, nlohmann::json::object(), backend);
  QueueJobContext context(job);
  context.UpdateProgress(10);
  context.UpdateProgress(100);
  context.Log("Stored embedding at emb/x (2048 FP16 bytes)");
  EXPECT_EQ(backend.progress(), (std::vector<std::string>{"10", "100"}));
  EXPECT_EQ(backend.logs(),
            (std::vector<std::string>{"Stored embedding at emb/x (2048 FP16 bytes)"}));
}

TEST(QueueJobContextTest, ChildrenValuesAreParsedWithTheirKeyOrder) {
  const queue::JobRecord record = queue::MakeTestJobRecord("p", "prediction", "{}");
  queue::FakeJobBackend backend;
  backend.SetChildValue("bull:embedding:e1",
                        R"({"embeddingRef":"emb/prott5_xl_u50/dev/ab","computedAt":"t"})");
  queue::Job job(record, nlohmann::json::object(), backend);
  QueueJobContext context(job);
  const auto values = context.ChildrenValues();
  ASSERT_EQ(values.size(), 1U);
  EXPECT_EQ(values[0].dump(), R"({"embeddingRef":"emb/prott5_xl_u50/dev/ab","computedAt":"t"})");
}

TEST(QueueJobContextTest, NoChildrenGiveNoValues) {
  const queue::JobRecord record = queue::MakeTestJobRecord("p", "prediction", "{}");
  queue::FakeJobBackend backend;
  queue::Job job(record, nlohmann::json::object(), backend);
  EXPECT_TRUE(QueueJobContext(job).ChildrenValues().empty());
}

}  // namespace
}  // namespace protifer::apps

#include "model_scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "stub_test_support.h"

namespace protifer::kserve_stub {
namespace {

using ::testing::ElementsAre;

// One leaf model "m" ([-1, 1024] -> [-1, 1]) with the given scheduling block.
ModelCatalog CatalogFor(const std::string& scheduling) {
  return ModelCatalog::FromJson(R"({"models": [{"name": "m", "platform": "python",
    "max_batch_size": 8, "inputs": [{"name": "input", "datatype": "FP32", "dims": [-1, 1024]}],
    "outputs": [{"name": "output", "datatype": "FP32", "dims": [-1, 1]}],
    "residues": {"input": "input", "axis": 1},
    "function": {"kind": "residue_projection", "input": "input",
                 "outputs": {"output": {"classes": 1, "seed": 5}}},)" +
                                scheduling + "}]}");
}

class Completions {
 public:
  InferDone Callback(int id) {
    return [this, id](grpc::Status status, TensorList outputs) {
      std::lock_guard lock(mutex_);
      order_.push_back(id);
      statuses_.push_back(status);
      outputs_.push_back(std::move(outputs));
      changed_.notify_all();
    };
  }
  void WaitFor(std::size_t count) {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(
        changed_.wait_for(lock, std::chrono::seconds(10), [&] { return order_.size() >= count; }));
  }
  std::vector<int> order() {
    std::lock_guard lock(mutex_);
    return order_;
  }
  std::vector<grpc::Status> statuses() {
    std::lock_guard lock(mutex_);
    return statuses_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int> order_;
  std::vector<grpc::Status> statuses_;
  std::vector<TensorList> outputs_;
};

class ModelSchedulerTest : public ::testing::Test {
 protected:
  void Build(const std::string& scheduling, double time_scale = 1.0) {
    catalog_ = std::make_unique<ModelCatalog>(CatalogFor(scheduling));
    metrics_ = std::make_unique<StubMetrics>(*catalog_, time_scale);
    scheduler_ = std::make_unique<ModelScheduler>(*catalog_->Find("m"), timers_, pool_, *metrics_,
                                                  time_scale);
  }

  ValidatedRequest Request(std::int64_t length = 3) {
    inference::ModelInferRequest request;
    request.set_model_name("m");
    testing::AddRawInput(&request, "input", "FP32", {1, length, 1024},
                         testing::ChannelsLastBytes(testing::MakeEmbedding(length)));
    requests_.push_back(std::make_unique<inference::ModelInferRequest>(std::move(request)));
    ValidatedRequest validated;
    EXPECT_TRUE(ValidateInferRequest(*catalog_->Find("m"), *requests_.back(), &validated).ok());
    return validated;
  }

  ~ModelSchedulerTest() override {
    timers_.Stop();
    pool_.Stop();
  }

  TimerQueue timers_;
  ComputePool pool_{2};
  std::unique_ptr<ModelCatalog> catalog_;
  std::unique_ptr<StubMetrics> metrics_;
  std::unique_ptr<ModelScheduler> scheduler_;
  std::vector<std::unique_ptr<inference::ModelInferRequest>> requests_;
  Completions done_;
};

TEST_F(ModelSchedulerTest, ServiceTimeIsFixedPlusPerResidueTimesScale) {
  Build(R"("service_time": {"fixed_ms": 10, "per_residue_us": 100})", 0.5);
  EXPECT_EQ(scheduler_->ServiceTime(40), std::chrono::microseconds(7000));
}

TEST_F(ModelSchedulerTest, OneInstanceServesInFifoOrder) {
  Build(R"("instance_count": 1, "service_time": {"fixed_ms": 5})");
  std::vector<ValidatedRequest> requests;
  for (int i = 0; i < 6; ++i) requests.push_back(Request());
  const auto first_enqueued = std::chrono::steady_clock::now();
  for (int i = 0; i < 6; ++i) {
    scheduler_->Enqueue(std::move(requests[static_cast<std::size_t>(i)]), done_.Callback(i));
  }
  const double enqueue_spread_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - first_enqueued)
          .count();
  done_.WaitFor(6);
  EXPECT_THAT(done_.order(), ElementsAre(0, 1, 2, 3, 4, 5));
  const auto snapshot = metrics_->Snapshot("m");
  EXPECT_EQ(snapshot.exec_count, 6);
  EXPECT_EQ(snapshot.pending, 0);
  // Each request waited for the ones before it: request i starts no earlier than i service
  // times after the first was queued, and was itself queued at most `enqueue_spread_us` after
  // it (a loaded machine can pause the loop above).
  double least_wait_us = 0;
  for (int i = 1; i < 6; ++i) least_wait_us += std::max(0.0, 0.9 * 5000.0 * i - enqueue_spread_us);
  EXPECT_GE(snapshot.queue_duration_us, least_wait_us);
  ASSERT_EQ(snapshot.instance_busy_us.size(), 1u);
  EXPECT_GE(snapshot.instance_busy_us[0], 6 * 5000.0);
}

TEST_F(ModelSchedulerTest, InstancesShareTheQueue) {
  Build(R"("instance_count": 3, "service_time": {"fixed_ms": 20})");
  for (int i = 0; i < 6; ++i) scheduler_->Enqueue(Request(), done_.Callback(i));
  done_.WaitFor(6);
  const auto snapshot = metrics_->Snapshot("m");
  ASSERT_EQ(snapshot.instance_busy_us.size(), 3u);
  for (double busy : snapshot.instance_busy_us) EXPECT_GE(busy, 2 * 20000.0);  // 2 each
}

TEST_F(ModelSchedulerTest, DynamicBatchingMergesQueuedRequests) {
  Build(R"("instance_count": 1, "service_time": {"fixed_ms": 1},
           "dynamic_batching": {"preferred_batch_size": [4, 8], "max_queue_delay_us": 500000})");
  for (int i = 0; i < 8; ++i) scheduler_->Enqueue(Request(), done_.Callback(i));
  done_.WaitFor(8);
  const auto snapshot = metrics_->Snapshot("m");
  EXPECT_EQ(snapshot.inference_count, 8);
  // Preferred size 8 is reached before the 500 ms delay: one execution.
  EXPECT_EQ(snapshot.exec_count, 1);
  for (const auto& status : done_.statuses()) EXPECT_TRUE(status.ok());
}

TEST_F(ModelSchedulerTest, DynamicBatchingSendsPartialBatchAfterDelay) {
  Build(R"("instance_count": 1, "service_time": {"fixed_ms": 1},
           "dynamic_batching": {"preferred_batch_size": [4, 8], "max_queue_delay_us": 30000})");
  const auto start = Clock::now();
  for (int i = 0; i < 5; ++i) scheduler_->Enqueue(Request(), done_.Callback(i));
  done_.WaitFor(5);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(29));
  // After the delay the largest preferred size that fits (4) goes first, then the rest.
  EXPECT_EQ(metrics_->Snapshot("m").exec_count, 2);
}

TEST_F(ModelSchedulerTest, FullQueueIsRejectedLikeTriton) {
  Build(R"("instance_count": 1, "max_queue_size": 2, "service_time": {"fixed_ms": 50})");
  for (int i = 0; i < 4; ++i) scheduler_->Enqueue(Request(), done_.Callback(i));
  done_.WaitFor(4);
  int rejected = 0;
  for (const auto& status : done_.statuses()) {
    if (!status.ok()) {
      ++rejected;
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
      EXPECT_EQ(status.error_message(), "Exceeds maximum queue size");
    }
  }
  // One executes at once, two wait in the queue, the fourth does not fit.
  EXPECT_EQ(rejected, 1);
}

TEST_F(ModelSchedulerTest, FunctionErrorsReachTheCaller) {
  Build(R"("service_time": {"fixed_ms": 0})");
  ValidatedRequest request = Request();
  request.inputs[0] =
      Tensor::Owned("input", DataType::kFp32, {1, 3, 1000}, std::string(3 * 1000 * 4, '\0'));
  scheduler_->Enqueue(std::move(request), done_.Callback(0));
  done_.WaitFor(1);
  EXPECT_EQ(done_.statuses()[0].error_code(), grpc::StatusCode::INTERNAL);
}

}  // namespace
}  // namespace protifer::kserve_stub

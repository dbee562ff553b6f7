#include "obs/worker_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "concurrency/fifo_semaphore.h"
#include "obs/tests/exposition_text.h"
#include "obs/triton_status_label.h"

namespace protifer::obs {
namespace {

using std::chrono::milliseconds;
using testing::BucketBounds;
using testing::HasSample;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ParseExposition;
using testing::SampleValue;

constexpr double kInf = std::numeric_limits<double>::infinity();

// The spec's bucket sets (§6.4), written out here rather than taken from the code under test.
const std::vector<double> kSpecModelInferBuckets = {0.05, 0.1, 0.25, 0.5, 1,  2.5,
                                                    5,    10,  30,   60,  90, kInf};
const std::vector<double> kSpecJobBuckets = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, kInf};

TEST(WorkerMetricsTest, ModelInferHistogramHasProtifersNameLabelsAndBuckets) {
  WorkerMetrics metrics;
  metrics.ObserveModelInfer("tmbed", "success", milliseconds(70));
  metrics.ObserveModelInfer("tmbed", "success", milliseconds(3000));
  metrics.ObserveModelInfer("seth", "UNAVAILABLE", milliseconds(200));

  const auto samples = ParseExposition(metrics.RenderText());
  const std::string family = "triton_model_infer_duration_seconds";
  EXPECT_EQ(BucketBounds(samples, family, {{"model", "tmbed"}, {"status", "success"}}),
            kSpecModelInferBuckets);
  EXPECT_EQ(SampleValue(samples, family + "_count", {{"model", "tmbed"}, {"status", "success"}}),
            2);
  EXPECT_NEAR(SampleValue(samples, family + "_sum", {{"model", "tmbed"}, {"status", "success"}}),
              3.07, 1e-9);
  // Cumulative buckets: 0.07 s lands in le=0.1, 3 s in le=5.
  const auto bucket = [&](const std::string& model, const std::string& status,
                          const std::string& le) {
    return SampleValue(samples, family + "_bucket",
                       {{"model", model}, {"status", status}, {"le", le}});
  };
  EXPECT_EQ(bucket("tmbed", "success", "0.05"), 0);
  EXPECT_EQ(bucket("tmbed", "success", "0.1"), 1);
  EXPECT_EQ(bucket("tmbed", "success", "2.5"), 1);
  EXPECT_EQ(bucket("tmbed", "success", "5"), 2);
  EXPECT_EQ(bucket("tmbed", "success", "+Inf"), 2);
  EXPECT_EQ(bucket("seth", "UNAVAILABLE", "0.1"), 0);
  EXPECT_EQ(bucket("seth", "UNAVAILABLE", "0.25"), 1);
  EXPECT_EQ(SampleValue(samples, family + "_count", {{"model", "seth"}, {"status", "UNAVAILABLE"}}),
            1);
}

TEST(WorkerMetricsTest, HelpAndTypeLinesMatchProtifer) {
  WorkerMetrics metrics;
  metrics.ObserveModelInfer("prot_t5_pipeline", "success", milliseconds(1));
  metrics.ObservePredictionJob(JobStatus::kSuccess, milliseconds(1));
  metrics.ObserveEmbeddingJob(JobStatus::kFailure, milliseconds(1));
  const std::string text = metrics.RenderText();
  EXPECT_THAT(text, HasSubstr("# HELP triton_model_infer_duration_seconds Client-observed Triton "
                              "modelInfer duration by model and status (success or gRPC error "
                              "class), including time-to-failure.\n"));
  EXPECT_THAT(text, HasSubstr("# HELP prediction_job_duration_seconds Wall-clock of the prediction "
                              "model fan-out per job, by status (success|failure).\n"));
  EXPECT_THAT(text, HasSubstr("# HELP embedding_job_duration_seconds Wall-clock per embedding job, "
                              "by status (success|failure).\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE triton_model_infer_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE prediction_job_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE embedding_job_duration_seconds histogram\n"));
}

TEST(WorkerMetricsTest, JobHistogramsUseStatusLabelAndJobBuckets) {
  WorkerMetrics metrics;
  metrics.ObservePredictionJob(JobStatus::kSuccess, milliseconds(400));
  metrics.ObservePredictionJob(JobStatus::kFailure, std::chrono::seconds(200));
  metrics.ObservePredictionJob(JobStatus::kSuccess, milliseconds(600));
  metrics.ObserveEmbeddingJob(JobStatus::kSuccess, milliseconds(50));

  const auto samples = ParseExposition(metrics.RenderText());
  EXPECT_EQ(BucketBounds(samples, "prediction_job_duration_seconds", {{"status", "success"}}),
            kSpecJobBuckets);
  EXPECT_EQ(BucketBounds(samples, "prediction_job_duration_seconds", {{"status", "failure"}}),
            kSpecJobBuckets);
  EXPECT_EQ(BucketBounds(samples, "embedding_job_duration_seconds", {{"status", "success"}}),
            kSpecJobBuckets);
  EXPECT_EQ(SampleValue(samples, "prediction_job_duration_seconds_count", {{"status", "success"}}),
            2);
  EXPECT_EQ(SampleValue(samples, "prediction_job_duration_seconds_bucket",
                        {{"status", "success"}, {"le", "0.5"}}),
            1);
  EXPECT_EQ(SampleValue(samples, "prediction_job_duration_seconds_bucket",
                        {{"status", "failure"}, {"le", "120"}}),
            0);
  EXPECT_EQ(SampleValue(samples, "prediction_job_duration_seconds_bucket",
                        {{"status", "failure"}, {"le", "300"}}),
            1);
  EXPECT_EQ(SampleValue(samples, "embedding_job_duration_seconds_bucket",
                        {{"status", "success"}, {"le", "0.1"}}),
            1);
  EXPECT_FALSE(HasSample(samples, "embedding_job_duration_seconds_count", {{"status", "failure"}}));
}

TEST(WorkerMetricsTest, FamiliesWithoutObservationsAreNotRendered) {
  WorkerMetrics metrics;
  const std::string text = metrics.RenderText();
  EXPECT_THAT(text, Not(HasSubstr("triton_model_infer_duration_seconds")));
  EXPECT_THAT(text, Not(HasSubstr("prediction_job_duration_seconds")));
  EXPECT_THAT(text, Not(HasSubstr("triton_rpc_attempts_total")));
  // The semaphore gauges always exist (0 until pushed or sampled).
  const auto samples = ParseExposition(text);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permits_in_use", {}), 0);
}

TEST(WorkerMetricsTest, NegativeDurationsCountAsZero) {
  WorkerMetrics metrics;
  metrics.ObserveModelInfer("seth", "success", milliseconds(-5));
  const auto samples = ParseExposition(metrics.RenderText());
  const std::map<std::string, std::string> labels = {{"model", "seth"}, {"status", "success"}};
  EXPECT_EQ(SampleValue(samples, "triton_model_infer_duration_seconds_sum", labels), 0);
  EXPECT_EQ(SampleValue(samples, "triton_model_infer_duration_seconds_bucket",
                        {{"model", "seth"}, {"status", "success"}, {"le", "0.05"}}),
            1);
}

TEST(WorkerMetricsTest, RpcAttemptsCountAttemptsAndRetriesByCode) {
  WorkerMetrics metrics;
  // tmbed: two transient failures retried, then success; seth: one permanent failure.
  metrics.ObserveRpcAttempt("tmbed", "UNAVAILABLE", milliseconds(3), true);
  metrics.ObserveRpcAttempt("tmbed", "UNAVAILABLE", milliseconds(4), true);
  metrics.ObserveRpcAttempt("tmbed", "OK", milliseconds(20), false);
  metrics.ObserveRpcAttempt("seth", "INVALID_ARGUMENT", milliseconds(1), false);

  const auto samples = ParseExposition(metrics.RenderText());
  EXPECT_EQ(SampleValue(samples, "triton_rpc_attempts_total", {{"model", "tmbed"}}), 3);
  EXPECT_EQ(SampleValue(samples, "triton_rpc_attempts_total", {{"model", "seth"}}), 1);
  EXPECT_EQ(SampleValue(samples, "triton_rpc_retries_total",
                        {{"model", "tmbed"}, {"code", "UNAVAILABLE"}}),
            2);
  EXPECT_FALSE(
      HasSample(samples, "triton_rpc_retries_total", {{"model", "tmbed"}, {"code", "OK"}}));
  EXPECT_FALSE(HasSample(samples, "triton_rpc_retries_total",
                         {{"model", "seth"}, {"code", "INVALID_ARGUMENT"}}));
  EXPECT_EQ(SampleValue(samples, "triton_rpc_attempt_duration_seconds_count",
                        {{"model", "tmbed"}, {"code", "UNAVAILABLE"}}),
            2);
  EXPECT_EQ(SampleValue(samples, "triton_rpc_attempt_duration_seconds_bucket",
                        {{"model", "tmbed"}, {"code", "UNAVAILABLE"}, {"le", "0.005"}}),
            2);
  EXPECT_EQ(SampleValue(samples, "triton_rpc_attempt_duration_seconds_bucket",
                        {{"model", "tmbed"}, {"code", "OK"}, {"le", "0.01"}}),
            0);
  EXPECT_EQ(SampleValue(samples, "triton_rpc_attempt_duration_seconds_bucket",
                        {{"model", "tmbed"}, {"code", "OK"}, {"le", "0.025"}}),
            1);
  const auto bounds = BucketBounds(samples, "triton_rpc_attempt_duration_seconds",
                                   {{"model", "tmbed"}, {"code", "OK"}});
  ASSERT_FALSE(bounds.empty());
  EXPECT_LT(bounds.front(), 0.05) << "finer than protifer's first bucket";
  EXPECT_EQ(bounds.back(), kInf);
  // protifer's histogram is untouched by attempt observations.
  EXPECT_FALSE(HasSample(samples, "triton_model_infer_duration_seconds_count",
                         {{"model", "tmbed"}, {"status", "success"}}));
}

TEST(WorkerMetricsTest, PermitWaitHistogramByModel) {
  WorkerMetrics metrics;
  metrics.ObservePermitWait("bind_embed", std::chrono::microseconds(200));
  metrics.ObservePermitWait("bind_embed", std::chrono::seconds(45));
  const auto samples = ParseExposition(metrics.RenderText());
  EXPECT_EQ(
      SampleValue(samples, "triton_infer_permit_wait_seconds_count", {{"model", "bind_embed"}}), 2);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_wait_seconds_bucket",
                        {{"model", "bind_embed"}, {"le", "0.001"}}),
            1);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_wait_seconds_bucket",
                        {{"model", "bind_embed"}, {"le", "30"}}),
            1);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_wait_seconds_bucket",
                        {{"model", "bind_embed"}, {"le", "60"}}),
            2);
}

TEST(WorkerMetricsTest, SemaphoreGaugesCanBePushed) {
  WorkerMetrics metrics;
  metrics.SetSemaphoreState({.in_use = 5, .waiters = 12, .capacity = 8});
  const auto samples = ParseExposition(metrics.RenderText());
  EXPECT_EQ(SampleValue(samples, "triton_infer_permits_in_use", {}), 5);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_waiters", {}), 12);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_capacity", {}), 8);
}

TEST(WorkerMetricsTest, WatchedSemaphoreIsSampledAtEveryScrape) {
  concurrency::FifoSemaphore semaphore(2);
  WorkerMetrics metrics;
  metrics.WatchSemaphore(semaphore);

  auto first = semaphore.AcquireFuture().get();
  auto second = semaphore.AcquireFuture().get();
  std::future<concurrency::FifoSemaphore::Permit> third = semaphore.AcquireFuture();
  auto samples = ParseExposition(metrics.RenderText());
  EXPECT_EQ(SampleValue(samples, "triton_infer_permits_in_use", {}), 2);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_waiters", {}), 1);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_capacity", {}), 2);

  first.Release();  // handed to the waiter
  semaphore.SetCapacity(4);
  samples = ParseExposition(metrics.RenderText());
  EXPECT_EQ(SampleValue(samples, "triton_infer_permits_in_use", {}), 2);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_waiters", {}), 0);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_capacity", {}), 4);

  // A sampler overrides pushed values at the next scrape.
  metrics.SetSemaphoreState({.in_use = 99, .waiters = 99, .capacity = 99});
  samples = ParseExposition(metrics.RenderText());
  EXPECT_EQ(SampleValue(samples, "triton_infer_permits_in_use", {}), 2);

  metrics.SampleSemaphoreWith({});  // unwatch before the semaphore's permits go away
  third.get().Release();
  second.Release();
}

TEST(WorkerMetricsTest, AThrowingSamplerKeepsThePreviousValues) {
  WorkerMetrics metrics;
  metrics.SetSemaphoreState({.in_use = 3, .waiters = 4, .capacity = 8});
  metrics.SampleSemaphoreWith(
      []() -> SemaphoreState { throw std::runtime_error("sampler broke"); });
  std::string text;
  ASSERT_NO_THROW(text = metrics.RenderText());
  const auto samples = ParseExposition(text);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permits_in_use", {}), 3);
  EXPECT_EQ(SampleValue(samples, "triton_infer_permit_waiters", {}), 4);
}

TEST(WorkerMetricsTest, CollectableOutlivesMetricsAndStopsSampling) {
  std::shared_ptr<prometheus::Collectable> collectable;
  auto samples_taken = std::make_shared<std::atomic<int>>(0);
  {
    WorkerMetrics metrics;
    metrics.SampleSemaphoreWith([samples_taken] {
      ++*samples_taken;
      return SemaphoreState{1, 0, 8};
    });
    metrics.ObserveModelInfer("seth", "success", milliseconds(1));
    collectable = metrics.collectable();
    EXPECT_FALSE(collectable->Collect().empty());
    EXPECT_EQ(samples_taken->load(), 1);
  }
  EXPECT_FALSE(collectable->Collect().empty());
  EXPECT_EQ(samples_taken->load(), 1) << "the sampler is uninstalled when the metrics die";
}

TEST(WorkerMetricsTest, ConcurrentObservationsAreAllCounted) {
  WorkerMetrics metrics;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      const std::string model = (t % 2 == 0) ? "seth" : "tmbed";
      for (int i = 0; i < kPerThread; ++i) {
        metrics.ObserveModelInfer(model, "success", milliseconds(1));
        metrics.ObserveRpcAttempt(model, "OK", milliseconds(1), false);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto samples = ParseExposition(metrics.RenderText());
  for (const std::string model : {"seth", "tmbed"}) {
    EXPECT_EQ(SampleValue(samples, "triton_model_infer_duration_seconds_count",
                          {{"model", model}, {"status", "success"}}),
              kThreads / 2 * kPerThread);
    EXPECT_EQ(SampleValue(samples, "triton_rpc_attempts_total", {{"model", model}}),
              kThreads / 2 * kPerThread);
  }
}

TEST(WorkerMetricsTest, RegistryAcceptsMetricsOfOtherLayers) {
  WorkerMetrics metrics;
  prometheus::BuildCounter()
      .Name("queue_jobs_fetched_total")
      .Help("test")
      .Register(metrics.registry())
      .Add({})
      .Increment(3);
  const auto samples = ParseExposition(metrics.RenderText());
  EXPECT_EQ(SampleValue(samples, "queue_jobs_fetched_total", {}), 3);
}

TEST(WorkerMetricsTest, MetricsInstancesAreIsolated) {
  WorkerMetrics a;
  WorkerMetrics b;
  a.ObservePredictionJob(JobStatus::kSuccess, milliseconds(1));
  EXPECT_THAT(b.RenderText(), Not(HasSubstr("prediction_job_duration_seconds")));
}

TEST(TritonStatusLabelTest, MapsProtifersFiveCodesAndFallsBackToInternal) {
  EXPECT_EQ(ClassifyTritonStatus(3), "INVALID_ARGUMENT");
  EXPECT_EQ(ClassifyTritonStatus(4), "DEADLINE_EXCEEDED");
  EXPECT_EQ(ClassifyTritonStatus(5), "NOT_FOUND");
  EXPECT_EQ(ClassifyTritonStatus(13), "INTERNAL");
  EXPECT_EQ(ClassifyTritonStatus(14), "UNAVAILABLE");
  EXPECT_EQ(ClassifyTritonStatus(8), "INTERNAL");  // RESOURCE_EXHAUSTED is not in the map
  EXPECT_EQ(ClassifyTritonStatus(999), "INTERNAL");
  EXPECT_EQ(ClassifyTritonStatus(std::nullopt), "INTERNAL");
}

}  // namespace
}  // namespace protifer::obs

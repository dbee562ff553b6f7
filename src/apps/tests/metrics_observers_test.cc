#include "apps/metrics_observers.h"

#include <gtest/gtest.h>

#include "apps/tests/log_capture.h"

namespace protifer::apps {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(MetricsObserversTest, DispatchObservationsLandInProtifersHistograms) {
  obs::WorkerMetrics metrics;
  MetricsDispatchObserver observer(metrics);
  observer.OnModelCall("seth", "success", 0.2);
  observer.OnModelCall("tmbed", "UNAVAILABLE", 0.1);
  observer.OnPermitWait("seth", 0.01);
  observer.OnFanOut("success", 0.3);
  observer.OnFanOut("failure", 0.4);
  const std::string text = metrics.RenderText();
  EXPECT_TRUE(
      Has(text, R"(triton_model_infer_duration_seconds_count{model="seth",status="success"} 1)"));
  EXPECT_TRUE(Has(
      text, R"(triton_model_infer_duration_seconds_count{model="tmbed",status="UNAVAILABLE"} 1)"));
  EXPECT_TRUE(Has(text, R"(triton_infer_permit_wait_seconds_count{model="seth"} 1)"));
  EXPECT_TRUE(Has(text, R"(prediction_job_duration_seconds_count{status="success"} 1)"));
  EXPECT_TRUE(Has(text, R"(prediction_job_duration_seconds_count{status="failure"} 1)"));
}

TEST(MetricsObserversTest, EmbeddingObservationsLandInProtifersHistograms) {
  obs::WorkerMetrics metrics;
  MetricsEmbeddingObserver observer(metrics);
  observer.OnModelCall("prot_t5_pipeline", "INTERNAL", 1.5);
  observer.OnEmbeddingJob("failure", 1.6);
  const std::string text = metrics.RenderText();
  EXPECT_TRUE(Has(
      text,
      R"(triton_model_infer_duration_seconds_count{model="prot_t5_pipeline",status="INTERNAL"} 1)"));
  EXPECT_TRUE(Has(text, R"(embedding_job_duration_seconds_count{status="failure"} 1)"));
}

TEST(MetricsObserversTest, AttemptsAreCountedAndRetriesLogged) {
  obs::WorkerMetrics metrics;
  testing::LogCapture log;
  const auto record = RecordAttempts(metrics, log.logger());
  triton::AttemptRecord failed;
  failed.model_name = "prott5_sec";
  failed.attempt = 1;
  failed.code = grpc::StatusCode::UNAVAILABLE;
  failed.rpc_duration = std::chrono::milliseconds(30);
  failed.will_retry = true;
  failed.backoff = std::chrono::milliseconds(80);
  record(failed);
  triton::AttemptRecord succeeded = failed;
  succeeded.attempt = 2;
  succeeded.code = grpc::StatusCode::OK;
  succeeded.will_retry = false;
  record(succeeded);

  const std::string text = metrics.RenderText();
  EXPECT_TRUE(Has(text, R"(triton_rpc_attempts_total{model="prott5_sec"} 2)"));
  EXPECT_TRUE(Has(text, R"(triton_rpc_retries_total{code="UNAVAILABLE",model="prott5_sec"} 1)"));
  const auto lines = log.Lines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0]["msg"], "Triton call failed — retrying");
  EXPECT_EQ(lines[0]["level"], 40);
  EXPECT_EQ(lines[0]["model"], "prott5_sec");
  EXPECT_EQ(lines[0]["code"], "UNAVAILABLE");
  EXPECT_EQ(lines[0]["attempt"], 1);
  EXPECT_EQ(lines[0]["backoffMs"], 80);
}

}  // namespace
}  // namespace protifer::apps

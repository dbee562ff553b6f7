#include "stub_metrics.h"

#include <algorithm>

namespace protifer::kserve_stub {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;

double Micros(std::chrono::nanoseconds duration) {
  return static_cast<double>(duration.count()) / 1000.0;
}

constexpr const char* kVersion = "1";

}  // namespace

StubMetrics::StubMetrics(const ModelCatalog& catalog, double time_scale)
    : registry_(std::make_shared<prometheus::Registry>()) {
  auto& success = BuildCounter()
                      .Name("nv_inference_request_success")
                      .Help("Number of successful inference requests, all batch sizes")
                      .Register(*registry_);
  auto& failure = BuildCounter()
                      .Name("nv_inference_request_failure")
                      .Help("Number of failed inference requests, all batch sizes")
                      .Register(*registry_);
  auto& count = BuildCounter()
                    .Name("nv_inference_count")
                    .Help("Number of inferences performed (does not include cached requests)")
                    .Register(*registry_);
  auto& exec = BuildCounter()
                   .Name("nv_inference_exec_count")
                   .Help("Number of model executions performed (does not include cached requests)")
                   .Register(*registry_);
  auto& request_us = BuildCounter()
                         .Name("nv_inference_request_duration_us")
                         .Help("Cumulative inference request duration in microseconds")
                         .Register(*registry_);
  auto& queue_us = BuildCounter()
                       .Name("nv_inference_queue_duration_us")
                       .Help("Cumulative inference queuing duration in microseconds")
                       .Register(*registry_);
  auto& input_us = BuildCounter()
                       .Name("nv_inference_compute_input_duration_us")
                       .Help("Cumulative compute input duration in microseconds")
                       .Register(*registry_);
  auto& infer_us = BuildCounter()
                       .Name("nv_inference_compute_infer_duration_us")
                       .Help("Cumulative compute inference duration in microseconds")
                       .Register(*registry_);
  auto& output_us = BuildCounter()
                        .Name("nv_inference_compute_output_duration_us")
                        .Help("Cumulative inference compute output duration in microseconds")
                        .Register(*registry_);
  auto& pending = BuildGauge()
                      .Name("nv_inference_pending_request_count")
                      .Help("Instantaneous number of pending requests awaiting execution")
                      .Register(*registry_);
  auto& busy = BuildCounter()
                   .Name("kserve_stub_instance_busy_us")
                   .Help(
                       "Cumulative time each model instance spent executing batches, in "
                       "microseconds (utilisation = rate / instances)")
                   .Register(*registry_);
  auto& instances = BuildGauge()
                        .Name("kserve_stub_instance_count")
                        .Help("Configured instances of the model")
                        .Register(*registry_);
  auto& inflight = BuildGauge()
                       .Name("kserve_stub_inflight_requests")
                       .Help("ModelInfer calls currently in flight for the model")
                       .Register(*registry_);
  auto& inflight_peak = BuildGauge()
                            .Name("kserve_stub_inflight_requests_peak")
                            .Help(
                                "Highest number of ModelInfer calls in flight for the model "
                                "since start or the last reset-peaks")
                            .Register(*registry_);
  auto& server_inflight = BuildGauge()
                              .Name("kserve_stub_server_inflight_requests")
                              .Help("ModelInfer calls currently in flight, whole server")
                              .Register(*registry_);
  auto& server_peak = BuildGauge()
                          .Name("kserve_stub_server_inflight_requests_peak")
                          .Help(
                              "Highest number of ModelInfer calls in flight, whole server, "
                              "since start or the last reset-peaks")
                          .Register(*registry_);
  faults_ = &BuildCounter()
                 .Name("kserve_stub_injected_faults")
                 .Help("Scripted faults applied, by model and kind")
                 .Register(*registry_);
  BuildGauge()
      .Name("kserve_stub_time_scale")
      .Help("Factor applied to every simulated duration (--time-scale)")
      .Register(*registry_)
      .Add({})
      .Set(time_scale);

  server_inflight_ = &server_inflight.Add({});
  server_inflight_peak_ = &server_peak.Add({});
  for (const ModelSpec& model : catalog.models()) {
    const prometheus::Labels labels{{"model", model.name}, {"version", kVersion}};
    auto with_reason = [&](const char* reason) {
      prometheus::Labels extended = labels;
      extended["reason"] = reason;
      return &failure.Add(extended);
    };
    ModelSeries series;
    series.success = &success.Add(labels);
    series.failure_rejected = with_reason("REJECTED");
    series.failure_backend = with_reason("BACKEND");
    series.failure_other = with_reason("OTHER");
    series.inference_count = &count.Add(labels);
    series.exec_count = &exec.Add(labels);
    series.request_duration = &request_us.Add(labels);
    series.queue_duration = &queue_us.Add(labels);
    series.compute_input_duration = &input_us.Add(labels);
    series.compute_infer_duration = &infer_us.Add(labels);
    series.compute_output_duration = &output_us.Add(labels);
    series.pending = &pending.Add(labels);
    series.inflight = &inflight.Add({{"model", model.name}});
    series.inflight_peak = &inflight_peak.Add({{"model", model.name}});
    if (!model.IsEnsemble()) {
      instances.Add(labels).Set(model.instance_count);
      for (int i = 0; i < model.instance_count; ++i) {
        prometheus::Labels instance_labels = labels;
        instance_labels["instance"] = std::to_string(i);
        series.instance_busy.push_back(&busy.Add(instance_labels));
      }
    }
    models_.emplace(model.name, std::move(series));
  }
}

StubMetrics::ModelSeries* StubMetrics::Find(std::string_view model) {
  auto it = models_.find(model);
  return it == models_.end() ? nullptr : &it->second;
}

const StubMetrics::ModelSeries* StubMetrics::Find(std::string_view model) const {
  auto it = models_.find(model);
  return it == models_.end() ? nullptr : &it->second;
}

void StubMetrics::CallStarted(std::string_view model) {
  std::lock_guard lock(inflight_mutex_);
  ++server_inflight_now_;
  server_inflight_max_ = std::max(server_inflight_max_, server_inflight_now_);
  server_inflight_->Set(static_cast<double>(server_inflight_now_));
  server_inflight_peak_->Set(static_cast<double>(server_inflight_max_));
  if (ModelSeries* series = Find(model)) {
    ++series->inflight_now;
    series->inflight_max = std::max(series->inflight_max, series->inflight_now);
    series->inflight->Set(static_cast<double>(series->inflight_now));
    series->inflight_peak->Set(static_cast<double>(series->inflight_max));
  }
}

void StubMetrics::CallFinished(std::string_view model) {
  std::lock_guard lock(inflight_mutex_);
  --server_inflight_now_;
  server_inflight_->Set(static_cast<double>(server_inflight_now_));
  if (ModelSeries* series = Find(model)) {
    --series->inflight_now;
    series->inflight->Set(static_cast<double>(series->inflight_now));
  }
}

void StubMetrics::ResetPeaks() {
  std::lock_guard lock(inflight_mutex_);
  server_inflight_max_ = server_inflight_now_;
  server_inflight_peak_->Set(static_cast<double>(server_inflight_max_));
  for (auto& [name, series] : models_) {
    series.inflight_max = series.inflight_now;
    series.inflight_peak->Set(static_cast<double>(series.inflight_max));
  }
}

void StubMetrics::RequestSucceeded(std::string_view model,
                                   std::chrono::nanoseconds request_duration) {
  if (ModelSeries* series = Find(model)) {
    series->success->Increment();
    series->request_duration->Increment(Micros(request_duration));
  }
}

void StubMetrics::RequestFailed(std::string_view model, FailureReason reason) {
  if (ModelSeries* series = Find(model)) {
    switch (reason) {
      case FailureReason::kRejected:
        series->failure_rejected->Increment();
        break;
      case FailureReason::kBackend:
        series->failure_backend->Increment();
        break;
      case FailureReason::kOther:
        series->failure_other->Increment();
        break;
    }
  }
}

void StubMetrics::RequestQueued(std::string_view model) {
  if (ModelSeries* series = Find(model)) series->pending->Increment();
}

void StubMetrics::RequestDequeued(std::string_view model, std::chrono::nanoseconds queue_duration) {
  if (ModelSeries* series = Find(model)) {
    series->pending->Decrement();
    series->queue_duration->Increment(Micros(queue_duration));
  }
}

void StubMetrics::BatchExecuted(std::string_view model, int instance, std::int64_t requests,
                                std::int64_t inferences, std::chrono::nanoseconds busy) {
  ModelSeries* series = Find(model);
  if (series == nullptr) return;
  series->exec_count->Increment();
  series->inference_count->Increment(static_cast<double>(inferences));
  // Triton accumulates compute time per request, so a batch of n adds n times its duration.
  series->compute_infer_duration->Increment(Micros(busy) * static_cast<double>(requests));
  series->compute_input_duration->Increment(0);
  series->compute_output_duration->Increment(0);
  if (instance >= 0 && static_cast<std::size_t>(instance) < series->instance_busy.size()) {
    series->instance_busy[static_cast<std::size_t>(instance)]->Increment(Micros(busy));
  }
}

void StubMetrics::FaultInjected(std::string_view model, std::string_view kind) {
  faults_->Add({{"model", std::string(model)}, {"kind", std::string(kind)}}).Increment();
}

ModelMetricsSnapshot StubMetrics::Snapshot(std::string_view model) const {
  ModelMetricsSnapshot snapshot;
  const ModelSeries* series = Find(model);
  if (series == nullptr) return snapshot;
  snapshot.success = series->success->Value();
  snapshot.failure = series->failure_rejected->Value() + series->failure_backend->Value() +
                     series->failure_other->Value();
  snapshot.inference_count = series->inference_count->Value();
  snapshot.exec_count = series->exec_count->Value();
  snapshot.request_duration_us = series->request_duration->Value();
  snapshot.queue_duration_us = series->queue_duration->Value();
  snapshot.compute_infer_duration_us = series->compute_infer_duration->Value();
  snapshot.pending = series->pending->Value();
  snapshot.inflight = series->inflight->Value();
  snapshot.inflight_peak = series->inflight_peak->Value();
  for (const auto* counter : series->instance_busy) {
    snapshot.instance_busy_us.push_back(counter->Value());
  }
  return snapshot;
}

double StubMetrics::ServerInflight() const { return server_inflight_->Value(); }

double StubMetrics::ServerInflightPeak() const { return server_inflight_peak_->Value(); }

}  // namespace protifer::kserve_stub

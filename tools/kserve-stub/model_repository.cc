#include "model_repository.h"

#include <utility>

namespace protifer::kserve_stub {

ModelRepository::ModelRepository(const ModelCatalog& catalog, TimerQueue& timers, ComputePool& pool,
                                 StubMetrics& metrics, double time_scale, StepGate step_gate)
    : metrics_(metrics) {
  for (const ModelSpec& model : catalog.models()) {
    if (model.IsEnsemble()) {
      ensemble_schedulers_.emplace(
          model.name, std::make_unique<EnsembleScheduler>(
                          model, catalog,
                          [this](const ModelSpec& step, ValidatedRequest request, InferDone done) {
                            Infer(step, std::move(request), std::move(done));
                          },
                          step_gate, metrics));
    } else {
      leaf_schedulers_.emplace(
          model.name, std::make_unique<ModelScheduler>(model, timers, pool, metrics, time_scale));
    }
  }
}

void ModelRepository::Infer(const ModelSpec& model, ValidatedRequest request, InferDone done) {
  const Clock::time_point started = Clock::now();
  InferDone accounted = [this, &model, started, done = std::move(done)](grpc::Status status,
                                                                        TensorList outputs) {
    if (status.ok()) {
      metrics_.RequestSucceeded(model.name, Clock::now() - started);
    } else {
      metrics_.RequestFailed(model.name, StubMetrics::FailureReason::kBackend);
    }
    done(std::move(status), std::move(outputs));
  };
  if (auto leaf = leaf_schedulers_.find(model.name); leaf != leaf_schedulers_.end()) {
    leaf->second->Enqueue(std::move(request), std::move(accounted));
    return;
  }
  if (auto ensemble = ensemble_schedulers_.find(model.name);
      ensemble != ensemble_schedulers_.end()) {
    ensemble->second->Enqueue(std::move(request), std::move(accounted));
    return;
  }
  accounted(grpc::Status(grpc::StatusCode::NOT_FOUND,
                         "Request for unknown model: '" + model.name + "' is not found"),
            {});
}

}  // namespace protifer::kserve_stub

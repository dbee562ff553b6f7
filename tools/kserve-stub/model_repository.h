// The loaded models: one ModelScheduler per leaf model, one EnsembleScheduler per ensemble, and
// the per-model success/failure accounting Triton does for every request it runs (ensemble steps
// included).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "compute_pool.h"
#include "ensemble_scheduler.h"
#include "model_catalog.h"
#include "model_scheduler.h"
#include "stub_metrics.h"
#include "timer_queue.h"

namespace protifer::kserve_stub {

class ModelRepository {
 public:
  // `step_gate` (may be empty) admits each ensemble step request (see StepGate).
  // Builds every model function up front (throws CatalogError on a bad function block), the way
  // Triton fails model loading rather than the first request.
  ModelRepository(const ModelCatalog& catalog, TimerQueue& timers, ComputePool& pool,
                  StubMetrics& metrics, double time_scale, StepGate step_gate = nullptr);

  // Runs a validated request on `model`; `done` runs exactly once, from a pool or timer thread
  // (or synchronously for an immediate rejection such as a full queue).
  void Infer(const ModelSpec& model, ValidatedRequest request, InferDone done);

 private:
  StubMetrics& metrics_;
  std::map<std::string, std::unique_ptr<ModelScheduler>, std::less<>> leaf_schedulers_;
  std::map<std::string, std::unique_ptr<EnsembleScheduler>, std::less<>> ensemble_schedulers_;
};

}  // namespace protifer::kserve_stub

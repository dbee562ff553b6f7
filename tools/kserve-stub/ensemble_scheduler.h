// Runs an ensemble the way Triton's ensemble scheduler does: a step starts as soon as every
// tensor it maps is available (so tmbed's five CVs run concurrently, then the Viterbi step), each
// step is a real request to its own model (own queue, instances, batching, metrics), and a step
// error fails the ensemble with "in ensemble '<name>', <step error>" once the steps already
// running have finished.
#pragma once

#include <functional>

#include "model_catalog.h"
#include "model_scheduler.h"
#include "request_validator.h"
#include "stub_metrics.h"

namespace protifer::kserve_stub {

// Admission of one step request, before validation, as Triton looks the step model up first
// (scripted faults and readiness of step models act here). OK lets the step run.
using StepGate = std::function<grpc::Status(const ModelSpec& model)>;

// Runs one validated request on a (leaf) model; provided by the ModelRepository.
using StepRunner =
    std::function<void(const ModelSpec& model, ValidatedRequest request, InferDone done)>;

class EnsembleScheduler {
 public:
  EnsembleScheduler(const ModelSpec& ensemble, const ModelCatalog& catalog, StepRunner run_step,
                    StepGate gate, StubMetrics& metrics);

  // `request` borrows from the client's gRPC request, which stays alive until `done` has run;
  // the ensemble calls `done` only after every step it started has finished.
  void Enqueue(ValidatedRequest request, InferDone done);

 private:
  const ModelSpec& ensemble_;
  const ModelCatalog& catalog_;
  StepRunner run_step_;
  StepGate gate_;
  StubMetrics& metrics_;
};

}  // namespace protifer::kserve_stub

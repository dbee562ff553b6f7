// What the fan-out reports about itself, so metrics stay out of the dispatch layer (the apps
// layer implements this with Prometheus histograms; tests record the calls).
//
// Every method is called on the thread that runs DispatchAll, after all of the job's calls have
// settled (never on a gRPC thread), in registry order. Implementations shared by concurrent jobs
// must be thread-safe; none may throw.
#pragma once

#include <string_view>

namespace protifer::prediction {

class DispatchObserver {
 public:
  virtual ~DispatchObserver() = default;

  // triton_model_infer_duration_seconds{model, status}: one per adapter per job, protifer's
  // scope: request building + permit wait + every attempt and backoff + decode. `status` is
  // "success" or the stored ModelErrorCode name.
  virtual void OnModelCall(std::string_view model_name, std::string_view status, double seconds);

  // Time between asking the shared semaphore for a permit and being granted one (finer metric,
  // DESIGN §4 item 5). Not reported for a model whose request could not be built.
  virtual void OnPermitWait(std::string_view model_name, double seconds);

  // Time the permit was held: ModelInferAsync until its completion, i.e. all attempts and
  // backoff inside the client. `status` as in OnModelCall but for the call alone (a response
  // that later fails to decode is "success" here).
  virtual void OnInferCall(std::string_view model_name, std::string_view status, double seconds);

  // prediction_job_duration_seconds{status}: wall clock of the whole fan-out; "success" when at
  // least one model produced an output, else "failure".
  virtual void OnFanOut(std::string_view status, double seconds);

  // A model not called because its result was kept from an earlier attempt of the job.
  virtual void OnResultReused(std::string_view model_name);

 protected:
  DispatchObserver() = default;
  DispatchObserver(const DispatchObserver&) = default;
  DispatchObserver& operator=(const DispatchObserver&) = default;
};

// An observer that ignores everything (the default of DispatchAll).
DispatchObserver& NoopDispatchObserver();

}  // namespace protifer::prediction

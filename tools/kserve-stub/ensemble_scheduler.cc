#include "ensemble_scheduler.h"

#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace protifer::kserve_stub {
namespace {

// State of one ensemble request; kept alive by the callbacks of its running steps.
class EnsembleRun : public std::enable_shared_from_this<EnsembleRun> {
 public:
  EnsembleRun(const ModelSpec& ensemble, const ModelCatalog& catalog, const StepRunner& run_step,
              const StepGate& gate, StubMetrics& metrics, ValidatedRequest request, InferDone done)
      : ensemble_(ensemble),
        catalog_(catalog),
        run_step_(run_step),
        gate_(gate),
        metrics_(metrics),
        batch_size_(request.batch_size),
        request_id_(request.request_id),
        done_(std::move(done)),
        started_(Clock::now()),
        launched_(ensemble.ensemble_steps.size(), false) {
    for (Tensor& tensor : request.inputs) {
      std::string name = tensor.name();
      tensors_.emplace(std::move(name), std::move(tensor));
    }
  }

  void LaunchReadySteps() {
    std::vector<std::pair<std::size_t, TensorList>> ready;
    {
      std::lock_guard lock(mutex_);
      if (!error_.ok()) return;
      for (std::size_t i = 0; i < ensemble_.ensemble_steps.size(); ++i) {
        if (launched_[i]) continue;
        const EnsembleStep& step = ensemble_.ensemble_steps[i];
        TensorList inputs;
        for (const auto& [step_tensor, ensemble_tensor] : step.input_map) {
          auto it = tensors_.find(ensemble_tensor);
          if (it == tensors_.end()) break;
          inputs.push_back(it->second.Renamed(step_tensor));
        }
        if (inputs.size() != step.input_map.size()) continue;
        launched_[i] = true;
        ++running_;
        ready.emplace_back(i, std::move(inputs));
      }
    }
    for (auto& [index, inputs] : ready) RunStep(index, std::move(inputs));
  }

 private:
  void RunStep(std::size_t index, TensorList inputs) {
    const EnsembleStep& step = ensemble_.ensemble_steps[index];
    const ModelSpec& model = *catalog_.Find(step.model);  // checked when the catalog loaded
    std::vector<std::string> requested;
    for (const auto& mapping : step.output_map) requested.push_back(mapping.first);
    auto self = shared_from_this();
    if (gate_) {
      grpc::Status admitted = gate_(model);
      if (!admitted.ok()) {
        OnStepDone(index, std::move(admitted), {});
        return;
      }
    }
    ValidatedRequest validated;
    grpc::Status status = ValidateStepRequest(model, std::move(inputs), std::move(requested),
                                              request_id_, &validated);
    if (!status.ok()) {
      metrics_.RequestFailed(model.name, StubMetrics::FailureReason::kRejected);
      OnStepDone(index, status, {});
      return;
    }
    run_step_(model, std::move(validated), [self, index](grpc::Status step_status, TensorList out) {
      self->OnStepDone(index, std::move(step_status), std::move(out));
    });
  }

  void OnStepDone(std::size_t index, grpc::Status status, TensorList outputs) {
    bool finished = false;
    {
      std::lock_guard lock(mutex_);
      --running_;
      ++completed_;
      if (!status.ok()) {
        if (error_.ok()) {
          error_ = grpc::Status(status.error_code(),
                                "in ensemble '" + ensemble_.name + "', " + status.error_message());
        }
      } else {
        for (const auto& [step_tensor, ensemble_tensor] :
             ensemble_.ensemble_steps[index].output_map) {
          if (const Tensor* produced = FindTensor(outputs, step_tensor)) {
            tensors_.insert_or_assign(ensemble_tensor, produced->Renamed(ensemble_tensor));
          }
        }
      }
      finished = (!error_.ok() && running_ == 0) || completed_ == ensemble_.ensemble_steps.size();
    }
    if (finished) {
      Finish();
    } else {
      LaunchReadySteps();
    }
  }

  void Finish() {
    grpc::Status status;
    TensorList outputs;
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      finished_ = true;
      status = error_;
      if (status.ok()) {
        for (const TensorSpec& spec : ensemble_.outputs) {
          auto it = tensors_.find(spec.name);
          if (it == tensors_.end()) {
            status = grpc::Status(grpc::StatusCode::INTERNAL, "in ensemble '" + ensemble_.name +
                                                                  "', output '" + spec.name +
                                                                  "' was not produced");
            outputs.clear();
            break;
          }
          outputs.push_back(it->second);
        }
      }
      tensors_.clear();
    }
    if (status.ok()) {
      metrics_.BatchExecuted(ensemble_.name, -1, 1, std::max<std::int64_t>(1, batch_size_),
                             Clock::now() - started_);
    }
    InferDone done = std::move(done_);
    done(std::move(status), std::move(outputs));
  }

  const ModelSpec& ensemble_;
  const ModelCatalog& catalog_;
  const StepRunner& run_step_;
  const StepGate& gate_;
  StubMetrics& metrics_;
  const std::int64_t batch_size_;
  const std::string request_id_;
  InferDone done_;
  const Clock::time_point started_;

  std::mutex mutex_;
  std::map<std::string, Tensor> tensors_;
  std::vector<bool> launched_;
  std::size_t running_ = 0;
  std::size_t completed_ = 0;
  grpc::Status error_;
  bool finished_ = false;
};

}  // namespace

EnsembleScheduler::EnsembleScheduler(const ModelSpec& ensemble, const ModelCatalog& catalog,
                                     StepRunner run_step, StepGate gate, StubMetrics& metrics)
    : ensemble_(ensemble),
      catalog_(catalog),
      run_step_(std::move(run_step)),
      gate_(std::move(gate)),
      metrics_(metrics) {}

void EnsembleScheduler::Enqueue(ValidatedRequest request, InferDone done) {
  auto run = std::make_shared<EnsembleRun>(ensemble_, catalog_, run_step_, gate_, metrics_,
                                           std::move(request), std::move(done));
  run->LaunchReadySteps();
}

}  // namespace protifer::kserve_stub

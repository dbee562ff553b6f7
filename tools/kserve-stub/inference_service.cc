#include "inference_service.h"

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include "json_log.h"
#include "request_validator.h"

namespace protifer::kserve_stub {
namespace {

void Corrupt(Corruption corruption, inference::ModelInferResponse* response) {
  for (std::string& raw : *response->mutable_raw_output_contents()) {
    if (corruption == Corruption::kTruncate) {
      if (!raw.empty()) raw.pop_back();
    } else {
      raw += std::string(raw);
    }
  }
}

// Triton's GetModelVersionFromString: "" means latest (-1), otherwise std::stol semantics.
grpc::Status ParseVersion(const std::string& text, std::int64_t* version) {
  if (text.empty()) {
    *version = -1;
    return grpc::Status::OK;
  }
  try {
    *version = std::stol(text);
  } catch (const std::exception& error) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "failed to get model version from specified version string '" + text +
                "' (details: " + error.what() + "), version should be an integral value > 0"};
  }
  if (*version < 0) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "invalid model version specified '" + text +
                                                    "' , version should be an integral value > 0"};
  }
  return grpc::Status::OK;
}

void AddTensorMetadata(const ModelSpec& model, const TensorSpec& spec,
                       inference::ModelMetadataResponse::TensorMetadata* metadata) {
  metadata->set_name(spec.name);
  metadata->set_datatype(std::string(ProtocolName(spec.datatype)));
  if (model.max_batch_size > 0) metadata->add_shape(-1);
  for (std::int64_t dim : spec.dims) metadata->add_shape(dim);
}

}  // namespace

InferenceService::InferenceService(Dependencies dependencies) : deps_(dependencies) {}

void InferenceService::CallStarted() {
  std::lock_guard lock(idle_mutex_);
  ++inflight_;
}

void InferenceService::CallFinished() {
  std::lock_guard lock(idle_mutex_);
  if (--inflight_ == 0) idle_.notify_all();
}

bool InferenceService::WaitUntilIdle(Clock::time_point deadline) {
  std::unique_lock lock(idle_mutex_);
  return idle_.wait_until(lock, deadline, [this] { return inflight_ == 0; });
}

grpc::Status InferenceService::LookUp(const std::string& name, const std::string& version_text,
                                      const ModelSpec** model) const {
  std::int64_t version = -1;
  grpc::Status status = ParseVersion(version_text, &version);
  if (!status.ok()) return status;
  const std::string prefix = "Request for unknown model: '" + name + "'";
  const ModelSpec* spec = deps_.catalog.Find(name);
  if (spec == nullptr) return {grpc::StatusCode::NOT_FOUND, prefix + " is not found"};
  if (version != -1 && version != 1) {
    return {grpc::StatusCode::NOT_FOUND,
            prefix + " version " + std::to_string(version) + " is not found"};
  }
  if (auto style = deps_.faults.NotReady(name)) return NotReadyStatus(name, *style, version != -1);
  *model = spec;
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* InferenceService::ServerLive(grpc::CallbackServerContext* context,
                                                       const inference::ServerLiveRequest*,
                                                       inference::ServerLiveResponse* response) {
  response->set_live(true);
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::ServerReady(grpc::CallbackServerContext* context,
                                                        const inference::ServerReadyRequest*,
                                                        inference::ServerReadyResponse* response) {
  // Triton's default --strict-readiness: the server is ready only when every model is.
  bool ready = deps_.faults.ServerReady();
  for (const ModelSpec& model : deps_.catalog.models()) {
    if (deps_.faults.NotReady(model.name)) ready = false;
  }
  response->set_ready(ready);
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::ModelReady(grpc::CallbackServerContext* context,
                                                       const inference::ModelReadyRequest* request,
                                                       inference::ModelReadyResponse* response) {
  auto* reactor = context->DefaultReactor();
  std::int64_t version = -1;
  grpc::Status status = ParseVersion(request->version(), &version);
  if (!status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  const ModelSpec* model = nullptr;
  // Unknown or unready models are "not ready", not an error (Triton answers the same).
  response->set_ready(deps_.faults.ServerReady() &&
                      LookUp(request->name(), request->version(), &model).ok());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::ServerMetadata(
    grpc::CallbackServerContext* context, const inference::ServerMetadataRequest*,
    inference::ServerMetadataResponse* response) {
  response->set_name(deps_.catalog.server_name());
  response->set_version(deps_.catalog.server_version());
  for (const char* extension :
       {"classification", "sequence", "model_repository", "model_repository(unload_dependents)",
        "schedule_policy", "model_configuration", "system_shared_memory", "cuda_shared_memory",
        "binary_tensor_data", "parameters", "statistics", "trace", "logging"}) {
    response->add_extensions(extension);
  }
  auto* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::ModelMetadata(
    grpc::CallbackServerContext* context, const inference::ModelMetadataRequest* request,
    inference::ModelMetadataResponse* response) {
  auto* reactor = context->DefaultReactor();
  const ModelSpec* model = nullptr;
  grpc::Status status = LookUp(request->name(), request->version(), &model);
  if (!status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  response->set_name(model->name);
  response->add_versions("1");
  response->set_platform(model->platform);
  for (const auto& input : model->inputs) AddTensorMetadata(*model, input, response->add_inputs());
  for (const auto& output : model->outputs) {
    AddTensorMetadata(*model, output, response->add_outputs());
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* InferenceService::ModelInfer(grpc::CallbackServerContext* context,
                                                       const inference::ModelInferRequest* request,
                                                       inference::ModelInferResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const Clock::time_point received = Clock::now();
  const ModelSpec* known = deps_.catalog.Find(request->model_name());
  const std::string model_label = known != nullptr ? known->name : std::string();
  CallStarted();
  deps_.metrics.CallStarted(model_label);
  auto finish = [this, reactor, model_label, received,
                 name = request->model_name()](const grpc::Status& status) {
    Log(LogLevel::kDebug, "ModelInfer",
        {{"model", name},
         {"code", static_cast<int>(status.error_code())},
         {"error", status.error_message()},
         {"duration_us",
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - received).count()}});
    deps_.metrics.CallFinished(model_label);
    reactor->Finish(status);  // request/response must not be touched after this
    CallFinished();
  };

  if (auto exit_code = deps_.faults.CountCall()) {
    Log(LogLevel::kWarn, "exit-after: terminating abruptly",
        {{"model", request->model_name()}, {"exit_code", *exit_code}});
    ::_exit(*exit_code);
  }
  if (shutting_down_) {
    finish({grpc::StatusCode::UNAVAILABLE,
            "GRPC server is shutting down and has stopped accepting new requests"});
    return reactor;
  }
  if (auto failure = deps_.faults.TakeFailure(request->model_name())) {
    deps_.metrics.FaultInjected(request->model_name(), "fail");
    if (known != nullptr) {
      deps_.metrics.RequestFailed(known->name, StubMetrics::FailureReason::kOther);
    }
    finish(*failure);
    return reactor;
  }
  const ModelSpec* model = nullptr;
  grpc::Status status = LookUp(request->model_name(), request->model_version(), &model);
  if (status.ok() && !deps_.faults.ServerReady()) {
    status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "Server not ready");
  }
  if (!status.ok()) {
    finish(status);
    return reactor;
  }
  ValidatedRequest validated;
  status = ValidateInferRequest(*model, *request, &validated);
  if (!status.ok()) {
    deps_.metrics.RequestFailed(model->name, StubMetrics::FailureReason::kRejected);
    finish(status);
    return reactor;
  }
  std::vector<std::string> requested = validated.requested_outputs;
  deps_.repository.Infer(
      *model, std::move(validated),
      [this, model, request, response, requested = std::move(requested),
       finish = std::move(finish)](grpc::Status result, TensorList outputs) {
        if (result.ok()) {
          BuildInferResponse(*model, request->id(), requested, std::move(outputs),
                             deps_.response.order.load(), deps_.response.contents.load(), response);
          if (auto corruption = deps_.faults.TakeCorruption(model->name)) {
            deps_.metrics.FaultInjected(model->name, "corrupt");
            Corrupt(*corruption, response);
          }
        }
        const std::chrono::milliseconds latency = deps_.faults.Latency(model->name);
        if (latency.count() > 0) {
          deps_.metrics.FaultInjected(model->name, "latency");
          deps_.timers.ScheduleAfter(latency, [finish, result] { finish(result); });
        } else {
          finish(result);
        }
      });
  return reactor;
}

}  // namespace protifer::kserve_stub

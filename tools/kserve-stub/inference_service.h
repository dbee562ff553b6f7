// The KServe v2 GRPCInferenceService, answered the way Triton answers it (callback API: no
// handler ever blocks; ModelInfer finishes from the scheduler threads).
//
// ModelInfer checks, in Triton's order: scripted faults, model_version syntax, model lookup
// (NOT_FOUND "Request for unknown model: 'x' is not found"), version ("" or "1"), readiness,
// server lifecycle ("Server not ready"), then request validation (request_validator.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "fault_injector.h"
#include "kserve/grpc_service.grpc.pb.h"
#include "model_catalog.h"
#include "model_repository.h"
#include "response_builder.h"
#include "stub_metrics.h"
#include "timer_queue.h"

namespace protifer::kserve_stub {

class InferenceService final : public inference::GRPCInferenceService::CallbackService {
 public:
  struct Dependencies {
    const ModelCatalog& catalog;
    ModelRepository& repository;
    FaultInjector& faults;
    ResponseSettings& response;
    StubMetrics& metrics;
    TimerQueue& timers;
  };

  explicit InferenceService(Dependencies dependencies);

  // New ModelInfer calls get UNAVAILABLE (Triton's shutdown message) from now on.
  void BeginShutdown() { shutting_down_ = true; }
  // Blocks until no ModelInfer call is in flight or `deadline` passes; true when idle.
  bool WaitUntilIdle(Clock::time_point deadline);

  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* context,
                                       const inference::ServerLiveRequest* request,
                                       inference::ServerLiveResponse* response) override;
  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* context,
                                        const inference::ServerReadyRequest* request,
                                        inference::ServerReadyResponse* response) override;
  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* context,
                                       const inference::ModelReadyRequest* request,
                                       inference::ModelReadyResponse* response) override;
  grpc::ServerUnaryReactor* ServerMetadata(grpc::CallbackServerContext* context,
                                           const inference::ServerMetadataRequest* request,
                                           inference::ServerMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* context,
                                          const inference::ModelMetadataRequest* request,
                                          inference::ModelMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* context,
                                       const inference::ModelInferRequest* request,
                                       inference::ModelInferResponse* response) override;

 private:
  // Triton's ModelRepositoryManager::GetModel outcome for (name, version string).
  grpc::Status LookUp(const std::string& name, const std::string& version,
                      const ModelSpec** model) const;

  void CallStarted();
  void CallFinished();

  Dependencies deps_;
  std::atomic<bool> shutting_down_{false};
  std::mutex idle_mutex_;
  std::condition_variable idle_;
  int inflight_ = 0;
};

}  // namespace protifer::kserve_stub

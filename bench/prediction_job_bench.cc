// CPU cost of one prediction job's fan-out on the worker side: building the 8 adapters'
// requests, the gRPC round trips through the project's Client, decoding the answers and
// serializing the StoredPredictionV2 document. CPU is process CPU time, so it includes the
// in-process server's work too:
// - BM_PredictionJobStub: the real kserve-stub with time_scale 1e-6 (simulated GPU waits are
//   negligible, but the stub still computes its model functions over [L, 1024]);
// - BM_PredictionJobCanned: a trivial CallbackService answering each model with a canned
//   response (recorded from the stub once during setup), so what remains is the worker's share
//   plus the server's gRPC transport.
//
//   prediction_job_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/registry.h"
#include "concurrency/fifo_semaphore.h"
#include "kserve-stub/server.h"
#include "prediction/dispatch.h"
#include "prediction/stored_prediction.h"
#include "triton/client.h"

namespace {

using namespace std::chrono_literals;

// A job's inputs for `seq_len` residues, owned so that AdapterContext's spans stay valid.
struct JobInputs {
  explicit JobInputs(std::size_t seq_len)
      : embedding(seq_len * protifer::adapters::kEmbeddingDim), mask(seq_len, 1.0f) {
    for (std::size_t i = 0; i < embedding.size(); ++i) {
      embedding[i] = static_cast<float>(i % 97) / 97.0f - 0.5f;
    }
    constexpr std::string_view kAminoAcids = "ACDEFGHIKLMNPQRSTVWY";
    for (std::size_t i = 0; i < seq_len; ++i) {
      sequence.push_back(kAminoAcids[i % kAminoAcids.size()]);
    }
    context = {embedding, seq_len, mask, sequence};
  }

  std::vector<float> embedding;
  std::vector<float> mask;
  std::string sequence;
  protifer::adapters::AdapterContext context;
};

nlohmann::ordered_json PredictionModels() {
  nlohmann::ordered_json models = nlohmann::ordered_json::array();
  for (const protifer::adapters::Adapter* adapter : protifer::adapters::DefaultAdapters()) {
    models.push_back({{"name", adapter->output_key()}, {"version", "dev"}});
  }
  return models;
}

std::unique_ptr<protifer::kserve_stub::StubServer> StartStub() {
  protifer::kserve_stub::StubOptions stub_options;
  stub_options.time_scale = 1e-6;
  stub_options.shutdown_grace = 100ms;
  return protifer::kserve_stub::StubServer::Start(std::move(stub_options));
}

std::unique_ptr<protifer::triton::Client> ConnectTo(const std::string& target) {
  protifer::triton::ClientOptions client_options;
  client_options.target = target;
  return std::make_unique<protifer::triton::Client>(std::move(client_options));
}

// Answers ModelInfer with the response recorded for the request's model, nothing else.
class CannedInferenceService final : public inference::GRPCInferenceService::CallbackService {
 public:
  explicit CannedInferenceService(std::map<std::string, inference::ModelInferResponse> responses)
      : responses_(std::move(responses)) {}

  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* context,
                                       const inference::ModelInferRequest* request,
                                       inference::ModelInferResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const auto found = responses_.find(request->model_name());
    if (found == responses_.end()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no canned response"));
    } else {
      *response = found->second;
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

 private:
  const std::map<std::string, inference::ModelInferResponse> responses_;
};

// The 8 models' fan-out plus the document, once per iteration, against `client`.
void RunJobs(benchmark::State& state, const JobInputs& inputs, protifer::triton::Client& client) {
  protifer::concurrency::FifoSemaphore semaphore(8);
  const nlohmann::ordered_json models = PredictionModels();
  const auto adapters = protifer::adapters::DefaultAdapters();
  std::size_t request_bytes = 0;
  for (const protifer::adapters::Adapter* adapter : adapters) {
    request_bytes += adapter->BuildRequest(inputs.context).ByteSizeLong();
  }

  std::size_t document_bytes = 0;
  for (auto _ : state) {
    const protifer::prediction::DispatchResult result =
        protifer::prediction::DispatchAll(inputs.context, adapters, client, semaphore);
    if (!result.model_errors.empty()) {
      state.SkipWithError(("model failed: " + result.FailureSummary()).c_str());
      break;
    }
    const std::string document = protifer::prediction::SerializeStoredPrediction(models, result);
    document_bytes = document.size();
    benchmark::DoNotOptimize(document.data());
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(request_bytes));
  state.counters["request_bytes"] = static_cast<double>(request_bytes);
  state.counters["document_bytes"] = static_cast<double>(document_bytes);
}

void BM_PredictionJobStub(benchmark::State& state) {
  const JobInputs inputs(static_cast<std::size_t>(state.range(0)));
  const auto stub = StartStub();
  auto client = ConnectTo(stub->address());
  RunJobs(state, inputs, *client);
  client.reset();  // drain before the stub goes away
}

void BM_PredictionJobCanned(benchmark::State& state) {
  const JobInputs inputs(static_cast<std::size_t>(state.range(0)));
  std::map<std::string, inference::ModelInferResponse> responses;
  {
    const auto stub = StartStub();
    auto client = ConnectTo(stub->address());
    for (const protifer::adapters::Adapter* adapter : protifer::adapters::DefaultAdapters()) {
      auto request = std::make_shared<const inference::ModelInferRequest>(
          adapter->BuildRequest(inputs.context));
      responses.emplace(request->model_name(), client->ModelInfer(request).value());
    }
  }

  CannedInferenceService service(std::move(responses));
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(INT_MAX);
  builder.SetMaxSendMessageSize(INT_MAX);
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  const std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    state.SkipWithError("canned server did not start");
    return;
  }
  auto client = ConnectTo("127.0.0.1:" + std::to_string(port));
  RunJobs(state, inputs, *client);
  client.reset();
  server->Shutdown();
}

BENCHMARK(BM_PredictionJobStub)
    ->Arg(400)
    ->Arg(3500)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PredictionJobCanned)
    ->Arg(400)
    ->Arg(3500)
    ->MeasureProcessCPUTime()
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

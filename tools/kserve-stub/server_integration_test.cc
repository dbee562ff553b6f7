// End-to-end tests of an in-process kserve-stub on 127.0.0.1:0, driven by a plain generated gRPC
// stub exactly as protifer's adapters call Triton.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <latch>
#include <thread>

#include "server.h"
#include "stub_test_support.h"

namespace protifer::kserve_stub {
namespace {

using testing::AdapterRequest;
using testing::Connect;
using ::testing::ElementsAre;
using testing::EmbeddingRequest;
using ::testing::HasSubstr;
using testing::Infer;
using testing::MakeEmbedding;
using testing::OutputByName;

constexpr const char* kAdapterModels[] = {"prott5_sec",
                                          "tmbed",
                                          "seth",
                                          "bind_embed",
                                          "prott5_cons",
                                          "vespag",
                                          "light_attention_subcell",
                                          "light_attention_membrane"};

class StubServerTest : public ::testing::Test {
 protected:
  // Starts a server; `customize` may change the options (catalog, ports, time scale) first.
  void Start(const std::function<void(StubOptions&)>& customize = nullptr) {
    StubOptions options;
    options.time_scale = 0.01;
    options.shutdown_grace = std::chrono::milliseconds(200);
    if (customize) customize(options);
    server_ = StubServer::Start(std::move(options));
    stub_ = Connect(server_->port());
  }

  inference::ModelInferResponse MustInfer(const inference::ModelInferRequest& request) {
    inference::ModelInferResponse response;
    const grpc::Status status = Infer(*stub_, request, &response);
    EXPECT_TRUE(status.ok()) << request.model_name() << ": " << status.error_message();
    return response;
  }

  grpc::Status InferStatus(const inference::ModelInferRequest& request) {
    inference::ModelInferResponse response;
    return Infer(*stub_, request, &response);
  }

  double Exec(const char* model) const { return server_->metrics().Snapshot(model).exec_count; }

  std::unique_ptr<StubServer> server_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
};

// Shape of output `name`, and checks its datatype and raw byte size.
std::vector<std::int64_t> OutputShape(const inference::ModelInferResponse& response,
                                      const std::string& name, const std::string& datatype) {
  auto index = triton::FindOutput(response, name);
  if (!index) {
    ADD_FAILURE() << response.model_name() << " has no output " << name;
    return {};
  }
  const auto& output = response.outputs(static_cast<int>(*index));
  EXPECT_EQ(output.datatype(), datatype) << name;
  std::vector<std::int64_t> shape(output.shape().begin(), output.shape().end());
  if (datatype != "BYTES") {
    std::int64_t elements = 1;
    for (auto dim : shape) elements *= dim;
    EXPECT_EQ(
        static_cast<std::int64_t>(response.raw_output_contents(static_cast<int>(*index)).size()),
        elements * (datatype == "FP16" ? 2 : 4))
        << name;
  }
  return shape;
}

TEST_F(StubServerTest, HealthAndMetadataLikeTriton) {
  Start();
  grpc::ClientContext live_context;
  inference::ServerLiveResponse live;
  ASSERT_TRUE(stub_->ServerLive(&live_context, {}, &live).ok());
  EXPECT_TRUE(live.live());
  grpc::ClientContext ready_context;
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(stub_->ServerReady(&ready_context, {}, &ready).ok());
  EXPECT_TRUE(ready.ready());

  grpc::ClientContext server_metadata_context;
  inference::ServerMetadataResponse server_metadata;
  ASSERT_TRUE(stub_->ServerMetadata(&server_metadata_context, {}, &server_metadata).ok());
  EXPECT_EQ(server_metadata.name(), "triton");
  EXPECT_EQ(server_metadata.version(), "2.59.0");

  auto model_ready = [&](const std::string& name, const std::string& version) {
    grpc::ClientContext context;
    inference::ModelReadyRequest request;
    request.set_name(name);
    request.set_version(version);
    inference::ModelReadyResponse response;
    EXPECT_TRUE(stub_->ModelReady(&context, request, &response).ok());
    return response.ready();
  };
  for (const char* name : kAdapterModels) EXPECT_TRUE(model_ready(name, "")) << name;
  EXPECT_TRUE(model_ready("prot_t5_pipeline", "1"));
  EXPECT_FALSE(model_ready("goPredSim", ""));
  EXPECT_FALSE(model_ready("seth", "2"));

  grpc::ClientContext metadata_context;
  inference::ModelMetadataRequest metadata_request;
  metadata_request.set_name("prott5_sec");
  inference::ModelMetadataResponse metadata;
  ASSERT_TRUE(stub_->ModelMetadata(&metadata_context, metadata_request, &metadata).ok());
  EXPECT_THAT(metadata.versions(), ElementsAre("1"));
  ASSERT_EQ(metadata.inputs_size(), 1);
  EXPECT_EQ(metadata.inputs(0).datatype(), "FP32");
  EXPECT_THAT(metadata.inputs(0).shape(), ElementsAre(-1, -1, 1024));
  EXPECT_THAT(metadata.outputs(1).shape(), ElementsAre(-1, -1, 8));

  grpc::ClientContext missing_context;
  metadata_request.set_name("goPredSim");
  const grpc::Status missing = stub_->ModelMetadata(&missing_context, metadata_request, &metadata);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing.error_message(), "Request for unknown model: 'goPredSim' is not found");
}

TEST_F(StubServerTest, EveryModelAnswersWithContractShapes) {
  Start();
  for (std::int64_t length : {1, 7, 400}) {
    SCOPED_TRACE("L=" + std::to_string(length));
    const auto embedding = MakeEmbedding(length);
    auto response = MustInfer(AdapterRequest("prott5_sec", embedding, length));
    EXPECT_THAT(OutputShape(response, "d3_Yhat", "FP32"), ElementsAre(1, length, 3));
    EXPECT_THAT(OutputShape(response, "d8_Yhat", "FP32"), ElementsAre(1, length, 8));

    response = MustInfer(AdapterRequest("tmbed", embedding, length));
    EXPECT_THAT(OutputShape(response, "labels", "BYTES"), ElementsAre(1, 1));
    EXPECT_THAT(OutputShape(response, "probabilities", "FP32"), ElementsAre(1, length, 5));
    const auto labels = triton::SplitBytesTensor(
        triton::ReadBytesOutputBuffer(response, *triton::FindOutput(response, "labels")));
    ASSERT_EQ(labels.size(), 1u);
    EXPECT_EQ(static_cast<std::int64_t>(labels[0].size()), length);

    for (auto [model, classes] : {std::pair{"seth", 1}, {"prott5_cons", 9}, {"vespag", 20}}) {
      response = MustInfer(AdapterRequest(model, embedding, length));
      EXPECT_THAT(OutputShape(response, "output", "FP32"), ElementsAre(1, length, classes))
          << model;
    }
    response = MustInfer(AdapterRequest("bind_embed", embedding, length));
    ASSERT_EQ(response.outputs_size(), 5);
    for (int i = 0; i < 5; ++i) {
      EXPECT_THAT(OutputShape(response, "output_" + std::to_string(i), "FP32"),
                  ElementsAre(1, length, 3));
    }
    response = MustInfer(AdapterRequest("light_attention_subcell", embedding, length));
    EXPECT_THAT(OutputShape(response, "output", "FP32"), ElementsAre(1, 10));
    response = MustInfer(AdapterRequest("light_attention_membrane", embedding, length));
    EXPECT_THAT(OutputShape(response, "output", "FP32"), ElementsAre(1, 2));

    response = MustInfer(EmbeddingRequest(std::string(static_cast<std::size_t>(length), 'M')));
    EXPECT_THAT(OutputShape(response, "embeddings", "FP16"), ElementsAre(1, length, 1024));
  }
}

TEST_F(StubServerTest, UnknownModelsAndVersions) {
  Start();
  auto request = AdapterRequest("seth", MakeEmbedding(3), 3);
  request.set_model_name("x");
  grpc::Status status = InferStatus(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "Request for unknown model: 'x' is not found");

  request.set_model_name("seth");
  request.set_model_version("2");
  status = InferStatus(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "Request for unknown model: 'seth' version 2 is not found");

  request.set_model_version("latest");
  status = InferStatus(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "failed to get model version from specified version string 'latest' (details: "
            "stol), version should be an integral value > 0");

  request.set_model_version("1");
  EXPECT_TRUE(InferStatus(request).ok());
}

TEST_F(StubServerTest, InvalidRequestsAreRejectedWithTritonText) {
  Start();
  auto request = AdapterRequest("prott5_sec", MakeEmbedding(5), 5);
  request.mutable_raw_input_contents(0)->resize(100);
  grpc::Status status = InferStatus(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "[request id: <id_unknown>] input byte size mismatch for input 'input' for model "
            "'prott5_sec'. Expected 20480, got 100");
  EXPECT_EQ(server_->metrics().Snapshot("prott5_sec").failure, 1);
  EXPECT_EQ(server_->metrics().Snapshot("prott5_sec").exec_count, 0);
}

TEST_F(StubServerTest, EnsemblesRunEveryStepOnItsOwnModel) {
  Start();
  const auto embedding = MakeEmbedding(12);
  MustInfer(AdapterRequest("tmbed", embedding, 12));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Exec(("_tmbed_cv" + std::to_string(i)).c_str()), 1) << i;
  }
  EXPECT_EQ(Exec("_tmbed_viterbi"), 1);
  EXPECT_EQ(Exec("tmbed"), 1);
  EXPECT_EQ(Exec("_bind_embed_cv0"), 0);

  MustInfer(AdapterRequest("bind_embed", embedding, 12));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Exec(("_bind_embed_cv" + std::to_string(i)).c_str()), 1) << i;
  }
  MustInfer(EmbeddingRequest("MKVLAAGIVG"));
  for (const char* step :
       {"_internal_prott5_tokenizer", "_internal_prott5_onnx", "_internal_prott5_postprocess"}) {
    EXPECT_EQ(Exec(step), 1) << step;
    EXPECT_EQ(server_->metrics().Snapshot(step).success, 1) << step;
  }
}

TEST_F(StubServerTest, EnsembleStepFailuresNameTheEnsemble) {
  Start();
  const auto embedding = MakeEmbedding(8);
  ASSERT_TRUE(server_->Control("fail _tmbed_cv2 1 INTERNAL cv2 exploded").ok());
  grpc::Status status = InferStatus(AdapterRequest("tmbed", embedding, 8));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "in ensemble 'tmbed', cv2 exploded");
  EXPECT_EQ(Exec("_tmbed_viterbi"), 0);  // the decoder never got its inputs
  EXPECT_EQ(server_->metrics().Snapshot("tmbed").failure, 1);
  EXPECT_TRUE(InferStatus(AdapterRequest("tmbed", embedding, 8)).ok());

  ASSERT_TRUE(server_->Control("not-ready _internal_prott5_onnx").ok());
  status = InferStatus(EmbeddingRequest("MKV"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "in ensemble 'prot_t5_pipeline', Request for unknown model: '_internal_prott5_onnx' "
            "version 1 is not at ready state");
  ASSERT_TRUE(server_->Control("ready *").ok());

  auto two_per_item = EmbeddingRequest("MKV");
  two_per_item.mutable_inputs(0)->set_shape(1, 2);
  two_per_item.mutable_inputs(0)->mutable_contents()->add_bytes_contents("AC");
  status = InferStatus(two_per_item);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(),
            "in ensemble 'prot_t5_pipeline', Failed to process the request(s) for model "
            "'_internal_prott5_tokenizer', message: expected 1 sequence per batch item, got 2");
}

TEST_F(StubServerTest, SameInputGivesIdenticalBytes) {
  Start();
  const auto embedding = MakeEmbedding(25);
  for (const char* model : kAdapterModels) {
    const auto first = MustInfer(AdapterRequest(model, embedding, 25));
    const auto second = MustInfer(AdapterRequest(model, embedding, 25));
    EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString()) << model;
  }
}

TEST_F(StubServerTest, EmbeddingsFollowTheResidueLetters) {
  Start();
  const auto a = MustInfer(EmbeddingRequest("MKVLAAG"));
  const auto b = MustInfer(EmbeddingRequest("MKWLAAG"));
  const auto& raw_a = a.raw_output_contents(0);
  const auto& raw_b = b.raw_output_contents(0);
  ASSERT_EQ(raw_a.size(), 7u * 2048);  // one FP16 row per residue, </s> dropped
  EXPECT_NE(raw_a, raw_b);
  // Same letter at the same position -> same row; the changed residue -> a different row.
  EXPECT_EQ(raw_a.substr(0, 2 * 2048), raw_b.substr(0, 2 * 2048));
  EXPECT_NE(raw_a.substr(2 * 2048, 2048), raw_b.substr(2 * 2048, 2048));
  EXPECT_EQ(raw_a.substr(3 * 2048), raw_b.substr(3 * 2048));

  // ...so predictions differ per sequence too.
  const auto embedding_a = triton::Fp16BytesToFloats(raw_a);
  const auto embedding_b = triton::Fp16BytesToFloats(raw_b);
  const auto seth_a = OutputByName(MustInfer(AdapterRequest("seth", embedding_a, 7)), "output");
  const auto seth_b = OutputByName(MustInfer(AdapterRequest("seth", embedding_b, 7)), "output");
  EXPECT_EQ(seth_a[0], seth_b[0]);
  EXPECT_NE(seth_a[2], seth_b[2]);
}

TEST_F(StubServerTest, TransposedInputChangesTheAnswer) {
  Start();
  const std::int64_t length = 1024;  // square: the mistaken layout still passes shape checks
  const auto embedding = MakeEmbedding(length);
  for (const char* model : {"bind_embed", "light_attention_subcell", "light_attention_membrane"}) {
    const auto right = MustInfer(AdapterRequest(model, embedding, length));
    auto wrong_request = AdapterRequest(model, embedding, length);
    *wrong_request.mutable_raw_input_contents(0) = testing::ChannelsLastBytes(embedding);
    const auto wrong = MustInfer(wrong_request);
    const std::string output = std::string(model) == "bind_embed" ? "output_0" : "output";
    EXPECT_NE(OutputByName(right, output), OutputByName(wrong, output)) << model;
  }
}

TEST_F(StubServerTest, ChannelsLastLightAttentionFailsLikeOnnxRuntime) {
  Start();
  auto request = AdapterRequest("light_attention_subcell", MakeEmbedding(7), 7);
  request.mutable_inputs(0)->set_shape(1, 7);
  request.mutable_inputs(0)->set_shape(2, 1024);
  *request.mutable_raw_input_contents(0) = testing::ChannelsLastBytes(MakeEmbedding(7));
  const grpc::Status status = InferStatus(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("Got invalid dimensions for input: input for the following indices\n "
                        "index: 1 Got: 7 Expected: 1024"));
}

TEST_F(StubServerTest, ReadingShuffledOutputsByPositionIsWrong) {
  Start();
  const auto embedding = MakeEmbedding(9);
  const auto reference = MustInfer(AdapterRequest("prott5_sec", embedding, 9));
  EXPECT_EQ(reference.outputs(0).name(), "d3_Yhat");
  const auto expected_d3 = OutputByName(reference, "d3_Yhat");
  ASSERT_EQ(expected_d3.size(), 27u);

  ASSERT_TRUE(server_->Control("output-order reversed").ok());
  const auto shuffled = MustInfer(AdapterRequest("prott5_sec", embedding, 9));
  EXPECT_EQ(shuffled.outputs(0).name(), "d8_Yhat");
  const auto by_position = triton::ReadFp32Output(shuffled, 0);  // what a positional reader gets
  EXPECT_NE(by_position, expected_d3);
  EXPECT_EQ(OutputByName(shuffled, "d3_Yhat"), expected_d3);

  // Without any knob, tmbed answers in the reversed order real Triton was seen to use.
  ASSERT_TRUE(server_->Control("output-order model").ok());
  const auto tmbed = MustInfer(AdapterRequest("tmbed", embedding, 9));
  EXPECT_EQ(tmbed.outputs(0).name(), "probabilities");
  EXPECT_EQ(tmbed.outputs(1).name(), "labels");
}

TEST_F(StubServerTest, CorruptDamagesTheNextAnswersOnly) {
  Start();
  const auto embedding = MakeEmbedding(5);
  const auto reference = MustInfer(AdapterRequest("seth", embedding, 5));
  ASSERT_EQ(reference.raw_output_contents(0).size(), 20u);
  ASSERT_TRUE(server_->Control("corrupt seth 1 truncate").ok());
  EXPECT_EQ(MustInfer(AdapterRequest("seth", embedding, 5)).raw_output_contents(0).size(), 19u);
  ASSERT_TRUE(server_->Control("corrupt seth 1 doubled").ok());
  const auto doubled = MustInfer(AdapterRequest("seth", embedding, 5));
  EXPECT_EQ(doubled.raw_output_contents(0),
            reference.raw_output_contents(0) + reference.raw_output_contents(0));
  EXPECT_EQ(MustInfer(AdapterRequest("seth", embedding, 5)).raw_output_contents(0),
            reference.raw_output_contents(0));
}

TEST_F(StubServerTest, TypedContentsCarryTheSameValues) {
  Start();
  const auto embedding = MakeEmbedding(6);
  const auto raw = MustInfer(AdapterRequest("prott5_sec", embedding, 6));
  const auto raw_tmbed = MustInfer(AdapterRequest("tmbed", embedding, 6));
  const auto raw_embedding = MustInfer(EmbeddingRequest("MKVLAA"));

  ASSERT_TRUE(server_->Control("output-contents typed").ok());
  const auto typed = MustInfer(AdapterRequest("prott5_sec", embedding, 6));
  EXPECT_EQ(typed.raw_output_contents_size(), 0);
  EXPECT_EQ(OutputByName(typed, "d8_Yhat"), OutputByName(raw, "d8_Yhat"));

  const auto typed_tmbed = MustInfer(AdapterRequest("tmbed", embedding, 6));
  EXPECT_EQ(triton::ReadBytesOutputBuffer(typed_tmbed, *triton::FindOutput(typed_tmbed, "labels")),
            triton::ReadBytesOutputBuffer(raw_tmbed, *triton::FindOutput(raw_tmbed, "labels")));

  const auto typed_embedding = MustInfer(EmbeddingRequest("MKVLAA"));
  EXPECT_EQ(typed_embedding.outputs(0).datatype(), "FP16");
  const auto& widened = typed_embedding.outputs(0).contents().fp32_contents();
  EXPECT_EQ(std::vector<float>(widened.begin(), widened.end()),
            triton::Fp16BytesToFloats(raw_embedding.raw_output_contents(0)));
}

TEST_F(StubServerTest, OneInstanceServesConcurrentRequestsOneAtATime) {
  constexpr int kRequests = 6;
  constexpr auto kServiceTime = std::chrono::milliseconds(40);
  Start([](StubOptions& options) {
    options.time_scale = 1.0;
    ModelSpec& seth = *options.catalog.FindMutable("seth");
    seth.instance_count = 1;
    seth.dynamic_batching.reset();
    seth.service_time = ServiceTime{40.0, 0.0};
  });
  const auto request = AdapterRequest("seth", MakeEmbedding(10), 10);
  std::vector<std::unique_ptr<inference::GRPCInferenceService::Stub>> clients;
  for (int i = 0; i < kRequests; ++i) clients.push_back(Connect(server_->port()));
  MustInfer(request);  // connections and threads warm
  const double busy_before = server_->metrics().Snapshot("seth").instance_busy_us[0];

  std::vector<grpc::Status> statuses(kRequests);
  std::vector<Clock::time_point> finished(kRequests);
  std::latch go(kRequests + 1);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      const auto slot = static_cast<std::size_t>(i);
      inference::ModelInferResponse response;
      go.arrive_and_wait();
      statuses[slot] = Infer(*clients[slot], request, &response);
      finished[slot] = Clock::now();
    });
  }
  const auto start = Clock::now();
  go.arrive_and_wait();
  for (auto& thread : threads) thread.join();
  for (const auto& status : statuses) EXPECT_TRUE(status.ok()) << status.error_message();

  auto micros = [](Clock::duration d) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
  };
  const double service_us = micros(kServiceTime);
  const double expected_us = kRequests * service_us;
  // Responses leave one service time apart. The median gap between completions estimates the
  // per-request cost without the client-side jitter (thread wake-ups) of a loaded machine; with
  // two instances working in parallel it would collapse towards 0.
  std::sort(finished.begin(), finished.end());
  std::vector<double> gaps;
  for (std::size_t i = 1; i < finished.size(); ++i)
    gaps.push_back(micros(finished[i] - finished[i - 1]));
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<std::ptrdiff_t>(gaps.size() / 2),
                   gaps.end());
  const double measured_us = kRequests * gaps[gaps.size() / 2];
  const double total_us = micros(finished.back() - start);
  EXPECT_GE(total_us, 0.95 * expected_us);  // cannot be faster than one after the other
  EXPECT_LE(total_us, 2.0 * expected_us);
  EXPECT_GE(measured_us, 0.80 * expected_us);
  EXPECT_LE(measured_us, 1.20 * expected_us);
  const auto snapshot = server_->metrics().Snapshot("seth");
  const double utilisation = (snapshot.instance_busy_us[0] - busy_before) / measured_us;
  EXPECT_GT(utilisation, 0.8);
  EXPECT_LE(utilisation, 1.25);
  std::cout << "[capacity] " << kRequests << " x " << kServiceTime.count()
            << " ms on 1 instance: all done after " << total_us / 1000 << " ms, " << kRequests
            << " x median gap = " << measured_us / 1000 << " ms (expected " << expected_us / 1000
            << " ms), utilisation " << utilisation << "\n";
  EXPECT_EQ(snapshot.inflight_peak, kRequests);
  EXPECT_EQ(server_->metrics().ServerInflightPeak(), kRequests);
  EXPECT_EQ(snapshot.inflight, 0);
}

TEST_F(StubServerTest, DynamicBatchingMergesConcurrentRequests) {
  Start([](StubOptions& options) {
    // 20 s queue delay at time scale 0.01 = 200 ms: ample time for 8 clients to line up.
    options.catalog.FindMutable("prott5_sec")->dynamic_batching->max_queue_delay =
        std::chrono::seconds(20);
  });
  const auto request = AdapterRequest("prott5_sec", MakeEmbedding(5), 5);
  // Every client is connected before any sends, so all 8 requests reach the batcher well inside
  // its delay even when the machine is busy.
  std::vector<std::unique_ptr<inference::GRPCInferenceService::Stub>> clients;
  for (int i = 0; i < 8; ++i) clients.push_back(Connect(server_->port()));
  std::vector<std::thread> threads;
  for (auto& client : clients) {
    threads.emplace_back([&request, &client] {
      inference::ModelInferResponse response;
      const grpc::Status status = Infer(*client, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_code() << ": " << status.error_message();
    });
  }
  for (auto& thread : threads) thread.join();
  const auto snapshot = server_->metrics().Snapshot("prott5_sec");
  EXPECT_EQ(snapshot.success, 8);
  EXPECT_EQ(snapshot.inference_count, 8);
  EXPECT_LT(snapshot.exec_count, 8);
}

TEST_F(StubServerTest, ScriptedFailuresAndLatency) {
  Start();
  const auto request = AdapterRequest("seth", MakeEmbedding(4), 4);
  ASSERT_TRUE(server_->Control("fail seth 2 UNAVAILABLE Server overloaded").ok());
  for (int i = 0; i < 2; ++i) {
    const grpc::Status status = InferStatus(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(status.error_message(), "Server overloaded");
  }
  EXPECT_TRUE(InferStatus(request).ok());
  EXPECT_TRUE(InferStatus(AdapterRequest("vespag", MakeEmbedding(4), 4)).ok());

  ASSERT_TRUE(server_->Control("fail * 1 RESOURCE_EXHAUSTED everything").ok());
  EXPECT_EQ(InferStatus(AdapterRequest("vespag", MakeEmbedding(4), 4)).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  ASSERT_TRUE(server_->Control("latency seth 150").ok());
  const auto start = Clock::now();
  EXPECT_TRUE(InferStatus(request).ok());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(150));
}

TEST_F(StubServerTest, NotReadyModelsAndServer) {
  Start();
  const auto request = AdapterRequest("seth", MakeEmbedding(4), 4);
  auto ready = [&](const std::string& model) {
    grpc::ClientContext context;
    inference::ModelReadyRequest ready_request;
    ready_request.set_name(model);
    inference::ModelReadyResponse response;
    EXPECT_TRUE(stub_->ModelReady(&context, ready_request, &response).ok());
    return response.ready();
  };
  auto server_ready = [&] {
    grpc::ClientContext context;
    inference::ServerReadyResponse response;
    EXPECT_TRUE(stub_->ServerReady(&context, {}, &response).ok());
    return response.ready();
  };

  ASSERT_TRUE(server_->Control("not-ready seth").ok());
  EXPECT_FALSE(ready("seth"));
  EXPECT_TRUE(ready("vespag"));
  EXPECT_FALSE(server_ready());  // strict readiness, Triton's default
  grpc::Status status = InferStatus(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(),
            "Request for unknown model: 'seth' version 1 is not at ready state");

  ASSERT_TRUE(server_->Control("not-ready seth unloaded").ok());
  status = InferStatus(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "Request for unknown model: 'seth' has no available versions");

  ASSERT_TRUE(server_->Control("ready seth").ok());
  EXPECT_TRUE(ready("seth"));
  EXPECT_TRUE(server_ready());
  EXPECT_TRUE(InferStatus(request).ok());

  ASSERT_TRUE(server_->Control("server-not-ready").ok());
  EXPECT_FALSE(server_ready());
  EXPECT_FALSE(ready("seth"));
  status = InferStatus(request);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "Server not ready");
}

TEST_F(StubServerTest, MetricsEndpointUsesTritonNames) {
  Start([](StubOptions& options) { options.metrics_port = 0; });
  ASSERT_TRUE(server_->metrics_port().has_value());
  MustInfer(AdapterRequest("seth", MakeEmbedding(4), 4));
  MustInfer(AdapterRequest("tmbed", MakeEmbedding(4), 4));
  const std::string page = testing::HttpGet(*server_->metrics_port(), "/metrics");
  EXPECT_THAT(page, HasSubstr("200 OK"));
  for (const char* line :
       {"nv_inference_request_success{model=\"seth\",version=\"1\"} 1",
        "nv_inference_exec_count{model=\"seth\",version=\"1\"} 1",
        "nv_inference_exec_count{model=\"_tmbed_viterbi\",version=\"1\"} 1",
        "nv_inference_request_failure{model=\"seth\",reason=\"REJECTED\",version=\"1\"} 0",
        "kserve_stub_instance_count{model=\"seth\",version=\"1\"} 1",
        "kserve_stub_server_inflight_requests 0", "kserve_stub_server_inflight_requests_peak 1",
        "kserve_stub_inflight_requests_peak{model=\"seth\"} 1", "kserve_stub_time_scale 0.01"}) {
    EXPECT_THAT(page, HasSubstr(line));
  }
  for (const char* name :
       {"nv_inference_queue_duration_us{model=\"seth\",version=\"1\"}",
        "nv_inference_compute_infer_duration_us{model=\"seth\",version=\"1\"}",
        "nv_inference_request_duration_us{model=\"seth\",version=\"1\"}",
        "nv_inference_count{model=\"seth\",version=\"1\"} 1",
        "nv_inference_pending_request_count{model=\"seth\",version=\"1\"} 0",
        "kserve_stub_instance_busy_us{instance=\"0\",model=\"seth\",version=\"1\"}"}) {
    EXPECT_THAT(page, HasSubstr(name));
  }
}

TEST_F(StubServerTest, ControlPortScriptsFaults) {
  Start([](StubOptions& options) { options.control_port = 0; });
  ASSERT_TRUE(server_->control_port().has_value());
  const auto replies = testing::TalkToControlPort(
      *server_->control_port(), {"fail seth 1 INTERNAL from the control port", "status", "bogus"});
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0], "ok");
  EXPECT_THAT(replies[1], HasSubstr("\"remaining\":1"));
  EXPECT_THAT(replies[2], HasSubstr("error: unknown command 'bogus'"));
  const grpc::Status status = InferStatus(AdapterRequest("seth", MakeEmbedding(3), 3));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "from the control port");
}

TEST_F(StubServerTest, StartUpFaultsComeFromOptions) {
  Start([](StubOptions& options) { options.fault_commands = {"fail * 1 ABORTED at start"}; });
  EXPECT_EQ(InferStatus(AdapterRequest("seth", MakeEmbedding(3), 3)).error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_THROW(StubServer::Start([] {
                 StubOptions options;
                 options.fault_commands = {"fail nobody 1 ABORTED"};
                 return options;
               }()),
               std::runtime_error);
}

}  // namespace
}  // namespace protifer::kserve_stub

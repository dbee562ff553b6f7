// The two workers' processors end to end against the real kserve-stub: the embedding job calls
// prot_t5_pipeline and stores the FP16 embedding, the prediction job reads it back, fans out
// to the 8 models and stores the StoredPredictionV2 document. The stub's model functions are
// deterministic and the wall clock is pinned, so the stored document must match the checked-in
// golden byte for byte; any change in request building, decoding, number formatting or
// document layout shows up here as a diff.
//
// Regenerate the golden after an intended change with UPDATE_GOLDEN=1 (tests/golden/README.md).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/registry.h"
#include "concurrency/fifo_semaphore.h"
#include "core/keys.h"
#include "embedding/embedding_processor.h"
#include "kserve-stub/server.h"
#include "prediction/prediction_processor.h"
#include "prediction/testing/fake_job_context.h"
#include "storage/filesystem_object_store.h"
#include "storage/testing/temporary_directory.h"
#include "triton/client.h"

namespace {

using namespace std::chrono_literals;
using Json = nlohmann::ordered_json;
using protifer::prediction::testing::FakeJobContext;

constexpr std::string_view kSequence = "MKTVRQERLKSIVRILERSKEPVSGAQLAEELSVSRQVIVQDIAYLRS";
static_assert(kSequence.size() == 48);
constexpr std::size_t kSeqLen = kSequence.size();
constexpr const char* kGoldenName = "kserve_stub_prediction_L48.json";

// 2026-06-20T12:34:56.789Z, the instant the unit tests pin too.
std::chrono::system_clock::time_point FixedNow() {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1781958896789));
}

// What the gateway enqueues: the embedding child gets the sequence fields, the prediction
// parent the same plus predictionModels (spec §2.6: the 7 dev models, version "dev").
Json JobData() {
  Json models = Json::array();
  for (const char* name :
       {"prott5_secondary_structure", "tmbed", "seth", "bindembed", "prott5_conservation",
        "light_attention_subcellular", "light_attention_membrane"}) {
    models.push_back(Json{{"name", name}, {"version", "dev"}});
  }
  Json data = Json::object();
  data["sequence"] = std::string(kSequence);
  data["sequenceHash"] = protifer::core::ComputeSequenceHash(kSequence);
  data["embeddingModel"] = Json{{"name", "prott5_xl_u50"}, {"version", "dev"}};
  data["predictionModels"] = models;
  data["userId"] = "user-1";
  data["submittedAt"] = "2026-06-20T12:00:00.000Z";
  return data;
}

Json EmbeddingJobData() {
  Json data = JobData();
  data.erase("predictionModels");
  return data;
}

std::string GoldenPath() { return std::string(PROTIFER_GOLDEN_DIR) + "/" + kGoldenName; }

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

bool UpdateGoldenRequested() {
  const char* value = std::getenv("UPDATE_GOLDEN");
  return value != nullptr && std::string_view(value) == "1";
}

class PipelineGoldenTest : public ::testing::Test {
 protected:
  PipelineGoldenTest() : store_(directory_.path()), semaphore_(8) {
    protifer::kserve_stub::StubOptions stub_options;
    stub_options.time_scale = 0.01;
    stub_options.shutdown_grace = 100ms;
    stub_ = protifer::kserve_stub::StubServer::Start(std::move(stub_options));

    protifer::triton::ClientOptions client_options;
    client_options.target = stub_->address();
    client_options.infer_deadline = 30s;
    client_ = std::make_unique<protifer::triton::Client>(std::move(client_options));
  }

  // Runs the embedding job, then the prediction job with the embedding job's return value as
  // its only child value.
  void RunPipeline() {
    protifer::embedding::EmbeddingProcessorOptions embedding_options;
    embedding_options.clock = FixedNow;
    const protifer::embedding::EmbeddingProcessor embedding(
        store_, *client_, protifer::embedding::NoopEmbeddingObserver(), embedding_options);
    FakeJobContext embedding_job(EmbeddingJobData(), {}, "embedding-job");
    embedding_result_ = embedding.Process(embedding_job);

    protifer::prediction::PredictionProcessorOptions prediction_options;
    prediction_options.clock = FixedNow;
    const protifer::prediction::PredictionProcessor prediction(
        store_, *client_, semaphore_, protifer::adapters::DefaultAdapters(),
        protifer::prediction::NoopDispatchObserver(), prediction_options);
    FakeJobContext prediction_job(JobData(), {embedding_result_.ToJson()}, "prediction-job");
    prediction_result_ = prediction.Process(prediction_job);
  }

  // Declared before the store that writes into it, so it outlives the store.
  protifer::storage::testing::TemporaryDirectory directory_;
  protifer::storage::FilesystemObjectStore store_;
  protifer::concurrency::FifoSemaphore semaphore_;
  std::unique_ptr<protifer::kserve_stub::StubServer> stub_;
  // Destroyed before the stub: the client drains its calls while the server still answers.
  std::unique_ptr<protifer::triton::Client> client_;
  protifer::embedding::EmbeddingJobResult embedding_result_;
  protifer::prediction::PredictionJobResult prediction_result_;
};

TEST_F(PipelineGoldenTest, StoredPredictionHasEveryOutputAndNoErrors) {
  RunPipeline();

  EXPECT_EQ(embedding_result_.embedding_ref,
            protifer::core::EmbeddingRefKey({"prott5_xl_u50", "dev"},
                                            protifer::core::ComputeSequenceHash(kSequence)));
  EXPECT_EQ(store_.Get(embedding_result_.embedding_ref).size(), kSeqLen * 2048);

  const Json document = Json::parse(store_.Get(prediction_result_.prediction_ref));
  EXPECT_EQ(document.at("schemaVersion"), 2);
  EXPECT_EQ(document.at("versions"), JobData().at("predictionModels"));
  EXPECT_FALSE(document.contains("modelErrors")) << document.dump();

  std::vector<std::string> expected_keys;
  for (const protifer::adapters::Adapter* adapter : protifer::adapters::DefaultAdapters()) {
    expected_keys.emplace_back(adapter->output_key());
  }
  std::vector<std::string> actual_keys;
  for (const auto& item : document.at("outputs").items()) {
    actual_keys.push_back(item.key());
  }
  EXPECT_EQ(expected_keys.size(), 8u);
  EXPECT_EQ(actual_keys, expected_keys);
  EXPECT_EQ(prediction_result_.computed_at, "2026-06-20T12:34:56.789Z");
}

TEST_F(PipelineGoldenTest, StoredPredictionMatchesTheGoldenBytes) {
  RunPipeline();
  const std::string stored = store_.Get(prediction_result_.prediction_ref);

  if (UpdateGoldenRequested()) {
    std::ofstream(GoldenPath(), std::ios::binary | std::ios::trunc) << stored;
    GTEST_SKIP() << "UPDATE_GOLDEN=1: wrote " << GoldenPath();
  }
  const std::string golden = ReadFile(GoldenPath());
  ASSERT_FALSE(golden.empty()) << GoldenPath() << " is missing; run once with UPDATE_GOLDEN=1";
  EXPECT_EQ(stored, golden);
}

// Determinism check within one process: a second stub and a second run give the same bytes,
// so the golden cannot depend on scheduling order or on which call finished first.
TEST_F(PipelineGoldenTest, SecondRunStoresIdenticalBytes) {
  RunPipeline();
  const std::string first = store_.Get(prediction_result_.prediction_ref);
  store_.Delete(prediction_result_.prediction_ref);
  store_.Delete(embedding_result_.embedding_ref);

  RunPipeline();
  EXPECT_EQ(store_.Get(prediction_result_.prediction_ref), first);
}

}  // namespace

#include "prediction/prediction_processor.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/registry.h"
#include "adapters/tests/test_support.h"
#include "prediction/testing/fake_job_context.h"
#include "prediction/tests/dispatch_test_support.h"
#include "prediction/tests/model_responses.h"
#include "storage/storage_error.h"
#include "storage/testing/in_memory_object_store.h"
#include "triton/tensor_codec.h"
#include "triton/testing/scripted_inference_client.h"

namespace protifer::prediction {
namespace {

using Json = nlohmann::ordered_json;
using concurrency::FifoSemaphore;
using storage::testing::InMemoryObjectStore;
using testing::FakeJobContext;
using testing::RecordingObserver;
using testing::TwoResidueModels;
using triton::testing::ScriptedInferenceClient;

// spec §2.6 test vectors: sequence MKTVRQERLK, prott5_xl_u50/dev, the 7 dev models.
constexpr const char* kSequenceHash =
    "c3b29c8154d4b6719cdac8a5815859ca3eb45b5ea70d0dfd14d300c0ddd5c151";
constexpr const char* kEmbeddingRef =
    "emb/prott5_xl_u50/dev/c3b29c8154d4b6719cdac8a5815859ca3eb45b5ea70d0dfd14d300c0ddd5c151";
constexpr const char* kPredictionRef =
    "pred/ad58723a28243e92462d5a6674603942c6a47a6d77c19b88ebfd74659ad57989/"
    "c3b29c8154d4b6719cdac8a5815859ca3eb45b5ea70d0dfd14d300c0ddd5c151";
constexpr const char* kFixedNow = "2026-06-20T12:34:56.789Z";

Json JobData() {
  Json models = Json::array();
  for (const char* name :
       {"prott5_secondary_structure", "tmbed", "seth", "bindembed", "prott5_conservation",
        "light_attention_subcellular", "light_attention_membrane"}) {
    models.push_back(Json{{"name", name}, {"version", "dev"}});
  }
  Json data = Json::object();
  data["sequence"] = "MKTVRQERLK";
  data["sequenceHash"] = kSequenceHash;
  data["embeddingModel"] = Json{{"name", "prott5_xl_u50"}, {"version", "dev"}};
  data["predictionModels"] = models;
  data["userId"] = "user-1";
  data["submittedAt"] = "2026-06-20T12:00:00.000Z";
  return data;
}

std::vector<Json> EmbeddingChild() {
  return {Json{{"embeddingRef", kEmbeddingRef}, {"computedAt", "2026-06-20T12:00:01.000Z"}}};
}

// FP16 [rows, 1024] whose element i is (i % 7) * 0.1 (not exact in FP16 on purpose).
std::string EmbeddingBytes(std::size_t rows) {
  std::vector<float> values(rows * adapters::kEmbeddingDim);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<float>(i % 7) * 0.1f;
  }
  return triton::FloatsToFp16Bytes(values);
}

std::string ReadGolden(const std::string& name) {
  std::ifstream file(std::string(PROTIFER_GOLDEN_DIR) + "/" + name, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

std::vector<std::string> Keys(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) {
    keys.push_back(item.key());
  }
  return keys;
}

class PredictionProcessorTest : public ::testing::Test {
 protected:
  PredictionProcessorTest() : client_(TwoResidueModels()), semaphore_(3) {
    store_.Put(kEmbeddingRef, EmbeddingBytes(2), "");
  }

  PredictionProcessor MakeProcessor(std::size_t max_embedding_bytes = kDefaultMaxEmbeddingBytes) {
    PredictionProcessorOptions options;
    options.max_embedding_bytes = max_embedding_bytes;
    options.clock = [] {
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(1781958896789));
    };
    return PredictionProcessor(store_, client_, semaphore_, adapters::DefaultAdapters(), observer_,
                               options);
  }

  // Runs the job expecting it to fail; returns the message of the exception of type Error.
  template <typename Error = std::runtime_error>
  std::string FailureOf(FakeJobContext& job, std::size_t max_bytes = kDefaultMaxEmbeddingBytes) {
    try {
      MakeProcessor(max_bytes).Process(job);
    } catch (const Error& error) {
      return error.what();
    }
    ADD_FAILURE() << "the job did not fail";
    return "";
  }

  InMemoryObjectStore store_;
  ScriptedInferenceClient client_;
  FifoSemaphore semaphore_;
  RecordingObserver observer_;
};

TEST_F(PredictionProcessorTest, HappyPathStoresTheDocumentAndReturnsItsRef) {
  FakeJobContext job(JobData(), EmbeddingChild());

  const PredictionJobResult result = MakeProcessor().Process(job);

  EXPECT_EQ(job.progress(), (std::vector<int>{10, 30, 80, 100}));
  EXPECT_EQ(job.logs(),
            (std::vector<std::string>{std::string("Stored prediction at ") + kPredictionRef}));
  EXPECT_EQ(result.prediction_ref, kPredictionRef);
  EXPECT_EQ(result.computed_at, kFixedNow);
  EXPECT_EQ(result.ToJson().dump(), std::string(R"({"predictionRef":")") + kPredictionRef +
                                        R"(","computedAt":")" + kFixedNow + R"("})");

  ASSERT_TRUE(store_.Exists(kPredictionRef));
  EXPECT_EQ(store_.ContentType(kPredictionRef), "application/json");
  const Json document = Json::parse(store_.Get(kPredictionRef));
  EXPECT_EQ(Keys(document), (std::vector<std::string>{"schemaVersion", "versions", "outputs"}));
  EXPECT_EQ(document["versions"], JobData()["predictionModels"]);
  EXPECT_EQ(Keys(document["outputs"]),
            (std::vector<std::string>{"prott5_secondary_structure", "tmbed", "seth", "bindembed",
                                      "prott5_conservation", "variation",
                                      "light_attention_subcellular", "light_attention_membrane"}));
  EXPECT_EQ(document["outputs"]["variation"]["x_axis"], Json::parse(R"(["1","2"])"));

  ASSERT_EQ(observer_.fan_outs().size(), 1u);
  EXPECT_EQ(observer_.fan_outs()[0].status, "success");
  EXPECT_EQ(semaphore_.available(), 3);
}

TEST_F(PredictionProcessorTest, MatchesTheGoldenDocument) {
  client_.SetResponder(TwoResidueModels({"vespag"}));
  FakeJobContext job(JobData(), EmbeddingChild());

  MakeProcessor().Process(job);

  const std::string golden = ReadGolden("stored_prediction_v2_partial.json");
  ASSERT_FALSE(golden.empty()) << "golden file missing";
  EXPECT_EQ(store_.Get(kPredictionRef), golden);
}

TEST_F(PredictionProcessorTest, PartialFailureListsOnlyTheFailedModel) {
  client_.SetResponder(TwoResidueModels({"tmbed"}));
  FakeJobContext job(JobData(), EmbeddingChild());

  MakeProcessor().Process(job);

  const Json document = Json::parse(store_.Get(kPredictionRef));
  EXPECT_EQ(Keys(document["modelErrors"]), (std::vector<std::string>{"tmbed"}));
  EXPECT_EQ(document["outputs"].size(), 7u);
  EXPECT_EQ(document["modelErrors"]["tmbed"]["failedAt"], kFixedNow);
}

TEST_F(PredictionProcessorTest, AllFailedThrowsTheSummaryAndStoresNothing) {
  client_.SetResponder([](const inference::ModelInferRequest& request) {
    if (request.model_name() == "seth") {
      return ScriptedInferenceClient::Failure(grpc::StatusCode::INVALID_ARGUMENT,
                                              "unexpected shape for input 'input'");
    }
    return ScriptedInferenceClient::Failure(grpc::StatusCode::UNAVAILABLE, "Connection dropped");
  });
  FakeJobContext job(JobData(), EmbeddingChild());

  EXPECT_EQ(FailureOf(job),
            "All prediction models failed — "
            "prott5_secondary_structure(UNAVAILABLE): Connection dropped | "
            "tmbed(UNAVAILABLE): Connection dropped | "
            "seth(INVALID_ARGUMENT): unexpected shape for input 'input' | "
            "bindembed(UNAVAILABLE): Connection dropped | "
            "prott5_conservation(UNAVAILABLE): Connection dropped | "
            "variation(UNAVAILABLE): Connection dropped | "
            "light_attention_subcellular(UNAVAILABLE): Connection dropped | "
            "light_attention_membrane(UNAVAILABLE): Connection dropped");
  EXPECT_EQ(store_.List("pred/"), std::vector<std::string>{});
  EXPECT_EQ(job.progress(), (std::vector<int>{10, 30, 80}));
  EXPECT_TRUE(job.logs().empty());
  EXPECT_EQ(observer_.fan_outs().at(0).status, "failure");
  EXPECT_EQ(semaphore_.available(), 3);
}

TEST_F(PredictionProcessorTest, MissingChildValueFailsWithProtifersMessage) {
  const std::string expected = "Embedding child job result missing — cannot retrieve embeddingRef";
  for (const std::vector<Json>& children :
       {std::vector<Json>{}, std::vector<Json>{Json::object()},
        std::vector<Json>{Json{{"embeddingRef", ""}}},
        std::vector<Json>{Json{{"embeddingRef", nullptr}}}, std::vector<Json>{Json("a string")}}) {
    FakeJobContext job(JobData(), children);
    EXPECT_EQ(FailureOf(job), expected);
    EXPECT_EQ(job.progress(), (std::vector<int>{10}));
  }
  EXPECT_EQ(client_.infer_calls(), 0);
}

TEST_F(PredictionProcessorTest, UsesTheFirstChildValue) {
  store_.Put("emb/other", EmbeddingBytes(1), "");
  std::vector<Json> children = EmbeddingChild();
  children.push_back(Json{{"embeddingRef", "emb/other"}});
  FakeJobContext job(JobData(), children);

  MakeProcessor().Process(job);

  const auto requests = client_.requests();
  ASSERT_EQ(requests.size(), 8u);
  EXPECT_EQ(requests[0].inputs(0).shape(1), 2);  // the 2-row embedding of the first child
}

TEST_F(PredictionProcessorTest, ANonStringEmbeddingRefIsUnrecoverable) {
  FakeJobContext job(JobData(), {Json{{"embeddingRef", 42}}});
  EXPECT_EQ(FailureOf<UnrecoverableJobError>(job),
            "embedding child job result has an embeddingRef of type number, expected a string");
}

TEST_F(PredictionProcessorTest, RejectsEmbeddingsOfTheWrongLength) {
  struct Case {
    std::size_t bytes;
    std::string message;
  };
  const std::vector<Case> cases = {
      {123, "embedding buffer length 123 is not valid FP16 (must be even)"},
      {2050, "embedding buffer length 2050 does not match [seqLen, 1024] FP16 shape"},
      {2048 + 1024, "embedding buffer length 3072 does not match [seqLen, 1024] FP16 shape"},
      {0, std::string("embedding buffer at ") + kEmbeddingRef +
              " is empty (0 bytes): expected FP16 [seqLen, 1024] with seqLen >= 1"},
  };
  for (const Case& c : cases) {
    store_.Put(kEmbeddingRef, std::string(c.bytes, '\0'), "");
    FakeJobContext job(JobData(), EmbeddingChild());
    EXPECT_EQ(FailureOf(job), c.message);
    EXPECT_EQ(job.progress(), (std::vector<int>{10}));
  }
  EXPECT_EQ(client_.infer_calls(), 0);
  EXPECT_TRUE(store_.List("pred/").empty());
}

TEST_F(PredictionProcessorTest, RejectsAnEmbeddingOverTheConfiguredMaximum) {
  store_.Put(kEmbeddingRef, EmbeddingBytes(3), "");
  FakeJobContext job(JobData(), EmbeddingChild());
  EXPECT_EQ(FailureOf(job, 2 * kEmbeddingRowBytes),
            std::string("embedding buffer length 6144 at ") + kEmbeddingRef +
                " exceeds the maximum of 4096 bytes");
  EXPECT_EQ(client_.infer_calls(), 0);

  FakeJobContext at_limit(JobData(), EmbeddingChild());
  EXPECT_NO_THROW(MakeProcessor(3 * kEmbeddingRowBytes).Process(at_limit));
}

TEST_F(PredictionProcessorTest, AMissingEmbeddingObjectFailsWithTheStoreError) {
  store_.Delete(kEmbeddingRef);
  FakeJobContext job(JobData(), EmbeddingChild());
  EXPECT_EQ(FailureOf<storage::NotFoundError>(job), std::string("Not found: ") + kEmbeddingRef);
}

TEST_F(PredictionProcessorTest, AStoreWriteFailurePropagatesAfterProgress80) {
  store_.SetFaultHook([](std::string_view operation, std::string_view) {
    if (operation == "Put") {
      throw storage::StorageError("disk full");
    }
  });
  FakeJobContext job(JobData(), EmbeddingChild());
  EXPECT_EQ(FailureOf<storage::StorageError>(job), "disk full");
  EXPECT_EQ(job.progress(), (std::vector<int>{10, 30, 80}));
}

TEST_F(PredictionProcessorTest, BadJobDataNamesTheFieldBeforeAnyWork) {
  Json data = JobData();
  data["embeddingModel"].erase("name");
  FakeJobContext job(data, EmbeddingChild());
  EXPECT_EQ(FailureOf<UnrecoverableJobError>(job),
            "invalid job data: field 'embeddingModel.name' is missing");
  EXPECT_TRUE(job.progress().empty());
  EXPECT_EQ(job.children_reads(), 0);
}

TEST_F(PredictionProcessorTest, ConvertsTheFp16EmbeddingOnceAndSendsItsFloat32Values) {
  FakeJobContext job(JobData(), EmbeddingChild());
  MakeProcessor().Process(job);

  const auto requests = client_.requests();
  ASSERT_EQ(requests.size(), 8u);
  const inference::ModelInferRequest& sec = requests[0];
  ASSERT_EQ(sec.model_name(), "prott5_sec");
  ASSERT_EQ(sec.raw_input_contents(0).size(), 2 * 1024 * 4u);
  for (std::size_t i : {std::size_t{0}, std::size_t{1}, std::size_t{1500}, std::size_t{2047}}) {
    const float expected =
        triton::HalfToFloat(triton::FloatToHalf(static_cast<float>(i % 7) * 0.1f));
    EXPECT_EQ(adapters::testing::FloatAt(sec.raw_input_contents(0), i), expected) << i;
  }
  // tmbed also gets the all-ones mask of seqLen 2.
  ASSERT_EQ(requests[1].model_name(), "tmbed");
  EXPECT_EQ(requests[1].raw_input_contents(1).size(), 8u);
  EXPECT_EQ(adapters::testing::FloatAt(requests[1].raw_input_contents(1), 1), 1.0f);
}

}  // namespace
}  // namespace protifer::prediction

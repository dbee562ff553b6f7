#include "embedding/embedding_processor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/tests/test_support.h"
#include "embedding/embedding_request.h"
#include "prediction/testing/fake_job_context.h"
#include "storage/testing/in_memory_object_store.h"
#include "triton/tensor_codec.h"
#include "triton/testing/scripted_inference_client.h"

namespace protifer::embedding {
namespace {

using Json = nlohmann::ordered_json;
using adapters::testing::ResponseBuilder;
using prediction::UnrecoverableJobError;
using prediction::testing::FakeJobContext;
using storage::testing::InMemoryObjectStore;
using triton::testing::ScriptedInferenceClient;

constexpr const char* kSequence = "MKTV";
constexpr const char* kSequenceHash = "abc123";
constexpr const char* kRef = "emb/prott5_xl_u50/dev/abc123";
constexpr const char* kFixedNow = "2026-06-20T12:34:56.789Z";

Json JobData(const std::string& sequence = kSequence) {
  Json data = Json::object();
  data["sequence"] = sequence;
  data["sequenceHash"] = kSequenceHash;
  data["embeddingModel"] = Json{{"name", "prott5_xl_u50"}, {"version", "dev"}};
  data["userId"] = "user-1";
  data["submittedAt"] = "2026-06-20T12:00:00.000Z";
  return data;
}

// Distinct FP16 values for `rows` residues.
std::string Fp16Rows(std::size_t rows) {
  std::vector<float> values(rows * 1024);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<float>(i % 251) / 8.0f;
  }
  return triton::FloatsToFp16Bytes(values);
}

// Answers prot_t5_pipeline with `raw` as its FP16 `embeddings` output.
ScriptedInferenceClient::Responder AnswerRaw(std::string raw) {
  return [raw = std::move(raw)](const inference::ModelInferRequest& request) {
    return triton::InferResult(
        ResponseBuilder(request.model_name()).RawBytes("embeddings", "FP16", raw).Build(), 1);
  };
}

class RecordingEmbeddingObserver final : public EmbeddingObserver {
 public:
  void OnModelCall(std::string_view model, std::string_view status, double) override {
    model_calls.push_back(std::string(model) + " " + std::string(status));
  }
  void OnEmbeddingJob(std::string_view status, double seconds) override {
    jobs.emplace_back(status);
    EXPECT_GE(seconds, 0.0);
  }
  std::vector<std::string> model_calls;
  std::vector<std::string> jobs;
};

class EmbeddingProcessorTest : public ::testing::Test {
 protected:
  EmbeddingProcessor MakeProcessor() {
    EmbeddingProcessorOptions options;
    options.clock = [] {
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(1781958896789));
    };
    return EmbeddingProcessor(store_, client_, observer_, options);
  }

  template <typename Error>
  std::string FailureOf(FakeJobContext& job) {
    try {
      MakeProcessor().Process(job);
    } catch (const Error& error) {
      return error.what();
    }
    ADD_FAILURE() << "the job did not fail with the expected type";
    return "";
  }

  InMemoryObjectStore store_;
  ScriptedInferenceClient client_;
  RecordingEmbeddingObserver observer_;
};

TEST_F(EmbeddingProcessorTest, CacheHitReusesTheStoredEmbeddingWithoutInference) {
  store_.Put(kRef, Fp16Rows(4), "");
  FakeJobContext job(JobData());

  const EmbeddingJobResult result = MakeProcessor().Process(job);

  EXPECT_EQ(result.embedding_ref, kRef);
  EXPECT_EQ(result.computed_at, kFixedNow);
  EXPECT_EQ(
      job.logs(),
      (std::vector<std::string>{std::string("Cache hit: reusing stored embedding at ") + kRef}));
  EXPECT_TRUE(job.progress().empty());
  EXPECT_EQ(client_.infer_calls(), 0);
  EXPECT_TRUE(observer_.model_calls.empty());
  EXPECT_EQ(observer_.jobs, (std::vector<std::string>{"success"}));
}

TEST_F(EmbeddingProcessorTest, MissCallsThePipelineAndStoresItsFp16Bytes) {
  const std::string fp16 = Fp16Rows(4);
  client_.SetResponder(AnswerRaw(fp16));
  FakeJobContext job(JobData());

  const EmbeddingJobResult result = MakeProcessor().Process(job);

  ASSERT_EQ(client_.infer_calls(), 1);
  const inference::ModelInferRequest request = client_.requests()[0];
  EXPECT_EQ(request.model_name(), "prot_t5_pipeline");
  EXPECT_TRUE(request.model_version().empty());
  EXPECT_TRUE(request.id().empty());
  ASSERT_EQ(request.inputs_size(), 1);
  EXPECT_EQ(request.inputs(0).name(), "sequences");
  EXPECT_EQ(request.inputs(0).datatype(), "BYTES");
  EXPECT_EQ(
      std::vector<std::int64_t>(request.inputs(0).shape().begin(), request.inputs(0).shape().end()),
      (std::vector<std::int64_t>{1, 1}));
  ASSERT_EQ(request.inputs(0).contents().bytes_contents_size(), 1);
  EXPECT_EQ(request.inputs(0).contents().bytes_contents(0), kSequence);
  EXPECT_EQ(request.raw_input_contents_size(), 0);
  ASSERT_EQ(request.outputs_size(), 1);
  EXPECT_EQ(request.outputs(0).name(), "embeddings");

  EXPECT_EQ(store_.Get(kRef), fp16);
  EXPECT_EQ(store_.Get(kRef).size(), 4u * 2048u);
  EXPECT_EQ(store_.ContentType(kRef), "application/octet-stream");
  EXPECT_EQ(job.progress(), (std::vector<int>{10, 70, 100}));
  EXPECT_EQ(job.logs(), (std::vector<std::string>{std::string("Stored embedding at ") + kRef +
                                                  " (8192 FP16 bytes)"}));
  EXPECT_EQ(result.ToJson().dump(), std::string(R"({"embeddingRef":")") + kRef +
                                        R"(","computedAt":")" + kFixedNow + R"("})");
  EXPECT_EQ(observer_.model_calls, (std::vector<std::string>{"prot_t5_pipeline success"}));
  EXPECT_EQ(observer_.jobs, (std::vector<std::string>{"success"}));
}

TEST_F(EmbeddingProcessorTest, Fp32ContentsAreNarrowedToFp16WhenNoRawBytesCome) {
  std::vector<float> values(4 * 1024);
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = 0.1f * static_cast<float>(i % 13);
  }
  client_.SetResponder([values](const inference::ModelInferRequest& request) {
    return triton::InferResult(
        ResponseBuilder(request.model_name()).TypedFp32("embeddings", values).Build(), 1);
  });
  FakeJobContext job(JobData());

  MakeProcessor().Process(job);

  EXPECT_EQ(store_.Get(kRef), triton::FloatsToFp16Bytes(values));
}

TEST_F(EmbeddingProcessorTest, InvalidOutputLengthsAreUnrecoverable) {
  client_.SetResponder([](const inference::ModelInferRequest& request) {
    return triton::InferResult(
        ResponseBuilder(request.model_name()).TypedFp32("embeddings", {}).Build(), 1);
  });
  FakeJobContext empty(JobData());
  EXPECT_EQ(FailureOf<UnrecoverableJobError>(empty),
            "prot_t5_pipeline: invalid FP16 output length 0");

  client_.SetResponder(AnswerRaw(std::string(3, '\x01')));
  FakeJobContext odd(JobData());
  EXPECT_EQ(FailureOf<UnrecoverableJobError>(odd),
            "prot_t5_pipeline: invalid FP16 output length 3");
  EXPECT_FALSE(store_.Exists(kRef));
  EXPECT_EQ(odd.progress(), (std::vector<int>{10, 70}));
  EXPECT_EQ(observer_.jobs, (std::vector<std::string>{"failure", "failure"}));
}

TEST_F(EmbeddingProcessorTest, RowCountMustEqualTheSequenceLength) {
  client_.SetResponder(AnswerRaw(Fp16Rows(5)));  // an EOS row leaked
  FakeJobContext extra_row(JobData());
  EXPECT_EQ(FailureOf<UnrecoverableJobError>(extra_row),
            "prot_t5_pipeline: embedding row count 5 != sequence length 4");

  client_.SetResponder(AnswerRaw(Fp16Rows(4) + std::string(2, '\0')));
  FakeJobContext partial_row(JobData());
  // JavaScript divides: 8194 / 2048.
  EXPECT_EQ(FailureOf<UnrecoverableJobError>(partial_row),
            "prot_t5_pipeline: embedding row count 4.0009765625 != sequence length 4");
  EXPECT_FALSE(store_.Exists(kRef));
}

TEST_F(EmbeddingProcessorTest, SequenceLengthIsCountedInUtf16Units) {
  // "MK" + U+00E9 (2 UTF-8 bytes, 1 unit) + U+1F600 (4 bytes, 2 units) = 5 units.
  const std::string sequence = "MK\xC3\xA9\xF0\x9F\x98\x80";
  client_.SetResponder(AnswerRaw(Fp16Rows(5)));
  FakeJobContext job(JobData(sequence));
  MakeProcessor().Process(job);
  EXPECT_EQ(store_.Get(kRef).size(), 5u * 2048u);
  EXPECT_EQ(client_.requests()[0].inputs(0).contents().bytes_contents(0), sequence);
}

TEST_F(EmbeddingProcessorTest, AResponseWithoutOutputsIsUnrecoverable) {
  client_.SetResponder(&ScriptedInferenceClient::Echo);
  FakeJobContext job(JobData());
  EXPECT_EQ(FailureOf<UnrecoverableJobError>(job),
            "Triton returned no output tensor for prot_t5_pipeline");
}

TEST_F(EmbeddingProcessorTest, ATritonFailureFailsTheJobWithTheTritonError) {
  client_.SetResponder([](const inference::ModelInferRequest&) {
    return ScriptedInferenceClient::Failure(grpc::StatusCode::UNAVAILABLE, "Connection dropped", 3);
  });
  FakeJobContext job(JobData());
  EXPECT_EQ(FailureOf<triton::TritonError>(job), "UNAVAILABLE: Connection dropped");
  EXPECT_EQ(job.progress(), (std::vector<int>{10}));
  EXPECT_EQ(observer_.model_calls, (std::vector<std::string>{"prot_t5_pipeline UNAVAILABLE"}));
  EXPECT_EQ(observer_.jobs, (std::vector<std::string>{"failure"}));

  // DESIGN §4 item 2: a deadline keeps its own label (protifer's embedding worker: INTERNAL);
  // codes outside protifer's map are INTERNAL.
  client_.SetResponder([](const inference::ModelInferRequest&) {
    return ScriptedInferenceClient::Failure(grpc::StatusCode::DEADLINE_EXCEEDED,
                                            "Deadline Exceeded");
  });
  FakeJobContext late(JobData());
  EXPECT_EQ(FailureOf<triton::TritonError>(late), "DEADLINE_EXCEEDED: Deadline Exceeded");
  client_.SetResponder([](const inference::ModelInferRequest&) {
    return ScriptedInferenceClient::Failure(grpc::StatusCode::RESOURCE_EXHAUSTED, "too big");
  });
  FakeJobContext big(JobData());
  FailureOf<triton::TritonError>(big);
  EXPECT_EQ(observer_.model_calls, (std::vector<std::string>{"prot_t5_pipeline UNAVAILABLE",
                                                             "prot_t5_pipeline DEADLINE_EXCEEDED",
                                                             "prot_t5_pipeline INTERNAL"}));
}

TEST_F(EmbeddingProcessorTest, BadJobDataNamesTheField) {
  Json data = JobData();
  data["sequenceHash"] = 7;
  FakeJobContext job(data);
  EXPECT_EQ(FailureOf<UnrecoverableJobError>(job),
            "invalid job data: field 'sequenceHash' must be a string, got number");
  EXPECT_EQ(client_.infer_calls(), 0);
  EXPECT_EQ(observer_.jobs, (std::vector<std::string>{"failure"}));
}

TEST(BuildEmbeddingRequest, CarriesTheSequenceAsOneTypedBytesElement) {
  const inference::ModelInferRequest request = BuildEmbeddingRequest("ACDE");
  EXPECT_EQ(request.model_name(), "prot_t5_pipeline");
  EXPECT_EQ(request.inputs(0).contents().bytes_contents(0), "ACDE");
  EXPECT_TRUE(request.parameters().empty());
}

}  // namespace
}  // namespace protifer::embedding

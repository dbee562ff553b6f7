#include "request_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stub_test_support.h"

namespace protifer::kserve_stub {
namespace {

using testing::AdapterRequest;
using testing::AddRawInput;
using testing::MakeEmbedding;

class RequestValidatorTest : public ::testing::Test {
 protected:
  const ModelSpec& Model(const char* name) { return *catalog_.Find(name); }

  // The status of validating `request` against its model.
  grpc::Status Validate(const inference::ModelInferRequest& request) {
    return ValidateInferRequest(*catalog_.Find(request.model_name()), request, &validated_);
  }

  void ExpectInvalid(const inference::ModelInferRequest& request, const std::string& message) {
    const grpc::Status status = Validate(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_EQ(status.error_message(), message);
  }

  ModelCatalog catalog_ = ModelCatalog::BuiltIn();
  ValidatedRequest validated_;
  std::vector<float> embedding_ = MakeEmbedding(7);
};

TEST_F(RequestValidatorTest, AcceptsEveryAdapterRequest) {
  for (const char* name : {"prott5_sec", "tmbed", "seth", "bind_embed", "prott5_cons", "vespag",
                           "light_attention_subcell", "light_attention_membrane"}) {
    const auto request = AdapterRequest(name, embedding_, 7);
    ASSERT_TRUE(Validate(request).ok()) << name << ": " << Validate(request).error_message();
    EXPECT_EQ(validated_.batch_size, 1) << name;
    EXPECT_EQ(validated_.inputs.size(), Model(name).inputs.size()) << name;
  }
  // Raw bytes are borrowed from the request, not copied.
  const auto request = AdapterRequest("seth", embedding_, 7);
  ASSERT_TRUE(Validate(request).ok());
  EXPECT_EQ(validated_.inputs[0].bytes().data(), request.raw_input_contents(0).data());
  EXPECT_EQ(validated_.residues, 7);
}

TEST_F(RequestValidatorTest, AcceptsTypedBytesForEmbeddingPipeline) {
  auto request = testing::EmbeddingRequest("MKV");
  ASSERT_TRUE(Validate(request).ok());
  EXPECT_EQ(validated_.inputs[0].datatype(), DataType::kBytes);
  // The tokenizer step counts residues as string bytes (ensembles have no capacity of their own).
  request.set_model_name("_internal_prott5_tokenizer");
  request.clear_outputs();
  ASSERT_TRUE(Validate(request).ok());
  EXPECT_EQ(validated_.residues, 3);
}

TEST_F(RequestValidatorTest, InputCountListsGotAndMissing) {
  auto request = AdapterRequest("light_attention_subcell", embedding_, 7);
  request.mutable_inputs()->RemoveLast();
  request.mutable_raw_input_contents()->RemoveLast();
  ExpectInvalid(request,
                "[request id: <id_unknown>] expected 2 inputs but got 1 inputs for model "
                "'light_attention_subcell'. Got input(s) ['input'], but missing required "
                "input(s) ['mask']. Please provide all required input(s).");
}

TEST_F(RequestValidatorTest, TooManyInputsPrintsTritonsEmptyMissingList) {
  auto request = AdapterRequest("seth", embedding_, 7);
  AddRawInput(&request, "mask", "FP32", {1, 7}, testing::OnesMask(7));
  ExpectInvalid(request,
                "[request id: <id_unknown>] expected 1 inputs but got 2 inputs for model 'seth'. "
                "Got input(s) ['input','mask'], but missing required input(s) ]. Please provide "
                "all required input(s).");
}

TEST_F(RequestValidatorTest, UnknownInputName) {
  auto request = AdapterRequest("prott5_sec", embedding_, 7);
  request.mutable_inputs(0)->set_name("embedding");
  ExpectInvalid(request, "unexpected inference input 'embedding' for model 'prott5_sec'");
}

TEST_F(RequestValidatorTest, DatatypeMismatch) {
  auto request = AdapterRequest("prott5_sec", embedding_, 7);
  request.mutable_inputs(0)->set_datatype("FP16");
  ExpectInvalid(request,
                "[request id: <id_unknown>] inference input 'input' data-type is 'FP16', but "
                "model 'prott5_sec' expects 'FP32'");
  request.mutable_inputs(0)->set_datatype("float32");
  ExpectInvalid(request,
                "[request id: <id_unknown>] inference input 'input' data-type is 'INVALID', but "
                "model 'prott5_sec' expects 'FP32'");
}

constexpr const char* kBatchNote =
    ". NOTE: Setting a non-zero max_batch_size in the model config requires a batch dimension "
    "to be prepended to each input shape. If you want to specify the full shape including the "
    "batch dim in your input dims config, try setting max_batch_size to zero. See the model "
    "configuration docs for more info on max_batch_size.";

TEST_F(RequestValidatorTest, ShapeWithoutBatchDimension) {
  auto request = AdapterRequest("prott5_sec", embedding_, 7);
  request.mutable_inputs(0)->clear_shape();
  request.mutable_inputs(0)->add_shape(7);
  request.mutable_inputs(0)->add_shape(1024);
  ExpectInvalid(request,
                std::string("[request id: <id_unknown>] unexpected shape for input 'input' for "
                            "model 'prott5_sec'. Expected [-1,-1,1024], got [7,1024]") +
                    kBatchNote);
}

TEST_F(RequestValidatorTest, ChannelsFirstSentToChannelsLastModel) {
  inference::ModelInferRequest request;
  request.set_model_name("vespag");
  AddRawInput(&request, "input", "FP32", {1, 1024, 7}, testing::ChannelsFirstBytes(embedding_, 7));
  ExpectInvalid(request,
                std::string("[request id: <id_unknown>] unexpected shape for input 'input' for "
                            "model 'vespag'. Expected [-1,-1,1024], got [1,1024,7]") +
                    kBatchNote);
}

TEST_F(RequestValidatorTest, ChannelsLastSentToBindEmbed) {
  inference::ModelInferRequest request;
  request.set_model_name("bind_embed");
  AddRawInput(&request, "ensemble_input", "FP32", {1, 7, 1024},
              testing::ChannelsLastBytes(embedding_));
  ExpectInvalid(request,
                std::string("[request id: <id_unknown>] unexpected shape for input "
                            "'ensemble_input' for model 'bind_embed'. Expected [-1,1024,-1], got "
                            "[1,7,1024]") +
                    kBatchNote);
}

TEST_F(RequestValidatorTest, BatchTooLarge) {
  auto request = AdapterRequest("seth", embedding_, 7);
  request.mutable_inputs(0)->set_shape(0, 17);
  ExpectInvalid(request,
                "[request id: <id_unknown>] inference request batch-size must be <= 16 for 'seth'");
}

TEST_F(RequestValidatorTest, BatchDimensionsMustAgree) {
  auto request = AdapterRequest("tmbed", embedding_, 7);
  request.mutable_inputs(1)->set_shape(0, 2);
  ExpectInvalid(request,
                "[request id: <id_unknown>] input 'mask' batch size does not match other inputs "
                "for 'tmbed'");
}

TEST_F(RequestValidatorTest, WildcardInRequestShape) {
  auto request = AdapterRequest("seth", embedding_, 7);
  request.mutable_inputs(0)->set_shape(1, -1);
  ExpectInvalid(request,
                "[request id: <id_unknown>] All input dimensions should be specified for input "
                "'input' for model 'seth', got [1,-1,1024]");
}

TEST_F(RequestValidatorTest, RawByteSizeMismatchNamesBothSizes) {
  auto request = AdapterRequest("prott5_sec", embedding_, 7);
  request.mutable_raw_input_contents(0)->resize(7 * 4096 - 4);
  ExpectInvalid(request,
                "[request id: <id_unknown>] input byte size mismatch for input 'input' for model "
                "'prott5_sec'. Expected 28672, got 28668");
}

TEST_F(RequestValidatorTest, MissingRawBuffer) {
  auto request = AdapterRequest("tmbed", embedding_, 7);
  request.mutable_raw_input_contents()->RemoveLast();
  ExpectInvalid(request,
                "unable to find data for input tensor 'mask' for model 'tmbed' in request.");
}

TEST_F(RequestValidatorTest, SurplusRawBufferIsRejected) {
  auto request = AdapterRequest("seth", embedding_, 7);
  request.add_raw_input_contents(testing::OnesMask(7));
  ExpectInvalid(request,
                "expected 1 raw_input_contents entries (one per input) but got 2 for model 'seth'");
}

TEST_F(RequestValidatorTest, TypedContentsNextToRawBuffers) {
  auto request = AdapterRequest("seth", embedding_, 7);
  request.mutable_inputs(0)->mutable_contents()->add_fp32_contents(1.0f);
  ExpectInvalid(request,
                "contents field must not be specified when using raw_input_contents for 'input' "
                "for model 'seth'");
}

TEST_F(RequestValidatorTest, TypedFieldOfWrongType) {
  auto request = testing::EmbeddingRequest("MKV");
  request.mutable_inputs(0)->mutable_contents()->clear_bytes_contents();
  request.mutable_inputs(0)->mutable_contents()->add_fp32_contents(1.0f);
  ExpectInvalid(request,
                "unexpected explicit tensor data for input tensor 'sequences' for model "
                "'prot_t5_pipeline' of type 'FP32', expected datatype 'BYTES'");
}

TEST_F(RequestValidatorTest, TypedFp32ContentsAreAccepted) {
  auto request = AdapterRequest("seth", embedding_, 7);
  request.clear_raw_input_contents();
  for (float value : embedding_)
    request.mutable_inputs(0)->mutable_contents()->add_fp32_contents(value);
  ASSERT_TRUE(Validate(request).ok()) << Validate(request).error_message();
  EXPECT_EQ(ReadFloats(validated_.inputs[0]), embedding_);
}

TEST_F(RequestValidatorTest, UnknownRequestedOutput) {
  auto request = AdapterRequest("prott5_sec", embedding_, 7);
  request.mutable_outputs(1)->set_name("d4_Yhat");
  ExpectInvalid(request, "unexpected inference output 'd4_Yhat' for model 'prott5_sec'");
}

TEST_F(RequestValidatorTest, MalformedBytesBuffer) {
  inference::ModelInferRequest request;
  request.set_model_name("prot_t5_pipeline");
  AddRawInput(&request, "sequences", "BYTES", {1, 1}, std::string("\x03\x00", 2));
  ExpectInvalid(request,
                "[request id: <id_unknown>] element byte size indicator exceeds the end of the "
                "buffer");
  request.set_raw_input_contents(0, std::string("\x05\x00\x00\x00MK", 6));
  ExpectInvalid(request,
                "[request id: <id_unknown>] incomplete string data for inference input "
                "'sequences', expected string of size 5, got 2");
  request.set_raw_input_contents(0, std::string("\x01\x00\x00\x00M\x01\x00\x00\x00K", 10));
  ExpectInvalid(request,
                "[request id: <id_unknown>] expected 1 string elements for inference input "
                "'sequences', got 2");
}

TEST_F(RequestValidatorTest, RequestIdAppearsInPrefix) {
  auto request = AdapterRequest("seth", embedding_, 7);
  request.set_id("job-42");
  request.mutable_inputs(0)->set_datatype("FP64");
  ExpectInvalid(request,
                "[request id: job-42] inference input 'input' data-type is 'FP64', but model "
                "'seth' expects 'FP32'");
}

TEST_F(RequestValidatorTest, DuplicateInputName) {
  auto request = AdapterRequest("tmbed", embedding_, 7);
  request.mutable_inputs(1)->set_name("ensemble_input");
  ExpectInvalid(request,
                "[request id: <id_unknown>] input 'ensemble_input' already exists in request");
}

}  // namespace
}  // namespace protifer::kserve_stub

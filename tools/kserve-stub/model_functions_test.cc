#include "model_functions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "stub_test_support.h"

namespace protifer::kserve_stub {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ModelFunctionsTest : public ::testing::Test {
 protected:
  TensorList Run(const char* model, TensorList inputs, grpc::Status* status = nullptr) {
    const ModelSpec& spec = *catalog_.Find(model);
    TensorList outputs;
    grpc::Status result = MakeModelFunction(spec)->Evaluate(inputs, &outputs);
    if (status != nullptr) {
      *status = result;
    } else {
      EXPECT_TRUE(result.ok()) << result.error_message();
      EXPECT_TRUE(VerifyOutputs(spec, inputs[0].shape()[0], outputs).ok());
    }
    return outputs;
  }

  ModelCatalog catalog_ = ModelCatalog::BuiltIn();
};

// The documented formula, evaluated independently in double precision.
double Projection(const std::vector<float>& embedding, std::int64_t residue, std::uint64_t seed,
                  std::uint64_t k) {
  double sum = 0;
  for (std::uint64_t c = 0; c < 1024; ++c) {
    sum += static_cast<double>(embedding[static_cast<std::size_t>(residue) * 1024 + c]) *
           ProjectionWeight(seed, k, c);
  }
  return 0.125 * sum + ProjectionBias(seed, k);
}

TEST_F(ModelFunctionsTest, HashUnitIsInRangeAndSpread) {
  double low = 1, high = -1;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const double u = HashUnit(1, 2, i);
    EXPECT_GE(u, -1.0);
    EXPECT_LT(u, 1.0);
    low = std::min(low, u);
    high = std::max(high, u);
  }
  EXPECT_LT(low, -0.9);
  EXPECT_GT(high, 0.9);
}

TEST_F(ModelFunctionsTest, ChannelsLastProjectionFollowsFormula) {
  const auto embedding = testing::MakeEmbedding(5);
  const auto outputs = Run("prott5_sec", {MakeFp32Tensor("input", {1, 5, 1024}, embedding)});
  const auto d8 = ReadFloats(*FindTensor(outputs, "d8_Yhat"));
  ASSERT_EQ(d8.size(), 40u);
  for (std::int64_t r = 0; r < 5; ++r) {
    for (std::uint64_t k = 0; k < 8; ++k) {
      EXPECT_NEAR(d8[static_cast<std::size_t>(r) * 8 + k], Projection(embedding, r, 1102, k), 1e-3);
    }
  }
}

TEST_F(ModelFunctionsTest, OutputsOfOneModelAreDifferentFunctions) {
  const auto embedding = testing::MakeEmbedding(4);
  const auto outputs = Run("prott5_sec", {MakeFp32Tensor("input", {1, 4, 1024}, embedding)});
  const auto d3 = ReadFloats(*FindTensor(outputs, "d3_Yhat"));
  const auto d8 = ReadFloats(*FindTensor(outputs, "d8_Yhat"));
  EXPECT_NE(std::vector<float>(d3.begin(), d3.begin() + 3),
            std::vector<float>(d8.begin(), d8.begin() + 3));
}

TEST_F(ModelFunctionsTest, ChannelsFirstModelReadsTheTransposedLayout) {
  const auto embedding = testing::MakeEmbedding(6);
  const auto outputs =
      Run("_bind_embed_cv2", {Tensor::Owned("input_embedding", DataType::kFp32, {1, 1024, 6},
                                            testing::ChannelsFirstBytes(embedding, 6))});
  const auto logits = ReadFloats(*FindTensor(outputs, "output_logits"));
  ASSERT_EQ(logits.size(), 18u);
  for (std::int64_t r = 0; r < 6; ++r) {
    for (std::uint64_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(logits[static_cast<std::size_t>(r) * 3 + k], Projection(embedding, r, 1802, k),
                  1e-3);
    }
  }
}

TEST_F(ModelFunctionsTest, SameInputGivesIdenticalBytes) {
  const auto embedding = testing::MakeEmbedding(9);
  auto a = Run("vespag", {MakeFp32Tensor("input", {1, 9, 1024}, embedding)});
  auto b = Run("vespag", {MakeFp32Tensor("input", {1, 9, 1024}, embedding)});
  EXPECT_EQ(a[0].bytes(), b[0].bytes());
}

TEST_F(ModelFunctionsTest, LightAttentionSeesTransposedSquareInput) {
  const std::int64_t length = 1024;  // square, so both layouts pass shape checks
  const auto embedding = testing::MakeEmbedding(length);
  const std::string mask = testing::OnesMask(length);
  auto right =
      Run("light_attention_subcell", {Tensor::Owned("input", DataType::kFp32, {1, 1024, length},
                                                    testing::ChannelsFirstBytes(embedding, length)),
                                      Tensor::Owned("mask", DataType::kFp32, {1, length}, mask)});
  auto wrong =
      Run("light_attention_subcell", {Tensor::Owned("input", DataType::kFp32, {1, 1024, length},
                                                    testing::ChannelsLastBytes(embedding)),
                                      Tensor::Owned("mask", DataType::kFp32, {1, length}, mask)});
  EXPECT_NE(ReadFloats(right[0]), ReadFloats(wrong[0]));
}

TEST_F(ModelFunctionsTest, LightAttentionRejectsChannelsLastLikeOnnxRuntime) {
  const auto embedding = testing::MakeEmbedding(7);
  grpc::Status status;
  Run("light_attention_membrane",
      {Tensor::Owned("input", DataType::kFp32, {1, 7, 1024}, testing::ChannelsLastBytes(embedding)),
       Tensor::Owned("mask", DataType::kFp32, {1, 7}, testing::OnesMask(7))},
      &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(
      status.error_message(),
      "onnx runtime error 2: Got invalid dimensions for input: input for the following "
      "indices\n index: 1 Got: 7 Expected: 1024\n Please fix either the inputs or the model.");
}

TEST_F(ModelFunctionsTest, LightAttentionIgnoresMaskedResidues) {
  const auto embedding = testing::MakeEmbedding(4);
  std::vector<float> mask{1, 1, 0, 0};
  std::vector<float> two_residues(embedding.begin(), embedding.begin() + 2 * 1024);
  auto masked =
      Run("light_attention_subcell", {Tensor::Owned("input", DataType::kFp32, {1, 1024, 4},
                                                    testing::ChannelsFirstBytes(embedding, 4)),
                                      MakeFp32Tensor("mask", {1, 4}, mask)});
  auto shorter =
      Run("light_attention_subcell", {Tensor::Owned("input", DataType::kFp32, {1, 1024, 2},
                                                    testing::ChannelsFirstBytes(two_residues, 2)),
                                      MakeFp32Tensor("mask", {1, 2}, std::vector<float>{1, 1})});
  const auto a = ReadFloats(masked[0]);
  const auto b = ReadFloats(shorter[0]);
  ASSERT_EQ(a.size(), 10u);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5);
}

// Logits [1, 5, L] that make CV argmax = `classes[r]` at residue r.
Tensor CvLogits(const std::string& name, const std::vector<int>& classes) {
  const std::int64_t length = static_cast<std::int64_t>(classes.size());
  std::vector<float> logits(5 * classes.size(), 0.0f);
  for (std::size_t r = 0; r < classes.size(); ++r) {
    logits[static_cast<std::size_t>(classes[r]) * classes.size() + r] = 5.0f;
  }
  return MakeFp32Tensor(name, {1, 5, length}, logits);
}

TEST_F(ModelFunctionsTest, TmbedDecoderLabelsAndOrientation) {
  // classes: 0 B, 1 H, 2 S, 3 i, 4 o
  const std::vector<int> classes{2, 3, 1, 1, 4, 1, 0, 3, 3};
  TensorList inputs;
  for (int i = 0; i < 5; ++i) inputs.push_back(CvLogits("output_" + std::to_string(i), classes));
  inputs.push_back(MakeFp32Tensor("mask", {1, 9}, std::vector<float>(9, 1.0f)));
  const auto outputs = Run("_tmbed_viterbi", inputs);
  EXPECT_THAT(ReadStrings(*FindTensor(outputs, "labels")), ElementsAre("SiHHohbii"));
  const auto probabilities = ReadFloats(*FindTensor(outputs, "probabilities"));
  ASSERT_EQ(probabilities.size(), 45u);
  float row_sum = 0;
  for (int k = 0; k < 5; ++k) row_sum += probabilities[static_cast<std::size_t>(k)];
  EXPECT_NEAR(row_sum, 1.0f, 1e-5);
  EXPECT_GT(probabilities[2], 0.9f);  // residue 0 is class S, channels-last [L, 5]
}

TEST_F(ModelFunctionsTest, TmbedDecoderLabelsOnlyMaskedResidues) {
  const std::vector<int> classes{3, 3, 3, 3};
  TensorList inputs;
  for (int i = 0; i < 5; ++i) inputs.push_back(CvLogits("output_" + std::to_string(i), classes));
  inputs.push_back(MakeFp32Tensor("mask", {1, 4}, std::vector<float>{1, 1, 0, 0}));
  const auto outputs = Run("_tmbed_viterbi", inputs);
  EXPECT_THAT(ReadStrings(*FindTensor(outputs, "labels")), ElementsAre("ii"));
}

TEST_F(ModelFunctionsTest, TokenizerUsesProtT5Vocabulary) {
  const std::vector<std::string> sequences{"ACDU", "Lx"};
  const auto outputs =
      Run("_internal_prott5_tokenizer", {MakeBytesTensor("sequences", {2, 1}, sequences)});
  const Tensor& ids = *FindTensor(outputs, "input_ids");
  EXPECT_THAT(ids.shape(), ElementsAre(2, 5));
  EXPECT_THAT(ReadInt64s(ids), ElementsAre(3, 22, 10, 23, 1, 4, 2, 1, 0, 0));
  EXPECT_THAT(ReadInt64s(*FindTensor(outputs, "attention_mask")),
              ElementsAre(1, 1, 1, 1, 1, 1, 1, 1, 0, 0));
}

TEST_F(ModelFunctionsTest, TokenizerWantsOneSequencePerItem) {
  const std::vector<std::string> sequences{"AC", "DE"};
  grpc::Status status;
  Run("_internal_prott5_tokenizer", {MakeBytesTensor("sequences", {1, 2}, sequences)}, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("expected 1 sequence per batch item, got 2"));
}

TEST_F(ModelFunctionsTest, EncoderAndPostprocessDropEos) {
  const std::vector<std::int64_t> ids{7, 9, 1};  // S E </s>
  const std::vector<std::int64_t> mask{1, 1, 1};
  auto hidden = Run("_internal_prott5_onnx", {MakeInt64Tensor("input_ids", {1, 3}, ids),
                                              MakeInt64Tensor("attention_mask", {1, 3}, mask)});
  const auto values = ReadFloats(hidden[0]);
  ASSERT_EQ(values.size(), 3u * 1024);
  EXPECT_EQ(values[1024 + 5], triton::HalfToFloat(triton::FloatToHalf(EncoderValue(9, 1, 5))));
  auto embedding = Run(
      "_internal_prott5_postprocess",
      {hidden[0].Renamed("last_hidden_state"), MakeInt64Tensor("attention_mask", {1, 3}, mask)});
  EXPECT_THAT(embedding[0].shape(), ElementsAre(1, 2, 1024));
  EXPECT_EQ(embedding[0].bytes(), hidden[0].bytes().substr(0, 2 * 2048));
}

TEST_F(ModelFunctionsTest, PostprocessZeroPadsShorterItems) {
  const std::vector<std::int64_t> ids{7, 1, 0, 7, 9, 1};
  const std::vector<std::int64_t> mask{1, 1, 0, 1, 1, 1};
  auto hidden = Run("_internal_prott5_onnx", {MakeInt64Tensor("input_ids", {2, 3}, ids),
                                              MakeInt64Tensor("attention_mask", {2, 3}, mask)});
  auto embedding = Run(
      "_internal_prott5_postprocess",
      {hidden[0].Renamed("last_hidden_state"), MakeInt64Tensor("attention_mask", {2, 3}, mask)});
  EXPECT_THAT(embedding[0].shape(), ElementsAre(2, 2, 1024));
  const auto values = ReadFloats(embedding[0]);
  EXPECT_NE(values[0], 0.0f);
  EXPECT_EQ(values[1024], 0.0f);  // item 0 has one residue; its second row is padding
}

TEST_F(ModelFunctionsTest, VerifyOutputsCatchesShapeDrift) {
  const ModelSpec& seth = *catalog_.Find("seth");
  TensorList outputs{MakeFp32Tensor("output", {1, 4, 2}, std::vector<float>(8, 0.0f))};
  const grpc::Status status = VerifyOutputs(seth, 1, outputs);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("config allows [1,-1,1]"));
}

}  // namespace
}  // namespace protifer::kserve_stub

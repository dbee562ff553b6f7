#include "adapters/light_attention.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/label_tables.h"
#include "adapters/tests/test_support.h"

namespace protifer::adapters {
namespace {

using testing::ExpectThrowWithMessage;
using testing::ResponseBuilder;

const LightAttentionSubcellAdapter kSubcell;
const LightAttentionMembraneAdapter kMembrane;

// `n` logits peaking at `winner`, the rest distinct and lower.
std::vector<float> PeakAt(std::size_t n, std::size_t winner) {
  std::vector<float> logits;
  for (std::size_t i = 0; i < n; ++i) {
    logits.push_back(i == winner ? 3.0f : -0.1f * static_cast<float>(i));
  }
  return logits;
}

std::string DecodeRaw(const Adapter& adapter, const std::vector<float>& logits) {
  return adapter
      .Decode(ResponseBuilder(std::string(adapter.model_name())).RawFp32("output", logits).Build())
      .get<std::string>();
}

void ExpectChannelsFirstRequestWithMask(const Adapter& adapter, std::string_view model_name) {
  const testing::TestEmbedding embedding(9);
  const auto request = adapter.BuildRequest(embedding.context());
  testing::ExpectRequestConventions(request, model_name);
  ASSERT_EQ(request.inputs_size(), 2);
  EXPECT_EQ(request.inputs(0).name(), "input");
  EXPECT_EQ(testing::ShapeOf(request.inputs(0)), (std::vector<std::int64_t>{1, 1024, 9}));
  testing::ExpectChannelsFirstPayload(request.raw_input_contents(0), 9);
  EXPECT_EQ(request.inputs(1).name(), "mask");
  EXPECT_EQ(testing::ShapeOf(request.inputs(1)), (std::vector<std::int64_t>{1, 9}));
  testing::ExpectMaskPayload(request.raw_input_contents(1), 9);
  EXPECT_EQ(testing::RequestedOutputs(request), (std::vector<std::string>{"output"}));
}

TEST(LightAttentionSubcell, LabelTableIsTheModelsClassOrder) {
  const std::vector<std::string_view> expected = {
      "Cell.membrane",   "Cytoplasm",        "Endoplasmic.reticulum",
      "Golgi.apparatus", "Lysosome/Vacuole", "Mitochondrion",
      "Nucleus",         "Peroxisome",       "Plastid",
      "Extracellular"};
  EXPECT_EQ(std::vector<std::string_view>(kSubcellularLabels.begin(), kSubcellularLabels.end()),
            expected);
}

TEST(LightAttentionSubcell, RequestIsChannelsFirstEmbeddingAndMask) {
  ExpectChannelsFirstRequestWithMask(kSubcell, "light_attention_subcell");
  EXPECT_EQ(kSubcell.output_key(), "light_attention_subcellular");
}

TEST(LightAttentionSubcell, DecodesEveryClassWithDotsAsSpaces) {
  const std::vector<std::string> expected = {
      "Cell membrane",   "Cytoplasm",        "Endoplasmic reticulum",
      "Golgi apparatus", "Lysosome/Vacuole", "Mitochondrion",
      "Nucleus",         "Peroxisome",       "Plastid",
      "Extracellular"};
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_EQ(DecodeRaw(kSubcell, PeakAt(10, k)), expected[k]) << k;
  }
}

TEST(LightAttentionSubcell, FallsBackToTypedContents) {
  const auto response =
      ResponseBuilder("light_attention_subcell").TypedFp32("output", PeakAt(10, 5)).Build();
  EXPECT_EQ(kSubcell.Decode(response), "Mitochondrion");
}

TEST(LightAttentionSubcell, WrongLogitCountIsAShapeError) {
  ExpectThrowWithMessage<ShapeError>(
      [&] {
        DecodeRaw(kSubcell, {0.1f, 0.2f});
      },
      "light_attention_subcell: expected 10 floats, got 2");
  ExpectThrowWithMessage<ShapeError>([&] { DecodeRaw(kSubcell, PeakAt(11, 0)); },
                                     "light_attention_subcell: expected 10 floats, got 11");
}

TEST(LightAttentionMembrane, LabelTableIsTheModelsClassOrder) {
  EXPECT_EQ(std::vector<std::string_view>(kMembraneLabels.begin(), kMembraneLabels.end()),
            (std::vector<std::string_view>{"Membrane bound", "Soluble"}));
}

TEST(LightAttentionMembrane, RequestIsChannelsFirstEmbeddingAndMask) {
  ExpectChannelsFirstRequestWithMask(kMembrane, "light_attention_membrane");
  EXPECT_EQ(kMembrane.output_key(), "light_attention_membrane");
}

TEST(LightAttentionMembrane, DecodesTheLargerLogit) {
  EXPECT_EQ(DecodeRaw(kMembrane, {0.1f, 0.9f}), "Soluble");
  EXPECT_EQ(DecodeRaw(kMembrane, {0.9f, 0.1f}), "Membrane bound");
  EXPECT_EQ(DecodeRaw(kMembrane, {0.5f, 0.5f}), "Membrane bound");  // tie -> first
}

TEST(LightAttentionMembrane, FallsBackToTypedContents) {
  const auto response =
      ResponseBuilder("light_attention_membrane").TypedFp32("output", {0.3f, 0.7f}).Build();
  EXPECT_EQ(kMembrane.Decode(response), "Soluble");
}

TEST(LightAttentionMembrane, WrongLogitCountIsAShapeError) {
  ExpectThrowWithMessage<ShapeError>(
      [&] {
        DecodeRaw(kMembrane, {0.1f, 0.2f, 0.7f});
      },
      "light_attention_membrane: expected 2 floats, got 3");
  const auto empty = ResponseBuilder("light_attention_membrane").TypedFp32("output", {}).Build();
  ExpectThrowWithMessage<ShapeError>([&] { kMembrane.Decode(empty); },
                                     "light_attention_membrane: expected 2 floats, got 0");
}

}  // namespace
}  // namespace protifer::adapters

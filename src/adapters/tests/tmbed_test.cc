#include "adapters/tmbed.h"

#include <gtest/gtest.h>

#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/tests/test_support.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {
namespace {

using testing::BytesTensor;
using testing::ExpectThrowWithMessage;
using testing::ResponseBuilder;

const TmbedAdapter kAdapter;

// rows x 5 distinct probabilities; element 0 is float32 0.1 to pin JavaScript widening.
std::vector<float> Probabilities(std::size_t rows) {
  std::vector<float> flat;
  for (std::size_t i = 0; i < rows * 5; ++i) {
    flat.push_back(i == 0 ? 0.1f : static_cast<float>(i) / 64.0f + 0.003f);
  }
  return flat;
}

void ExpectProbabilityRows(const nlohmann::ordered_json& probabilities,
                           const std::vector<float>& flat) {
  ASSERT_TRUE(probabilities.is_array());
  ASSERT_EQ(probabilities.size() * 5, flat.size());
  for (std::size_t r = 0; r < probabilities.size(); ++r) {
    ASSERT_EQ(probabilities[r].size(), 5u) << "row " << r;
    for (std::size_t c = 0; c < 5; ++c) {
      EXPECT_EQ(probabilities[r][c].get<double>(), static_cast<double>(flat[r * 5 + c]))
          << "row " << r << " class " << c;
    }
  }
}

TEST(Tmbed, RequestHasEmbeddingAndMask) {
  const testing::TestEmbedding embedding(6);
  const auto request = kAdapter.BuildRequest(embedding.context());
  testing::ExpectRequestConventions(request, "tmbed");
  ASSERT_EQ(request.inputs_size(), 2);
  EXPECT_EQ(request.inputs(0).name(), "ensemble_input");
  EXPECT_EQ(testing::ShapeOf(request.inputs(0)), (std::vector<std::int64_t>{1, 6, 1024}));
  testing::ExpectChannelsLastPayload(request.raw_input_contents(0), 6);
  EXPECT_EQ(request.inputs(1).name(), "mask");
  EXPECT_EQ(testing::ShapeOf(request.inputs(1)), (std::vector<std::int64_t>{1, 6}));
  testing::ExpectMaskPayload(request.raw_input_contents(1), 6);
  EXPECT_EQ(testing::RequestedOutputs(request),
            (std::vector<std::string>{"labels", "probabilities"}));
  EXPECT_EQ(kAdapter.output_key(), "tmbed");
}

TEST(Tmbed, DecodesLabelStringAndProbabilityRows) {
  const std::vector<float> flat = Probabilities(7);
  const auto response = ResponseBuilder("tmbed")
                            .RawBytes("labels", "BYTES", BytesTensor({"BbHhSio"}))
                            .RawFp32("probabilities", flat)
                            .Build();
  const nlohmann::ordered_json decoded = kAdapter.Decode(response);
  ASSERT_TRUE(decoded.is_object());
  EXPECT_EQ(decoded.begin().key(), "labels");  // write order: labels, probabilities
  EXPECT_EQ(decoded["labels"], "BbHhSio");
  ExpectProbabilityRows(decoded["probabilities"], flat);
  EXPECT_EQ(decoded["probabilities"][0][0].get<double>(), 0.10000000149011612);
}

TEST(Tmbed, DecodesByNameWhenProbabilitiesComeFirst) {
  const std::vector<float> flat = Probabilities(4);
  const auto response = ResponseBuilder("tmbed")
                            .RawFp32("probabilities", flat)
                            .RawBytes("labels", "BYTES", BytesTensor({"ooiS"}))
                            .Build();
  const nlohmann::ordered_json decoded = kAdapter.Decode(response);
  EXPECT_EQ(decoded["labels"], "ooiS");
  ExpectProbabilityRows(decoded["probabilities"], flat);
}

TEST(Tmbed, FallsBackToTypedContents) {
  const std::vector<float> flat = Probabilities(2);
  const auto response = ResponseBuilder("tmbed")
                            .TypedBytes("labels", {"Hh"})
                            .TypedFp32("probabilities", flat)
                            .Build();
  ASSERT_EQ(response.raw_output_contents_size(), 0);
  const nlohmann::ordered_json decoded = kAdapter.Decode(response);
  EXPECT_EQ(decoded["labels"], "Hh");
  ExpectProbabilityRows(decoded["probabilities"], flat);
}

TEST(Tmbed, AcceptsZeroProbabilityRowsAndUncheckedLabelLength) {
  const auto response = ResponseBuilder("tmbed")
                            .RawBytes("labels", "BYTES", BytesTensor({"iiii"}))
                            .TypedFp32("probabilities", {})
                            .Build();
  EXPECT_EQ(kAdapter.Decode(response).dump(), R"({"labels":"iiii","probabilities":[]})");
}

TEST(Tmbed, InvalidUtf8InLabelsBecomesReplacementCharacters) {
  const auto response = ResponseBuilder("tmbed")
                            .RawBytes("labels", "BYTES", BytesTensor({"B\xFFo"}))
                            .RawFp32("probabilities", Probabilities(3))
                            .Build();
  EXPECT_EQ(kAdapter.Decode(response)["labels"], "B\xEF\xBF\xBDo");
}

TEST(Tmbed, LabelErrors) {
  const std::vector<float> flat = Probabilities(2);
  const auto two_strings = ResponseBuilder("tmbed")
                               .RawBytes("labels", "BYTES", BytesTensor({"Hh", "oo"}))
                               .RawFp32("probabilities", flat)
                               .Build();
  ExpectThrowWithMessage<DecodeError>([&] { kAdapter.Decode(two_strings); },
                                      "tmbed: expected exactly 1 labels string, got 2");
  const auto empty_labels =
      ResponseBuilder("tmbed").TypedBytes("labels", {}).RawFp32("probabilities", flat).Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(empty_labels); },
                                     "tmbed: empty labels output");
  const auto missing_labels = ResponseBuilder("tmbed").RawFp32("probabilities", flat).Build();
  ExpectThrowWithMessage<DecodeError>([&] { kAdapter.Decode(missing_labels); },
                                      "tmbed: response missing 'labels' output");
}

TEST(Tmbed, TruncatedLabelsBufferIsACodecError) {
  std::string truncated = BytesTensor({"BbHh"});
  truncated.pop_back();
  const auto response = ResponseBuilder("tmbed")
                            .RawBytes("labels", "BYTES", truncated)
                            .RawFp32("probabilities", Probabilities(4))
                            .Build();
  EXPECT_THROW(kAdapter.Decode(response), triton::CodecError);
}

TEST(Tmbed, ProbabilityErrors) {
  const auto four_floats = ResponseBuilder("tmbed")
                               .RawBytes("labels", "BYTES", BytesTensor({"B"}))
                               .RawFp32("probabilities", {0.1f, 0.2f, 0.3f, 0.4f})
                               .Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(four_floats); },
                                     "tmbed: probabilities length 4 not divisible by 5");
  const auto missing =
      ResponseBuilder("tmbed").RawBytes("labels", "BYTES", BytesTensor({"B"})).Build();
  ExpectThrowWithMessage<DecodeError>([&] { kAdapter.Decode(missing); },
                                      "tmbed: response missing 'probabilities' output");
}

}  // namespace
}  // namespace protifer::adapters

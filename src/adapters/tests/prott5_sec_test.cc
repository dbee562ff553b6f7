#include "adapters/prott5_sec.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/tests/test_support.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {
namespace {

using testing::ExpectThrowWithMessage;
using testing::ResponseBuilder;

// Logit rows of `classes` columns where row r peaks at winners[r]; the other entries
// differ from each other so only the peak can explain the result.
std::vector<float> PeakedRows(const std::vector<std::size_t>& winners, std::size_t classes) {
  std::vector<float> flat;
  for (std::size_t r = 0; r < winners.size(); ++r) {
    for (std::size_t c = 0; c < classes; ++c) {
      flat.push_back(c == winners[r] ? 4.0f : -static_cast<float>(c + r) * 0.25f);
    }
  }
  return flat;
}

const Prott5SecAdapter kAdapter;

TEST(Prott5Sec, RequestIsOneChannelsLastEmbedding) {
  const testing::TestEmbedding embedding(4);
  const auto request = kAdapter.BuildRequest(embedding.context());
  testing::ExpectRequestConventions(request, "prott5_sec");
  ASSERT_EQ(request.inputs_size(), 1);
  EXPECT_EQ(request.inputs(0).name(), "input");
  EXPECT_EQ(testing::ShapeOf(request.inputs(0)), (std::vector<std::int64_t>{1, 4, 1024}));
  testing::ExpectChannelsLastPayload(request.raw_input_contents(0), 4);
  EXPECT_EQ(testing::RequestedOutputs(request), (std::vector<std::string>{"d3_Yhat", "d8_Yhat"}));
  EXPECT_EQ(kAdapter.model_name(), "prott5_sec");
  EXPECT_EQ(kAdapter.output_key(), "prott5_secondary_structure");
}

TEST(Prott5Sec, DecodesArgmaxOfRawLogitsIntoDsspLetters) {
  const auto response = ResponseBuilder("prott5_sec")
                            .RawFp32("d3_Yhat", PeakedRows({2, 0, 1, 1, 0}, 3))
                            .RawFp32("d8_Yhat", PeakedRows({7, 1, 2, 3, 5}, 8))
                            .Build();
  const nlohmann::ordered_json decoded = kAdapter.Decode(response);
  EXPECT_EQ(decoded.dump(), R"({"dssp3":"CHEEH","dssp8":"CGIBS"})");
}

TEST(Prott5Sec, FindsOutputsByNameWhenReversed) {
  const auto response = ResponseBuilder("prott5_sec")
                            .RawFp32("d8_Yhat", PeakedRows({4, 6}, 8))
                            .RawFp32("d3_Yhat", PeakedRows({1, 2}, 3))
                            .Build();
  EXPECT_EQ(kAdapter.Decode(response).dump(), R"({"dssp3":"EC","dssp8":"ET"})");
}

TEST(Prott5Sec, FallsBackToTypedContents) {
  const auto response = ResponseBuilder("prott5_sec")
                            .TypedFp32("d3_Yhat", PeakedRows({0, 2, 1}, 3))
                            .TypedFp32("d8_Yhat", PeakedRows({0, 1, 7}, 8))
                            .Build();
  ASSERT_EQ(response.raw_output_contents_size(), 0);
  EXPECT_EQ(kAdapter.Decode(response).dump(), R"({"dssp3":"HCE","dssp8":"HGC"})");
}

TEST(Prott5Sec, ArgmaxTiesAndNanFollowTheFirstMaximumRule) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> d3 = {/* tie */ 1,       1,   0, /* NaN first */ nan, 5, 6,
                                 /* NaN later */ 1, nan, 2};
  std::vector<float> d8(3 * 8, 0.0f);  // all ties: class 0 for every residue
  const auto response =
      ResponseBuilder("prott5_sec").RawFp32("d3_Yhat", d3).RawFp32("d8_Yhat", d8).Build();
  EXPECT_EQ(kAdapter.Decode(response).dump(), R"({"dssp3":"HHC","dssp8":"HHH"})");
}

TEST(Prott5Sec, ResidueCountComesFromD3) {
  // d8 one row short: the missing residue decodes to 'H' (all -infinity).
  const auto shorter = ResponseBuilder("prott5_sec")
                           .RawFp32("d3_Yhat", PeakedRows({1, 1, 1}, 3))
                           .RawFp32("d8_Yhat", PeakedRows({6, 6}, 8))
                           .Build();
  EXPECT_EQ(kAdapter.Decode(shorter).dump(), R"({"dssp3":"EEE","dssp8":"TTH"})");
  // d8 longer: extra rows ignored.
  const auto longer = ResponseBuilder("prott5_sec")
                          .RawFp32("d3_Yhat", PeakedRows({2}, 3))
                          .RawFp32("d8_Yhat", PeakedRows({5, 6, 7}, 8))
                          .Build();
  EXPECT_EQ(kAdapter.Decode(longer).dump(), R"({"dssp3":"C","dssp8":"S"})");
}

TEST(Prott5Sec, MissingOutputsAreDecodeErrorsNamingD3First) {
  const auto none = ResponseBuilder("prott5_sec").RawFp32("other", {1, 2, 3}).Build();
  ExpectThrowWithMessage<DecodeError>([&] { kAdapter.Decode(none); },
                                      "prott5_sec: response missing 'd3_Yhat' output");
  const auto no_d8 = ResponseBuilder("prott5_sec").RawFp32("d3_Yhat", {1, 2, 3}).Build();
  ExpectThrowWithMessage<DecodeError>([&] { kAdapter.Decode(no_d8); },
                                      "prott5_sec: response missing 'd8_Yhat' output");
}

TEST(Prott5Sec, EmptyOrIndivisibleLogitsAreShapeErrors) {
  const std::vector<float> d8(8, 0.0f);
  const auto d3_empty =
      ResponseBuilder("prott5_sec").TypedFp32("d3_Yhat", {}).RawFp32("d8_Yhat", d8).Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(d3_empty); },
                                     "prott5_sec: d3_Yhat output is empty or missing");
  const auto d3_two =
      ResponseBuilder("prott5_sec").RawFp32("d3_Yhat", {1, 2}).RawFp32("d8_Yhat", d8).Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(d3_two); },
                                     "prott5_sec: d3_Yhat length 2 not divisible by 3");
  const auto d8_empty =
      ResponseBuilder("prott5_sec").RawFp32("d3_Yhat", {1, 2, 3}).TypedFp32("d8_Yhat", {}).Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(d8_empty); },
                                     "prott5_sec: d8_Yhat output is empty or missing");
  const auto d8_seven = ResponseBuilder("prott5_sec")
                            .RawFp32("d3_Yhat", {1, 2, 3})
                            .RawFp32("d8_Yhat", std::vector<float>(7, 1.0f))
                            .Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(d8_seven); },
                                     "prott5_sec: d8_Yhat length 7 not divisible by 8");
}

TEST(Prott5Sec, RawBufferNotAMultipleOfFourIsACodecError) {
  const auto response = ResponseBuilder("prott5_sec")
                            .RawBytes("d3_Yhat", "FP32", std::string(10, '\0'))
                            .RawFp32("d8_Yhat", std::vector<float>(8, 0.0f))
                            .Build();
  ExpectThrowWithMessage<triton::CodecError>(
      [&] { kAdapter.Decode(response); },
      "raw_output_contents[0] length 10 is not a multiple of 4 (FP32)");
}

}  // namespace
}  // namespace protifer::adapters

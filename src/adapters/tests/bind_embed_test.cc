#include "adapters/bind_embed.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/tests/test_support.h"

namespace protifer::adapters {
namespace {

using testing::ExpectThrowWithMessage;
using testing::ResponseBuilder;

const BindEmbedAdapter kAdapter;

using CvLogits = std::array<std::vector<float>, 5>;

ResponseBuilder RawCvs(const CvLogits& cvs) {
  ResponseBuilder builder("bind_embed");
  for (std::size_t i = 0; i < cvs.size(); ++i) {
    builder.RawFp32("output_" + std::to_string(i), cvs[i]);
  }
  return builder;
}

// The same logits in all 5 CVs: [residues x 3] with channel c set to `per_channel[c]`.
CvLogits Uniform(std::size_t residues, std::array<float, 3> per_channel) {
  std::vector<float> flat;
  for (std::size_t r = 0; r < residues; ++r) {
    flat.insert(flat.end(), per_channel.begin(), per_channel.end());
  }
  return {flat, flat, flat, flat, flat};
}

TEST(BindEmbed, RequestIsChannelsFirstWithFiveOutputs) {
  const testing::TestEmbedding embedding(7);
  const auto request = kAdapter.BuildRequest(embedding.context());
  testing::ExpectRequestConventions(request, "bind_embed");
  ASSERT_EQ(request.inputs_size(), 1);
  EXPECT_EQ(request.inputs(0).name(), "ensemble_input");
  EXPECT_EQ(testing::ShapeOf(request.inputs(0)), (std::vector<std::int64_t>{1, 1024, 7}));
  const std::string& bytes = request.raw_input_contents(0);
  // Spot checks, then every element: (c, r) at c * L + r.
  EXPECT_EQ(testing::FloatAt(bytes, 1), testing::TestEmbedding::At(1, 0));
  EXPECT_EQ(testing::FloatAt(bytes, 7), testing::TestEmbedding::At(0, 1));
  EXPECT_EQ(testing::FloatAt(bytes, 500 * 7 + 6), testing::TestEmbedding::At(6, 500));
  testing::ExpectChannelsFirstPayload(bytes, 7);
  EXPECT_EQ(testing::RequestedOutputs(request),
            (std::vector<std::string>{"output_0", "output_1", "output_2", "output_3", "output_4"}));
  EXPECT_EQ(kAdapter.output_key(), "bindembed");
}

TEST(BindEmbed, StrongLogitsMarkOnlyTheirChannel) {
  const auto response = RawCvs(Uniform(4, {10.0f, -10.0f, -10.0f})).Build();
  const nlohmann::ordered_json decoded = kAdapter.Decode(response);
  EXPECT_EQ(decoded.dump(), R"({"metal":"bbbb","nucleicAcids":"----","smallMolecules":"----"})");
}

TEST(BindEmbed, ZeroLogitsSitExactlyOnTheThresholdAndBind) {
  const auto zeros = RawCvs(Uniform(3, {0.0f, 0.0f, 0.0f})).Build();
  EXPECT_EQ(kAdapter.Decode(zeros).dump(),
            R"({"metal":"bbb","nucleicAcids":"bbb","smallMolecules":"bbb"})");
  const auto negative = RawCvs(Uniform(2, {-20.0f, -20.0f, -20.0f})).Build();
  EXPECT_EQ(kAdapter.Decode(negative).dump(),
            R"({"metal":"--","nucleicAcids":"--","smallMolecules":"--"})");
}

TEST(BindEmbed, AveragesSigmoidsNotLogits) {
  // Residue 0, metal: logits {10, 10, -3, -3, -3} have a positive mean logit (2.2) but a
  // mean probability of about 0.43 -> '-'. Residue 1, metal: the mirror case -> 'b'.
  // The other channels vary per CV and residue; their expectation is computed below.
  CvLogits cvs;
  const std::array<float, 5> first = {10, 10, -3, -3, -3};
  const std::array<float, 5> second = {-10, -10, 3, 3, 3};
  for (std::size_t i = 0; i < 5; ++i) {
    const auto k = static_cast<float>(i);
    cvs[i] = {first[i], 0.3f * k - 0.5f, -0.2f * k + 0.3f, second[i], 0.1f - 0.05f * k, k - 2.2f};
  }
  std::array<std::string, 3> expected;
  for (std::size_t r = 0; r < 2; ++r) {
    for (std::size_t c = 0; c < 3; ++c) {
      double sum = 0;
      for (const auto& cv : cvs) {
        sum += 1.0 / (1.0 + std::exp(-static_cast<double>(cv[r * 3 + c])));
      }
      expected[c] += sum / 5.0 >= 0.5 ? 'b' : '-';
    }
  }
  ASSERT_EQ(expected[0], "-b");
  const nlohmann::ordered_json decoded = kAdapter.Decode(RawCvs(cvs).Build());
  EXPECT_EQ(decoded["metal"], expected[0]);
  EXPECT_EQ(decoded["nucleicAcids"], expected[1]);
  EXPECT_EQ(decoded["smallMolecules"], expected[2]);
}

TEST(BindEmbed, DecodesByNameInAnyOrder) {
  CvLogits cvs = Uniform(2, {-10.0f, 10.0f, -10.0f});
  ResponseBuilder builder("bind_embed");
  for (std::size_t i = 5; i-- > 0;) {
    builder.RawFp32("output_" + std::to_string(i), cvs[i]);
  }
  EXPECT_EQ(kAdapter.Decode(builder.Build()).dump(),
            R"({"metal":"--","nucleicAcids":"bb","smallMolecules":"--"})");
}

TEST(BindEmbed, FallsBackToTypedContents) {
  const CvLogits cvs = Uniform(3, {-10.0f, -10.0f, 10.0f});
  ResponseBuilder builder("bind_embed");
  for (std::size_t i = 0; i < 5; ++i) {
    builder.TypedFp32("output_" + std::to_string(i), cvs[i]);
  }
  EXPECT_EQ(kAdapter.Decode(builder.Build()).dump(),
            R"({"metal":"---","nucleicAcids":"---","smallMolecules":"bbb"})");
}

TEST(BindEmbed, FewerThanFiveOutputsIsAShapeError) {
  const auto response = ResponseBuilder("bind_embed").RawFp32("output_0", {1, 2, 3}).Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(response); },
                                     "bind_embed: expected 5 outputs, got 1");
}

TEST(BindEmbed, MisnamedOutputIsADecodeError) {
  const CvLogits cvs = Uniform(1, {1, 2, 3});
  const auto response = ResponseBuilder("bind_embed")
                            .RawFp32("output_0", cvs[0])
                            .RawFp32("output_1", cvs[1])
                            .RawFp32("output_2", cvs[2])
                            .RawFp32("extra", cvs[3])
                            .RawFp32("output_4", cvs[4])
                            .Build();
  ExpectThrowWithMessage<DecodeError>([&] { kAdapter.Decode(response); },
                                      "bind_embed: response missing 'output_3' output");
}

TEST(BindEmbed, IndivisibleOrEmptyCvIsAShapeError) {
  CvLogits cvs = Uniform(2, {1, 2, 3});
  cvs[2] = {1, 2, 3, 4};
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(RawCvs(cvs).Build()); },
                                     "bind_embed cv2: length 4 not divisible by 3");
  CvLogits empty_cv1 = Uniform(2, {1, 2, 3});
  ResponseBuilder builder("bind_embed");
  for (std::size_t i = 0; i < 5; ++i) {
    if (i == 1) {
      builder.TypedFp32("output_1", {});
    } else {
      builder.RawFp32("output_" + std::to_string(i), empty_cv1[i]);
    }
  }
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(builder.Build()); },
                                     "bind_embed cv1: length 0 not divisible by 3");
}

TEST(BindEmbed, CvLengthMismatchIsAShapeError) {
  CvLogits cvs = Uniform(3, {1, 2, 3});
  cvs[3].resize(6);
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(RawCvs(cvs).Build()); },
                                     "bind_embed cv3 length mismatch with cv0");
}

}  // namespace
}  // namespace protifer::adapters

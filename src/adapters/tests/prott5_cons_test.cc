#include "adapters/prott5_cons.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/tests/test_support.h"

namespace protifer::adapters {
namespace {

using testing::ExpectThrowWithMessage;
using testing::ResponseBuilder;

const Prott5ConsAdapter kAdapter;

// [winners.size() x 9] logits, row r peaking at winners[r].
std::vector<float> PeakedRows(const std::vector<int>& winners) {
  std::vector<float> flat;
  for (std::size_t r = 0; r < winners.size(); ++r) {
    for (int c = 0; c < 9; ++c) {
      flat.push_back(c == winners[r] ? 2.5f : 0.1f * static_cast<float>(c) - 1.0f);
    }
  }
  return flat;
}

TEST(Prott5Cons, RequestIsOneChannelsLastEmbedding) {
  const testing::TestEmbedding embedding(3);
  const auto request = kAdapter.BuildRequest(embedding.context());
  testing::ExpectRequestConventions(request, "prott5_cons");
  ASSERT_EQ(request.inputs_size(), 1);
  EXPECT_EQ(request.inputs(0).name(), "input");
  EXPECT_EQ(testing::ShapeOf(request.inputs(0)), (std::vector<std::int64_t>{1, 3, 1024}));
  testing::ExpectChannelsLastPayload(request.raw_input_contents(0), 3);
  EXPECT_EQ(testing::RequestedOutputs(request), (std::vector<std::string>{"output"}));
  EXPECT_EQ(kAdapter.output_key(), "prott5_conservation");
}

TEST(Prott5Cons, DecodesIntegerClassPerResidue) {
  const std::vector<int> winners = {4, 8, 0, 6};
  const auto response =
      ResponseBuilder("prott5_cons").RawFp32("output", PeakedRows(winners)).Build();
  const nlohmann::ordered_json decoded = kAdapter.Decode(response);
  ASSERT_TRUE(decoded.is_array());
  ASSERT_EQ(decoded.size(), winners.size());
  for (std::size_t r = 0; r < winners.size(); ++r) {
    EXPECT_TRUE(decoded[r].is_number_integer()) << r;
    EXPECT_EQ(decoded[r].get<int>(), winners[r]) << r;
  }
  EXPECT_EQ(decoded.dump(), "[4,8,0,6]");
}

TEST(Prott5Cons, NanAndTiesFollowTheFirstMaximumRule) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> flat(3 * 9, 0.0f);
  flat[0] = nan;      // residue 0: NaN first -> 0
  flat[9 + 3] = nan;  // residue 1: NaN never wins; tie of 1s at 5 and 7 -> 5
  flat[9 + 5] = 1.0f;
  flat[9 + 7] = 1.0f;
  flat[18 + 8] = -0.5f;  // residue 2: zeros tie -> 0
  const auto response = ResponseBuilder("prott5_cons").RawFp32("output", flat).Build();
  EXPECT_EQ(kAdapter.Decode(response).dump(), "[0,5,0]");
}

TEST(Prott5Cons, FallsBackToTypedContents) {
  const auto response =
      ResponseBuilder("prott5_cons").TypedFp32("output", PeakedRows({1, 7})).Build();
  EXPECT_EQ(kAdapter.Decode(response).dump(), "[1,7]");
}

TEST(Prott5Cons, EmptyOutputDecodesToAnEmptyArray) {
  const auto response = ResponseBuilder("prott5_cons").TypedFp32("output", {}).Build();
  const nlohmann::ordered_json decoded = kAdapter.Decode(response);
  EXPECT_TRUE(decoded.is_array());
  EXPECT_TRUE(decoded.empty());
}

TEST(Prott5Cons, IndivisibleLengthIsAShapeError) {
  const auto response = ResponseBuilder("prott5_cons").RawFp32("output", {1, 2, 3, 4}).Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(response); },
                                     "prott5_cons: length 4 not divisible by 9");
}

}  // namespace
}  // namespace protifer::adapters

#include "adapters/seth.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/tests/test_support.h"

namespace protifer::adapters {
namespace {

using testing::ExpectThrowWithMessage;
using testing::ResponseBuilder;

const SethAdapter kAdapter;

TEST(Seth, RequestIsOneChannelsLastEmbedding) {
  const testing::TestEmbedding embedding(5);
  const auto request = kAdapter.BuildRequest(embedding.context());
  testing::ExpectRequestConventions(request, "seth");
  ASSERT_EQ(request.inputs_size(), 1);
  EXPECT_EQ(request.inputs(0).name(), "input");
  EXPECT_EQ(testing::ShapeOf(request.inputs(0)), (std::vector<std::int64_t>{1, 5, 1024}));
  testing::ExpectChannelsLastPayload(request.raw_input_contents(0), 5);
  EXPECT_EQ(testing::RequestedOutputs(request), (std::vector<std::string>{"output"}));
  EXPECT_EQ(kAdapter.output_key(), "seth");
}

TEST(Seth, ReturnsEveryScoreWidenedWithoutTransform) {
  const std::vector<float> scores = {0.1f, -2.75f, 13.0f, 1e-8f,
                                     std::numeric_limits<float>::quiet_NaN()};
  const auto response = ResponseBuilder("seth").RawFp32("output", scores).Build();
  const nlohmann::ordered_json decoded = kAdapter.Decode(response);
  ASSERT_TRUE(decoded.is_array());
  ASSERT_EQ(decoded.size(), scores.size());
  for (std::size_t i = 0; i + 1 < scores.size(); ++i) {
    EXPECT_EQ(decoded[i].get<double>(), static_cast<double>(scores[i])) << i;
  }
  EXPECT_EQ(decoded[0].get<double>(), 0.10000000149011612);
  EXPECT_TRUE(std::isnan(decoded[4].get<double>()));
}

TEST(Seth, ReadsPositionZeroWhateverItsName) {
  const auto response = ResponseBuilder("seth").RawFp32("renamed", {0.5f, 0.25f}).Build();
  EXPECT_EQ(kAdapter.Decode(response).dump(), "[0.5,0.25]");
}

TEST(Seth, FallsBackToTypedContents) {
  const auto response = ResponseBuilder("seth").TypedFp32("output", {0.75f, 0.125f, 2.0f}).Build();
  EXPECT_EQ(kAdapter.Decode(response).dump(), "[0.75,0.125,2.0]");
}

TEST(Seth, EmptyOutputIsAShapeError) {
  const auto empty = ResponseBuilder("seth").TypedFp32("output", {}).Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(empty); }, "seth: empty output");
  const auto no_outputs = ResponseBuilder("seth").Build();
  ExpectThrowWithMessage<ShapeError>([&] { kAdapter.Decode(no_outputs); }, "seth: empty output");
}

}  // namespace
}  // namespace protifer::adapters

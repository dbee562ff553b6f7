#include "adapters/request_building.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "adapters/tests/test_support.h"

namespace protifer::adapters {
namespace {

using testing::ExpectChannelsFirstPayload;
using testing::ExpectChannelsLastPayload;
using testing::ExpectMaskPayload;
using testing::ExpectRequestConventions;
using testing::RequestedOutputs;
using testing::ShapeOf;
using testing::TestEmbedding;

TEST(BuildFp32Request, WritesInputsAndOutputsInTheGivenOrder) {
  const TestEmbedding embedding(3);
  const auto request = BuildFp32Request("m", embedding.context(),
                                        {{"mask", InputPayload::kMask},
                                         {"first", InputPayload::kEmbeddingChannelsFirst},
                                         {"last", InputPayload::kEmbeddingChannelsLast}},
                                        {"y", "x"});
  ExpectRequestConventions(request, "m");
  ASSERT_EQ(request.inputs_size(), 3);
  EXPECT_EQ(request.inputs(0).name(), "mask");
  EXPECT_EQ(ShapeOf(request.inputs(0)), (std::vector<std::int64_t>{1, 3}));
  ExpectMaskPayload(request.raw_input_contents(0), 3);
  EXPECT_EQ(request.inputs(1).name(), "first");
  EXPECT_EQ(ShapeOf(request.inputs(1)), (std::vector<std::int64_t>{1, 1024, 3}));
  ExpectChannelsFirstPayload(request.raw_input_contents(1), 3);
  EXPECT_EQ(request.inputs(2).name(), "last");
  EXPECT_EQ(ShapeOf(request.inputs(2)), (std::vector<std::int64_t>{1, 3, 1024}));
  ExpectChannelsLastPayload(request.raw_input_contents(2), 3);
  EXPECT_EQ(RequestedOutputs(request), (std::vector<std::string>{"y", "x"}));
}

TEST(BuildFp32Request, ChannelsFirstOfALongSequenceMatchesKnownPositions) {
  // A non-square, odd length exercises the edges of any tiled transpose.
  const TestEmbedding embedding(37);
  const auto request = BuildFp32Request("m", embedding.context(),
                                        {{"in", InputPayload::kEmbeddingChannelsFirst}}, {"out"});
  const std::string& bytes = request.raw_input_contents(0);
  EXPECT_EQ(testing::FloatAt(bytes, 0), TestEmbedding::At(0, 0));
  EXPECT_EQ(testing::FloatAt(bytes, 1), TestEmbedding::At(1, 0));
  EXPECT_EQ(testing::FloatAt(bytes, 37), TestEmbedding::At(0, 1));
  EXPECT_EQ(testing::FloatAt(bytes, 1023 * 37 + 36), TestEmbedding::At(36, 1023));
  ExpectChannelsFirstPayload(bytes, 37);
}

TEST(BuildFp32Request, ZeroLengthSequenceGivesEmptyPayloads) {
  const TestEmbedding embedding(0);
  const auto request = BuildFp32Request("m", embedding.context(),
                                        {{"a", InputPayload::kEmbeddingChannelsLast},
                                         {"b", InputPayload::kEmbeddingChannelsFirst},
                                         {"c", InputPayload::kMask}},
                                        {"o"});
  EXPECT_EQ(ShapeOf(request.inputs(0)), (std::vector<std::int64_t>{1, 0, 1024}));
  EXPECT_EQ(ShapeOf(request.inputs(1)), (std::vector<std::int64_t>{1, 1024, 0}));
  EXPECT_EQ(ShapeOf(request.inputs(2)), (std::vector<std::int64_t>{1, 0}));
  for (const std::string& raw : request.raw_input_contents()) {
    EXPECT_TRUE(raw.empty());
  }
}

TEST(ValidateContext, RejectsAnEmbeddingThatIsNotSeqLenRows) {
  const std::vector<float> values(2 * 1024 + 1);
  const std::vector<float> mask(2, 1.0f);
  const AdapterContext context{values, 2, mask, ""};
  EXPECT_THROW(ValidateContext(context, false), std::invalid_argument);
  const AdapterContext too_long_claim{values, 5, mask, ""};
  EXPECT_THROW(ValidateContext(too_long_claim, false), std::invalid_argument);
}

TEST(ValidateContext, RejectsAWrongMaskOnlyWhenTheMaskIsSent) {
  const std::vector<float> values(2 * 1024);
  const std::vector<float> mask(3, 1.0f);
  const AdapterContext context{values, 2, mask, ""};
  EXPECT_NO_THROW(ValidateContext(context, false));
  EXPECT_THROW(ValidateContext(context, true), std::invalid_argument);
  EXPECT_THROW(BuildFp32Request("m", context, {{"mask", InputPayload::kMask}}, {"o"}),
               std::invalid_argument);
  EXPECT_NO_THROW(
      BuildFp32Request("m", context, {{"in", InputPayload::kEmbeddingChannelsLast}}, {"o"}));
}

}  // namespace
}  // namespace protifer::adapters

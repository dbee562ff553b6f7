#include "adapters/decode_helpers.h"

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

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(ArgmaxSlice, PicksTheLargestWithinTheSlice) {
  const std::vector<float> flat = {9.0f, 9.0f, /* slice: */ 0.5f, 3.0f, -1.0f, /* after: */ 99.0f};
  EXPECT_EQ(ArgmaxSlice(flat, 2, 3), 1u);
  EXPECT_EQ(ArgmaxSlice(flat, 3, 3), 2u);  // the 99 sits at slice index 2
}

TEST(ArgmaxSlice, TiesKeepTheLowestIndex) {
  const std::vector<float> flat = {1.0f, 4.0f, 4.0f, 4.0f};
  EXPECT_EQ(ArgmaxSlice(flat, 0, 4), 1u);
  const std::vector<float> all_equal = {-2.0f, -2.0f, -2.0f};
  EXPECT_EQ(ArgmaxSlice(all_equal, 0, 3), 0u);
}

TEST(ArgmaxSlice, NanInTheFirstPositionWins) {
  const std::vector<float> flat = {kNaN, 5.0f, kInf};
  EXPECT_EQ(ArgmaxSlice(flat, 0, 3), 0u);
}

TEST(ArgmaxSlice, NanElsewhereNeverWins) {
  const std::vector<float> flat = {-kInf, kNaN, -3.0f, kNaN};
  EXPECT_EQ(ArgmaxSlice(flat, 0, 4), 2u);
  const std::vector<float> only_nan_after = {-1.0f, kNaN, kNaN};
  EXPECT_EQ(ArgmaxSlice(only_nan_after, 0, 3), 0u);
}

TEST(ArgmaxSlice, MissingElementsCountAsMinusInfinity) {
  const std::vector<float> flat = {0.0f, -7.0f, -9.0f};
  // Slice [1, 5): -7, -9, missing, missing.
  EXPECT_EQ(ArgmaxSlice(flat, 1, 4), 0u);
  // Slice wholly past the end: index 0.
  EXPECT_EQ(ArgmaxSlice(flat, 10, 8), 0u);
  // A present -infinity does not beat a missing one (both are -inf, strict >).
  const std::vector<float> minus_inf = {-kInf};
  EXPECT_EQ(ArgmaxSlice(minus_inf, 0, 3), 0u);
}

TEST(RequireOutputIndex, FindsTheFirstOutputWithTheName) {
  const auto response =
      ResponseBuilder("m").RawFp32("b", {1}).RawFp32("a", {2}).RawFp32("a", {3}).Build();
  EXPECT_EQ(RequireOutputIndex(response, "a"), 1u);
  EXPECT_EQ(RequireOutputIndex(response, "b"), 0u);
}

TEST(RequireOutputIndex, MissingNameIsADecodeErrorNamingTheResponseModel) {
  const auto response = ResponseBuilder("some_model").RawFp32("a", {1}).Build();
  ExpectThrowWithMessage<DecodeError>([&] { RequireOutputIndex(response, "zz"); },
                                      "some_model: response missing 'zz' output");
}

TEST(WidenedFloatArray, WidensLikeJavaScript) {
  const std::vector<float> values = {0.1f, 1e-8f, -0.5f, kNaN, kInf};
  const nlohmann::ordered_json array = WidenedFloatArray(values);
  ASSERT_TRUE(array.is_array());
  ASSERT_EQ(array.size(), values.size());
  for (const auto& element : array) {
    EXPECT_TRUE(element.is_number_float());
  }
  // float32 0.1 is 0.100000001490116119384765625; JSON.stringify prints its shortest
  // double form 0.10000000149011612, not 0.1.
  EXPECT_EQ(array[0].get<double>(), 0.10000000149011612);
  EXPECT_NE(array[0].get<double>(), 0.1);
  EXPECT_EQ(array[1].get<double>(), 9.99999993922529e-9);
  EXPECT_EQ(array[2].get<double>(), -0.5);
  EXPECT_TRUE(std::isnan(array[3].get<double>()));
  EXPECT_EQ(array[4].get<double>(), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(WidenedFloatArray({}).is_array());
  EXPECT_TRUE(WidenedFloatArray({}).empty());
}

TEST(Utf8WithReplacement, ValidInputIsUnchanged) {
  const std::string valid = "BbHhSio \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
  EXPECT_EQ(Utf8WithReplacement(valid), valid);
  EXPECT_EQ(Utf8WithReplacement(""), "");
}

TEST(Utf8WithReplacement, EachMaximalInvalidSubpartBecomesOneReplacement) {
  const std::string fffd = "\xEF\xBF\xBD";
  // Lone continuation byte and a byte that never starts a sequence.
  EXPECT_EQ(Utf8WithReplacement("a\x80z"), "a" + fffd + "z");
  EXPECT_EQ(Utf8WithReplacement("\xC0\xAF"), fffd + fffd);
  // Truncated 4-byte sequence followed by ASCII: one replacement, ASCII kept.
  EXPECT_EQ(Utf8WithReplacement("\xF0\x9F\x98z"), fffd + "z");
  // Truncated at the end of input.
  EXPECT_EQ(Utf8WithReplacement("ok\xE2\x82"), "ok" + fffd);
  // Encoded surrogate: ED A0 80 is three invalid subparts.
  EXPECT_EQ(Utf8WithReplacement("\xED\xA0\x80"), fffd + fffd + fffd);
  // Overlong E0 80 80 and above U+10FFFF (F4 90 ..).
  EXPECT_EQ(Utf8WithReplacement("\xE0\x80\x80"), fffd + fffd + fffd);
  EXPECT_EQ(Utf8WithReplacement("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);
}

}  // namespace
}  // namespace protifer::adapters

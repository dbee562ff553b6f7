#include "core/js_number.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "core/test_data.h"

namespace protifer::core {
namespace {

using nlohmann::ordered_json;

double DoubleFromHexBits(const std::string& hex) {
  return std::bit_cast<double>(static_cast<std::uint64_t>(std::stoull(hex, nullptr, 16)));
}

std::string Json(double value) {
  std::string out;
  AppendJsonNumber(out, value);
  return out;
}

TEST(JsNumber, MatchesNodeForEveryDoubleInTheTable) {
  const ordered_json table = testing::LoadJsReference("js-numbers.json");
  const ordered_json& doubles = table.at("doubles");
  ASSERT_GE(doubles.size(), 3000u);
  for (const auto& row : doubles) {  // [bits, String(x), JSON.stringify(x)]
    const auto hex = row.at(0).get<std::string>();
    const double value = DoubleFromHexBits(hex);
    EXPECT_EQ(JsNumberToString(value), row.at(1)) << hex;
    EXPECT_EQ(Json(value), row.at(2)) << hex;
  }
}

// The table must reach every layout branch of Number::toString, or the test above proves less
// than it claims.
TEST(JsNumber, TableCoversEveryLayout) {
  const ordered_json table = testing::LoadJsReference("js-numbers.json");
  bool integer = false, fraction = false, small_fixed = false, exponent_plus = false,
       exponent_minus = false, negative_zero = false, nan = false, float32 = false;
  for (const auto& row : table.at("doubles")) {
    const auto text = row.at(1).get<std::string>();
    const double value = DoubleFromHexBits(row.at(0).get<std::string>());
    integer |= text.size() >= 21 && text.find_first_not_of("-0123456789") == std::string::npos;
    fraction |= text.find('.') != std::string::npos && text.find('e') == std::string::npos &&
                std::fabs(value) >= 1;
    small_fixed |= text.rfind("0.00000", 0) == 0;
    exponent_plus |= text.find("e+") != std::string::npos;
    exponent_minus |= text.find("e-") != std::string::npos;
    negative_zero |= value == 0 && std::signbit(value);
    nan |= std::isnan(value);
    float32 |= std::isfinite(value) && value != 0 &&
               static_cast<double>(static_cast<float>(value)) == value && text.size() >= 16;
  }
  EXPECT_TRUE(integer && fraction && small_fixed && exponent_plus && exponent_minus &&
              negative_zero && nan && float32);
}

TEST(JsNumber, MatchesNodeForSixtyFourBitIntegers) {
  const ordered_json table = testing::LoadJsReference("js-numbers.json");
  const ordered_json& integers = table.at("integers");
  ASSERT_GE(integers.size(), 200u);
  for (const auto& row : integers) {  // [decimal, JSON.stringify(Number(BigInt(decimal)))]
    const auto decimal = row.at(0).get<std::string>();
    std::string out;
    std::int64_t signed_value = 0;
    const auto [end, error] =
        std::from_chars(decimal.data(), decimal.data() + decimal.size(), signed_value);
    if (error == std::errc{} && end == decimal.data() + decimal.size()) {
      AppendJsonInteger(out, signed_value);
    } else {  // above INT64_MAX
      AppendJsonInteger(out, static_cast<std::uint64_t>(std::stoull(decimal)));
    }
    EXPECT_EQ(out, row.at(1)) << decimal;
  }
}

// The rules spelled out in the spec (2.8), as readable examples.
TEST(JsNumber, LayoutExamplesFromTheSpec) {
  EXPECT_EQ(Json(static_cast<double>(0.1f)), "0.10000000149011612");
  EXPECT_EQ(Json(static_cast<double>(1e-8f)), "9.99999993922529e-9");
  EXPECT_EQ(Json(1e21), "1e+21");
  EXPECT_EQ(Json(1e20), "100000000000000000000");
  EXPECT_EQ(Json(1e-7), "1e-7");
  EXPECT_EQ(Json(1e-6), "0.000001");
  EXPECT_EQ(Json(-0.0), "0");
  EXPECT_EQ(Json(std::numeric_limits<double>::quiet_NaN()), "null");
  EXPECT_EQ(Json(-std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(JsNumberToString(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(JsNumberToString(std::numeric_limits<double>::denorm_min()), "5e-324");
}

// Whatever is printed must read back as the same double (the point of shortest round trip).
TEST(JsNumber, OutputReadsBackExactly) {
  const ordered_json table = testing::LoadJsReference("js-numbers.json");
  for (const auto& row : table.at("doubles")) {
    const double value = DoubleFromHexBits(row.at(0).get<std::string>());
    if (!std::isfinite(value)) {
      continue;
    }
    const std::string text = JsNumberToString(value);
    double parsed = 0;
    std::from_chars(text.data(), text.data() + text.size(), parsed);
    EXPECT_EQ(parsed, value) << text;
  }
}

}  // namespace
}  // namespace protifer::core

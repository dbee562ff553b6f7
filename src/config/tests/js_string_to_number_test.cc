// Number(string) as JavaScript evaluates it; each expectation is what Node prints for
// Number(<text>).
#include "config/js_string_to_number.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace protifer::config {
namespace {

TEST(JsStringToNumber, AcceptsDecimalFormsWithSurroundingWhitespace) {
  EXPECT_EQ(JsStringToNumber("42"), 42);
  EXPECT_EQ(JsStringToNumber(" 42 "), 42);
  EXPECT_EQ(JsStringToNumber("\t42\n"), 42);
  EXPECT_EQ(JsStringToNumber("\xC2\xA0"
                             "42\xE2\x80\xA8"),
            42);  // NBSP ... LINE SEPARATOR
  EXPECT_EQ(JsStringToNumber("\xEF\xBB\xBF"
                             "7"),
            7);  // BOM is whitespace in JS
  EXPECT_EQ(JsStringToNumber("+42"), 42);
  EXPECT_EQ(JsStringToNumber("-42"), -42);
  EXPECT_EQ(JsStringToNumber("007"), 7);
  EXPECT_EQ(JsStringToNumber("1e3"), 1000);
  EXPECT_EQ(JsStringToNumber("1E+3"), 1000);
  EXPECT_EQ(JsStringToNumber("25e-1"), 2.5);
  EXPECT_EQ(JsStringToNumber("1.5"), 1.5);
  EXPECT_EQ(JsStringToNumber("1."), 1);
  EXPECT_EQ(JsStringToNumber(".5"), 0.5);
  EXPECT_EQ(JsStringToNumber("0.1"), 0.1);  // correctly rounded, same double as the literal
}

TEST(JsStringToNumber, AcceptsHexOctalAndBinaryWithoutSign) {
  EXPECT_EQ(JsStringToNumber("0x10"), 16);
  EXPECT_EQ(JsStringToNumber("0XfF"), 255);
  EXPECT_EQ(JsStringToNumber(" 0o17 "), 15);
  EXPECT_EQ(JsStringToNumber("0b101"), 5);
  EXPECT_TRUE(std::isnan(JsStringToNumber("-0x10")));
  EXPECT_TRUE(std::isnan(JsStringToNumber("+0x10")));
  EXPECT_TRUE(std::isnan(JsStringToNumber("0x")));
  EXPECT_TRUE(std::isnan(JsStringToNumber("0x1g")));
  EXPECT_TRUE(std::isnan(JsStringToNumber("0b102")));
  EXPECT_TRUE(std::isnan(JsStringToNumber("0o8")));
}

TEST(JsStringToNumber, EmptyAndBlankAreZero) {
  EXPECT_EQ(JsStringToNumber(""), 0);
  EXPECT_EQ(JsStringToNumber("   "), 0);
  EXPECT_EQ(JsStringToNumber("\n"), 0);
}

TEST(JsStringToNumber, RejectsEverythingElseAsNaN) {
  for (const char* text : {"abc", "12px", "1_000", "1,5", "1e", "1e+", ".", "+", "-", "e5", "inf",
                           "infinity", "NaN", "nan", "0x1p3", "1 2", "--1", "1n", "٣"}) {
    EXPECT_TRUE(std::isnan(JsStringToNumber(text))) << text;
  }
}

TEST(JsStringToNumber, InfinityAndOverflow) {
  EXPECT_EQ(JsStringToNumber("Infinity"), HUGE_VAL);
  EXPECT_EQ(JsStringToNumber("-Infinity"), -HUGE_VAL);
  EXPECT_EQ(JsStringToNumber("+Infinity"), HUGE_VAL);
  EXPECT_EQ(JsStringToNumber("1e400"), HUGE_VAL);
  EXPECT_EQ(JsStringToNumber("1e-400"), 0);
  const double negative_zero = JsStringToNumber("-0");
  EXPECT_EQ(negative_zero, 0);
  EXPECT_TRUE(std::signbit(negative_zero));
}

TEST(JsStringToNumber, LargeIntegersRoundLikeDoubles) {
  EXPECT_EQ(JsStringToNumber("9007199254740993"), 9007199254740992.0);
  EXPECT_EQ(JsStringToNumber("0x20000000000001"), 9007199254740992.0);
}

TEST(TrimJsWhitespace, RemovesOnlyWhitespaceCharacters) {
  EXPECT_EQ(TrimJsWhitespace(" \t a b \r\n"), "a b");
  EXPECT_EQ(TrimJsWhitespaceEnd("  x\xE3\x80\x80"), "  x");  // IDEOGRAPHIC SPACE
  // A lone continuation byte that ends like a space sequence is not whitespace.
  EXPECT_EQ(TrimJsWhitespaceEnd(std::string("x\x80\x80")), std::string("x\x80\x80"));
  // U+200B ZERO WIDTH SPACE is not in JavaScript's whitespace set.
  EXPECT_EQ(TrimJsWhitespaceEnd("x\xE2\x80\x8B"), "x\xE2\x80\x8B");
}

}  // namespace
}  // namespace protifer::config

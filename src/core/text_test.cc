#include "core/text.h"

#include <gtest/gtest.h>

#include <string>

#include "core/test_data.h"

namespace protifer::core {
namespace {

using nlohmann::ordered_json;
using testing::BytesFromHex;

TEST(Text, Utf16LengthMatchesNode) {
  const ordered_json table = testing::LoadJsReference("js-utf16.json");
  ASSERT_GE(table.at("cases").size(), 200u);
  for (const auto& entry : table.at("cases")) {
    const auto hex = entry.at("hex").get<std::string>();
    EXPECT_EQ(Utf16Length(BytesFromHex(hex)), entry.at("utf16Length").get<std::size_t>()) << hex;
    EXPECT_EQ(Utf8ToUtf16(BytesFromHex(hex)).size(), entry.at("utf16Length").get<std::size_t>())
        << hex;
  }
}

TEST(Text, TruncationMatchesNode) {
  const ordered_json table = testing::LoadJsReference("js-utf16.json");
  std::size_t pair_cuts = 0;
  for (const auto& entry : table.at("cases")) {
    const std::string input = BytesFromHex(entry.at("hex").get<std::string>());
    for (const auto& truncation : entry.at("truncations")) {
      const auto max = truncation.at("max").get<std::size_t>();
      const std::string cut = TruncateUtf16(input, max);
      EXPECT_EQ(cut, BytesFromHex(truncation.at("hex").get<std::string>()))
          << entry.at("hex") << " max " << max;
      EXPECT_TRUE(IsWellFormedUtf8(cut));
      EXPECT_LE(Utf16Length(cut), max);
      if (truncation.at("jsSplitsPair").get<bool>()) {
        ++pair_cuts;
      }
    }
  }
  EXPECT_GT(pair_cuts, 0u) << "the table must exercise the surrogate-pair deviation";
}

// ModelErrorEntry.message: 200 units; an emoji that would straddle the limit is dropped whole.
TEST(Text, MessageLimitNeverSplitsACharacter) {
  const std::string message = std::string(199, 'x') + "\xF0\x9F\x98\x80" + "tail";
  EXPECT_EQ(TruncateUtf16(message, 200), std::string(199, 'x'));
  EXPECT_EQ(TruncateUtf16(message, 201), std::string(199, 'x') + "\xF0\x9F\x98\x80");
  const std::string accented = std::string(199, 'e') + "\xC3\xA9\xC3\xA9";  // é is one unit
  EXPECT_EQ(TruncateUtf16(accented, 200), std::string(199, 'e') + "\xC3\xA9");
  EXPECT_EQ(TruncateUtf16("short", 200), "short");
}

TEST(Text, IllFormedBytesBecomeOneReplacementPerMaximalSubpart) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(ToWellFormedUtf8("a\xE2\x82(b"), "a" + replacement + "(b");  // truncated sequence
  EXPECT_EQ(ToWellFormedUtf8("\xED\xA0\x80"),
            replacement + replacement + replacement);                  // surrogate
  EXPECT_EQ(ToWellFormedUtf8("\xC0\x80"), replacement + replacement);  // overlong
  EXPECT_EQ(ToWellFormedUtf8("\xF0\x9F\x98"), replacement);            // 4-byte sequence cut short
  EXPECT_EQ(ToWellFormedUtf8("ok \xC3\xA9"), "ok \xC3\xA9");
  EXPECT_FALSE(IsWellFormedUtf8("\xFF"));
  EXPECT_TRUE(IsWellFormedUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

// ToWellFormedUtf8 is the UTF-8 of the decoded string, for every byte string of the JSON table.
TEST(Text, WellFormedUtf8IsTheRoundTripThroughUtf16) {
  const ordered_json table = testing::LoadJsReference("js-json.json");
  for (const auto& entry : table.at("utf8Strings")) {
    const std::string bytes = BytesFromHex(entry.at("hex").get<std::string>());
    const std::string well_formed = ToWellFormedUtf8(bytes);
    EXPECT_EQ(well_formed, Utf16ToUtf8(Utf8ToUtf16(bytes))) << entry.at("hex");
    EXPECT_TRUE(IsWellFormedUtf8(well_formed));
    EXPECT_EQ(IsWellFormedUtf8(bytes), well_formed == bytes);
    EXPECT_EQ(Utf16Length(bytes), Utf16Length(well_formed));
  }
}

TEST(Text, LoneSurrogatesBecomeReplacementInUtf8) {
  EXPECT_EQ(Utf16ToUtf8(u"a\xD800"
                        u"b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(Utf16ToUtf8(u"\xDE00\xD83D"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Utf16ToUtf8(u"\xD83D\xDE00"), "\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace protifer::core

#include "core/js_collate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/test_data.h"

namespace protifer::core {
namespace {

using nlohmann::ordered_json;

TEST(JsCollate, PairsMatchNode) {
  const ordered_json table = testing::LoadJsReference("js-locale-compare.json");
  ASSERT_GE(table.at("pairs").size(), 3000u);
  std::size_t equal_but_different = 0;
  for (const auto& pair : table.at("pairs")) {
    const auto a = pair.at(0).get<std::string>();
    const auto b = pair.at(1).get<std::string>();
    const int expected = pair.at(2).get<int>();
    EXPECT_EQ(JsLocaleCompare(a, b), expected) << ordered_json(pair).dump();
    EXPECT_EQ(JsLocaleCompare(b, a), -expected) << ordered_json(pair).dump();
    if (expected == 0 && a != b) {
      ++equal_but_different;
    }
  }
  // Ignorable control characters make distinct strings compare equal; the table must show it.
  EXPECT_GT(equal_but_different, 0u);
}

TEST(JsCollate, AllAsciiCharactersSortLikeNode) {
  const ordered_json table = testing::LoadJsReference("js-locale-compare.json");
  const auto expected = table.at("asciiSorted").at(0).get<std::vector<std::string>>();
  std::vector<std::string> characters;
  characters.reserve(128);
  for (int c = 0; c < 128; ++c) {
    characters.emplace_back(1, static_cast<char>(c));
  }
  ASSERT_EQ(characters.size(), 128u);
  std::stable_sort(characters.begin(), characters.end(), JsLocaleLess{});
  EXPECT_EQ(characters, expected);
}

TEST(JsCollate, StableSortsMatchNode) {
  const ordered_json table = testing::LoadJsReference("js-locale-compare.json");
  ASSERT_GE(table.at("sorts").size(), 50u);
  for (const auto& entry : table.at("sorts")) {
    auto input = entry.at("input").get<std::vector<std::string>>();
    std::stable_sort(input.begin(), input.end(), JsLocaleLess{});
    EXPECT_EQ(input, entry.at("sorted").get<std::vector<std::string>>())
        << entry.at("input").dump();
  }
}

// Documented limit: non-ASCII sorts after all of ASCII by code point (ICU would put "é" next to
// "e"). The order must still be a consistent total preorder so std::stable_sort is safe.
TEST(JsCollate, NonAsciiFallbackIsDeterministicAndConsistent) {
  EXPECT_LT(JsLocaleCompare("z", "\xC3\xA9"), 0);             // é after z (ICU: before f)
  EXPECT_LT(JsLocaleCompare("\xC3\xA9", "\xE2\x82\xAC"), 0);  // by code point
  EXPECT_EQ(JsLocaleCompare("\xC3\xA9", "\xC3\xA9"), 0);
  EXPECT_EQ(JsLocaleCompare("\xFF", "\xEF\xBF\xBD"), 0);  // ill-formed acts as U+FFFD
  const std::vector<std::string> words = {"a",    "\xC3\xA9", "B", "b\xC3\xA9",        "_",
                                          "\x01", "",         "A", "\xF0\x9F\x98\x80", "a\x01",
                                          "e",    "E\xCC\x81"};
  for (const auto& x : words) {
    for (const auto& y : words) {
      EXPECT_EQ(JsLocaleCompare(x, y), -JsLocaleCompare(y, x));
      for (const auto& z : words) {
        if (JsLocaleCompare(x, y) <= 0 && JsLocaleCompare(y, z) <= 0) {
          EXPECT_LE(JsLocaleCompare(x, z), 0) << x << " " << y << " " << z;
        }
      }
    }
  }
}

}  // namespace
}  // namespace protifer::core

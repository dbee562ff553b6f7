#include "core/js_json.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/test_data.h"
#include "core/text.h"

namespace protifer::core {
namespace {

using nlohmann::ordered_json;

std::u16string UnitsOf(const ordered_json& array) {
  std::u16string units;
  for (const auto& unit : array) {
    units += static_cast<char16_t>(unit.get<std::uint32_t>());
  }
  return units;
}

std::string Quoted(std::string_view utf8) {
  std::string out;
  AppendJsJsonString(out, utf8);
  return out;
}

std::string Quoted(std::u16string_view utf16) {
  std::string out;
  AppendJsJsonString(out, utf16);
  return out;
}

TEST(JsJson, Utf16StringsMatchNode) {
  const ordered_json table = testing::LoadJsReference("js-json.json");
  ASSERT_GE(table.at("utf16Strings").size(), 400u);
  for (const auto& entry : table.at("utf16Strings")) {
    EXPECT_EQ(Quoted(UnitsOf(entry.at("units"))), entry.at("json")) << entry.at("units").dump();
  }
}

TEST(JsJson, Utf8StringsMatchNodeIncludingIllFormedBytes) {
  const ordered_json table = testing::LoadJsReference("js-json.json");
  ASSERT_GE(table.at("utf8Strings").size(), 400u);
  for (const auto& entry : table.at("utf8Strings")) {
    const auto hex = entry.at("hex").get<std::string>();
    EXPECT_EQ(Quoted(testing::BytesFromHex(hex)), entry.at("json")) << hex;
  }
}

// The UTF-8 and UTF-16 paths agree wherever both can express the string.
TEST(JsJson, Utf8AndUtf16PathsAgree) {
  const ordered_json table = testing::LoadJsReference("js-json.json");
  for (const auto& entry : table.at("utf8Strings")) {
    const std::string bytes = testing::BytesFromHex(entry.at("hex").get<std::string>());
    EXPECT_EQ(Quoted(Utf8ToUtf16(bytes)), entry.at("json")) << entry.at("hex");
  }
  for (const auto& entry : table.at("utf16Strings")) {
    const std::u16string units = UnitsOf(entry.at("units"));
    if (Utf8ToUtf16(Utf16ToUtf8(units)) != units) {
      continue;  // holds a lone surrogate
    }
    EXPECT_EQ(Quoted(Utf16ToUtf8(units)), entry.at("json")) << entry.at("units").dump();
  }
}

TEST(JsJson, ObjectKeyOrderMatchesNode) {
  const ordered_json table = testing::LoadJsReference("js-json.json");
  ASSERT_GE(table.at("objectKeyOrder").size(), 100u);
  for (const auto& entry : table.at("objectKeyOrder")) {
    ordered_json object = ordered_json::object();
    int index = 0;
    for (const auto& key : entry.at("keys")) {
      object[key.get<std::string>()] = index++;
    }
    EXPECT_EQ(JsJsonStringify(object), entry.at("json")) << entry.at("keys").dump();
  }
}

// nlohmann::json keeps keys sorted by bytes: the result is what JS prints for an object whose
// keys were inserted in that order.
TEST(JsJson, SortedJsonObjectsBehaveAsIfInsertedInByteOrder) {
  const ordered_json table = testing::LoadJsReference("js-json.json");
  for (const auto& entry : table.at("objectKeyOrder")) {
    nlohmann::json sorted = nlohmann::json::object();
    int index = 0;
    for (const auto& key : entry.at("keys")) {
      sorted[key.get<std::string>()] = index++;
    }
    ordered_json inserted_in_byte_order = ordered_json::object();
    for (const auto& item : sorted.items()) {
      inserted_in_byte_order[item.key()] = item.value();
    }
    EXPECT_EQ(JsJsonStringify(sorted), JsJsonStringify(inserted_in_byte_order));
  }
}

TEST(JsJson, ArrayIndexKeys) {
  EXPECT_TRUE(IsJsArrayIndexKey("0"));
  EXPECT_TRUE(IsJsArrayIndexKey("4294967294"));
  EXPECT_FALSE(IsJsArrayIndexKey("4294967295"));
  EXPECT_FALSE(IsJsArrayIndexKey("01"));
  EXPECT_FALSE(IsJsArrayIndexKey("-1"));
  EXPECT_FALSE(IsJsArrayIndexKey(""));
  EXPECT_FALSE(IsJsArrayIndexKey("99999999999"));
}

// A StoredPredictionV2-shaped document: structure, key order and number forms together.
TEST(JsJson, WritesADocumentCompactlyInInsertionOrder) {
  ordered_json document;
  document["schemaVersion"] = 2;
  document["versions"] = ordered_json::array({{{"name", "seth"}, {"version", "dev"}}});
  document["outputs"]["seth"] = ordered_json::array(
      {static_cast<double>(0.1f), -0.0, std::numeric_limits<double>::quiet_NaN(), 1e21, 3});
  document["outputs"]["tmbed"] = {{"labels", "Bb\u00e9"}, {"probabilities", ordered_json::array()}};
  document["modelErrors"]["bindembed"] = {
      {"code", "UNAVAILABLE"}, {"message", "a\n\"b\"\t/\u2028"}, {"failedAt", nullptr}};
  EXPECT_EQ(JsJsonStringify(document),
            "{\"schemaVersion\":2,\"versions\":[{\"name\":\"seth\",\"version\":\"dev\"}],"
            "\"outputs\":{\"seth\":[0.10000000149011612,0,null,1e+21,3],"
            "\"tmbed\":{\"labels\":\"Bb\u00e9\",\"probabilities\":[]}},"
            "\"modelErrors\":{\"bindembed\":{\"code\":\"UNAVAILABLE\","
            "\"message\":\"a\\n\\\"b\\\"\\t/\u2028\",\"failedAt\":null}}}");
  EXPECT_EQ(JsJsonStringify(ordered_json::object()), "{}");
  EXPECT_EQ(JsJsonStringify(ordered_json(true)), "true");
}

// What we write, a JSON parser reads back to the same values (shortest digits lose nothing).
TEST(JsJson, NumbersSurviveAParseRoundTrip) {
  const ordered_json table = testing::LoadJsReference("js-numbers.json");
  std::vector<double> values;
  for (const auto& row : table.at("doubles")) {
    const double value = std::bit_cast<double>(
        static_cast<std::uint64_t>(std::stoull(row.at(0).get<std::string>(), nullptr, 16)));
    if (std::isfinite(value)) {
      values.push_back(value);
    }
  }
  const ordered_json parsed = ordered_json::parse(JsJsonStringify(ordered_json(values)));
  ASSERT_EQ(parsed.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(parsed[i].get<double>(), values[i]) << i;
  }
}

TEST(JsJson, ValuesWithoutJsonFormAreRejected) {
  EXPECT_THROW(JsJsonStringify(ordered_json::binary({1, 2, 3})), std::invalid_argument);
  EXPECT_THROW(JsJsonStringify(ordered_json(ordered_json::value_t::discarded)),
               std::invalid_argument);
}

}  // namespace
}  // namespace protifer::core

#include "core/js_json.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

#include "core/js_number.h"
#include "core/text.h"

namespace protifer::core {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";  // JSON.stringify uses lower case

void AppendUnicodeEscape(std::string& out, std::uint32_t unit) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) {
    out += kHexDigits[(unit >> shift) & 0xF];
  }
}

constexpr bool IsPlainAscii(std::uint8_t byte) {
  return byte >= 0x20 && byte < 0x80 && byte != '"' && byte != '\\';
}

// QuoteJSONString (ECMA-262 25.5.2.3) for the code units below U+0080 that need escaping.
void AppendAsciiEscape(std::string& out, std::uint8_t byte) {
  switch (byte) {
    case '\b':
      out += "\\b";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\f':
      out += "\\f";
      break;
    case '\r':
      out += "\\r";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    default:
      AppendUnicodeEscape(out, byte);
  }
}

// The index of a property key that JavaScript treats as an array index: a canonical decimal
// string (no sign, exponent, fraction or leading zero except "0" itself) of 0 .. 2^32 - 2.
std::optional<std::uint32_t> ArrayIndexOf(std::string_view key) {
  if (key.empty() || key.size() > 10) {
    return std::nullopt;
  }
  if (key.size() > 1 && key.front() == '0') {
    return std::nullopt;
  }
  std::uint64_t number = 0;
  for (const char c : key) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    number = number * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (number > 4294967294u) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(number);
}

template <class Json>
void AppendValue(std::string& out, const Json& value);

template <class Json>
void AppendObject(std::string& out, const Json& object) {
  out += '{';
  bool first = true;
  const auto append_member = [&](const std::string& key, const Json& member) {
    if (!first) {
      out += ',';
    }
    first = false;
    AppendJsJsonString(out, key);
    out += ':';
    AppendValue(out, member);
  };

  const auto items = object.items();
  const bool has_index_keys = std::any_of(items.begin(), items.end(), [](const auto& item) {
    return ArrayIndexOf(item.key()).has_value();
  });
  if (!has_index_keys) {  // the usual case: one pass in container order
    for (const auto& item : items) {
      append_member(item.key(), item.value());
    }
    out += '}';
    return;
  }

  struct IndexMember {
    std::uint32_t index;
    const std::string* key;
    const Json* value;
  };
  std::vector<IndexMember> index_members;
  for (const auto& item : items) {
    if (const auto index = ArrayIndexOf(item.key())) {
      index_members.push_back({*index, &item.key(), &item.value()});
    }
  }
  // Keys are unique, so indices are too: no ties whose order would need keeping.
  std::sort(index_members.begin(), index_members.end(),
            [](const IndexMember& a, const IndexMember& b) { return a.index < b.index; });
  for (const IndexMember& member : index_members) {
    append_member(*member.key, *member.value);
  }
  for (const auto& item : items) {
    if (!ArrayIndexOf(item.key())) {
      append_member(item.key(), item.value());
    }
  }
  out += '}';
}

template <class Json>
void AppendValue(std::string& out, const Json& value) {
  using Type = nlohmann::json::value_t;
  switch (value.type()) {
    case Type::null:
      out += "null";
      break;
    case Type::boolean:
      out += value.template get<bool>() ? "true" : "false";
      break;
    case Type::number_integer:
      AppendJsonInteger(out, value.template get<std::int64_t>());
      break;
    case Type::number_unsigned:
      AppendJsonInteger(out, value.template get<std::uint64_t>());
      break;
    case Type::number_float:
      AppendJsonNumber(out, value.template get<double>());
      break;
    case Type::string:
      AppendJsJsonString(out, value.template get_ref<const std::string&>());
      break;
    case Type::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value) {
        if (!first) {
          out += ',';
        }
        first = false;
        AppendValue(out, element);
      }
      out += ']';
      break;
    }
    case Type::object:
      AppendObject(out, value);
      break;
    case Type::binary:
      throw std::invalid_argument("JsJsonStringify: binary values have no JSON form");
    case Type::discarded:
      throw std::invalid_argument("JsJsonStringify: discarded value (failed parse) is not JSON");
  }
}

}  // namespace

bool IsJsArrayIndexKey(std::string_view key) { return ArrayIndexOf(key).has_value(); }

void AppendJsJsonString(std::string& out, std::string_view utf8) {
  out += '"';
  std::size_t run_start = 0;  // bytes [run_start, pos) are copied verbatim in one append
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    const auto byte = static_cast<std::uint8_t>(utf8[pos]);
    if (IsPlainAscii(byte)) {
      ++pos;
      continue;
    }
    if (byte < 0x80) {
      out.append(utf8.substr(run_start, pos - run_start));
      AppendAsciiEscape(out, byte);
      run_start = ++pos;
      continue;
    }
    const Utf8Step step = DecodeUtf8Step(utf8, pos);
    if (!step.well_formed) {
      out.append(utf8.substr(run_start, pos - run_start));
      AppendUtf8(out, kReplacementCharacter);
      run_start = pos + step.length;
    }
    pos += step.length;
  }
  out.append(utf8.substr(run_start, pos - run_start));
  out += '"';
}

void AppendJsJsonString(std::string& out, std::u16string_view utf16) {
  out += '"';
  for (std::size_t i = 0; i < utf16.size(); ++i) {
    const char16_t unit = utf16[i];
    if (unit < 0x80) {
      const auto byte = static_cast<std::uint8_t>(unit);
      if (IsPlainAscii(byte)) {
        out += static_cast<char>(byte);
      } else {
        AppendAsciiEscape(out, byte);
      }
    } else if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < utf16.size() && utf16[i + 1] >= 0xDC00 &&
               utf16[i + 1] <= 0xDFFF) {
      AppendUtf8(out, 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) +
                          (static_cast<char32_t>(utf16[i + 1]) - 0xDC00));
      ++i;
    } else if (unit >= 0xD800 && unit <= 0xDFFF) {
      AppendUnicodeEscape(out, unit);  // lone surrogate
    } else {
      AppendUtf8(out, unit);
    }
  }
  out += '"';
}

void AppendJsJson(std::string& out, const nlohmann::ordered_json& value) {
  AppendValue(out, value);
}
void AppendJsJson(std::string& out, const nlohmann::json& value) { AppendValue(out, value); }

std::string JsJsonStringify(const nlohmann::ordered_json& value) {
  std::string out;
  AppendJsJson(out, value);
  return out;
}

std::string JsJsonStringify(const nlohmann::json& value) {
  std::string out;
  AppendJsJson(out, value);
  return out;
}

}  // namespace protifer::core

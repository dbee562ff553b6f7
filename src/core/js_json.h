// JSON text byte-identical to JavaScript's JSON.stringify (no indentation argument).
//
// protifer writes StoredPredictionV2 and hashes model lists with JSON.stringify. nlohmann's
// dump() formats numbers differently (1e-7 -> "1e-07", 2.0 -> "2.0", -0.0 -> "-0.0",
// 1e20 -> "1e+20"; JavaScript: "1e-7", "2", "0", "100000000000000000000"), so the documents we
// store are written by this serialiser instead. It costs the same as dump(): about 25 million
// instructions (callgrind) for a 500 kB document of 26000 floats. What it writes:
//   - numbers as in js_number.h; NaN and +-Infinity -> null; integers beyond 2^53 as the double
//     JavaScript would have held;
//   - strings: `"` `\` and U+0000..U+001F escaped (\b \t \n \f \r, otherwise \u00xx with
//     lower-case hex), nothing else: no escaping of '/', U+007F, U+2028/U+2029 or non-ASCII,
//     which is written as raw UTF-8. UTF-8 input follows the rule of text.h (ill-formed bytes
//     are written as U+FFFD). UTF-16 input may hold lone surrogates; as in ES2019
//     (well-formed JSON.stringify) they are written as \udxxx escapes;
//   - object keys in JavaScript's property order: keys that are array indices (canonical
//     decimal strings "0".."4294967294") first, in numeric order, then all other keys in
//     the container's order. With nlohmann::ordered_json that is insertion order, exactly as
//     in JS; prefer it. With nlohmann::json the "other keys" come out sorted by bytes, i.e. as
//     if they had been inserted in that order. None of protifer's documents has index-like keys
//     today (they are field and model names); the rule is implemented so the writer stays
//     exact for any document.
// Values JSON cannot express (nlohmann binary and discarded values) throw std::invalid_argument;
// JavaScript has no counterpart to copy.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace protifer::core {

std::string JsJsonStringify(const nlohmann::ordered_json& value);
std::string JsJsonStringify(const nlohmann::json& value);

void AppendJsJson(std::string& out, const nlohmann::ordered_json& value);
void AppendJsJson(std::string& out, const nlohmann::json& value);

// A quoted, escaped JSON string literal.
void AppendJsJsonString(std::string& out, std::string_view utf8);
void AppendJsJsonString(std::string& out, std::u16string_view utf16);

// True when JavaScript treats the property key as an array index (ordered before other keys).
bool IsJsArrayIndexKey(std::string_view key);

}  // namespace protifer::core

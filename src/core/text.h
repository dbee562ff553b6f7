// UTF-8 text seen the way JavaScript sees strings.
//
// protifer is written in JavaScript, where a string is a sequence of UTF-16 code units and
// lengths, slices and JSON escapes are counted in those units. Our strings are UTF-8 bytes.
// One rule ties the two together everywhere in src/core:
//
//   A std::string stands for the JS string that the WHATWG UTF-8 decoder (TextDecoder,
//   Buffer#toString("utf8")) produces from its bytes: each maximal ill-formed subsequence
//   (stray continuation byte, truncated sequence, overlong form, encoded surrogate, code point
//   above U+10FFFF, bytes C0, C1, F5..FF) becomes one U+FFFD.
//
// That is what protifer itself would hold for bytes it received from the wire (gRPC details,
// BYTES tensors), so invalid UTF-8 is handled deterministically and the same way as the
// original. Lone surrogates cannot be expressed in UTF-8; code that must handle them takes
// std::u16string_view (see js_json.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace protifer::core {

inline constexpr char32_t kReplacementCharacter = U'\uFFFD';

// One step of WHATWG UTF-8 decoding.
struct Utf8Step {
  char32_t code_point;  // U+FFFD when !well_formed
  std::size_t length;   // bytes consumed (>= 1); an ill-formed subsequence is consumed as a whole
  bool well_formed;
};

// Decodes the character starting at bytes[pos] (pos < bytes.size()).
Utf8Step DecodeUtf8Step(std::string_view bytes, std::size_t pos);

// Number of UTF-16 code units of the character (1 or 2).
constexpr std::size_t Utf16Units(char32_t code_point) { return code_point >= 0x10000 ? 2 : 1; }

// Appends the UTF-8 encoding of a Unicode scalar value (surrogates are the caller's business).
void AppendUtf8(std::string& out, char32_t code_point);

// True when the bytes are well-formed UTF-8 (no U+FFFD substitution would happen).
bool IsWellFormedUtf8(std::string_view bytes);

// The bytes with every ill-formed subsequence replaced by U+FFFD (EF BF BD): the UTF-8 that
// Buffer.from(jsString, "utf8") would give back. Well-formed input is returned unchanged.
std::string ToWellFormedUtf8(std::string_view bytes);

// `jsString.length`: the UTF-16 length of the string the bytes stand for.
std::size_t Utf16Length(std::string_view utf8);

// The longest prefix of the string that has at most `max_units` UTF-16 code units, as
// well-formed UTF-8. It never splits a UTF-8 sequence, and never splits a surrogate pair: where
// protifer's `text.slice(0, max)` would end in the high half of a pair (and then store a lone
// surrogate, JSON-escaped as "\ud83d"), this returns one unit less. That is a deliberate
// deviation (DESIGN.md section 4, item 7); for every other input the result is the UTF-8 of
// JavaScript's slice.
std::string TruncateUtf16(std::string_view utf8, std::size_t max_units);

// UTF-16 <-> UTF-8 the JavaScript way: Utf8ToUtf16 is TextDecoder (ill-formed -> U+FFFD),
// Utf16ToUtf8 is Buffer.from(string, "utf8") (lone surrogates -> U+FFFD).
std::u16string Utf8ToUtf16(std::string_view utf8);
std::string Utf16ToUtf8(std::u16string_view units);

}  // namespace protifer::core

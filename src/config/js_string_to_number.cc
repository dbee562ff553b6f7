#include "config/js_string_to_number.h"

#include <locale.h>  // newlocale, strtod_l (POSIX/glibc): locale-independent strtod
#include <stdlib.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

namespace protifer::config {
namespace {

// Length in bytes of the JS whitespace character that starts at text[pos], or 0.
std::size_t WhitespaceAt(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) {
    return pos + i < text.size() ? static_cast<unsigned char>(text[pos + i]) : 0u;
  };
  const unsigned b0 = byte(0);
  switch (b0) {
    case 0x09:  // TAB
    case 0x0A:  // LF
    case 0x0B:  // VT
    case 0x0C:  // FF
    case 0x0D:  // CR
    case 0x20:  // SP
      return 1;
    case 0xC2:  // U+00A0 NBSP
      return byte(1) == 0xA0 ? 2 : 0;
    case 0xE1:  // U+1680 OGHAM SPACE MARK
      return byte(1) == 0x9A && byte(2) == 0x80 ? 3 : 0;
    case 0xE2: {
      const unsigned b1 = byte(1);
      const unsigned b2 = byte(2);
      if (b1 == 0x80) {
        // U+2000..U+200A spaces, U+2028 LS, U+2029 PS, U+202F NNBSP
        if ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) {
          return 3;
        }
        return 0;
      }
      return b1 == 0x81 && b2 == 0x9F ? 3 : 0;  // U+205F MMSP
    }
    case 0xE3:  // U+3000 IDEOGRAPHIC SPACE
      return byte(1) == 0x80 && byte(2) == 0x80 ? 3 : 0;
    case 0xEF:  // U+FEFF ZWNBSP (BOM)
      return byte(1) == 0xBB && byte(2) == 0xBF ? 3 : 0;
    default:
      return 0;
  }
}

// Length of the whitespace character that ends exactly at text.size(), or 0. Every whitespace
// character is at most 3 bytes; a match must start at its lead byte, which a continuation
// byte can never be, so checking the three candidate starts is exact.
std::size_t WhitespaceBefore(std::string_view text) {
  for (std::size_t len = 1; len <= 3 && len <= text.size(); ++len) {
    if (WhitespaceAt(text, text.size() - len) == len) {
      return len;
    }
  }
  return 0;
}

bool IsDecimalDigit(char c) { return c >= '0' && c <= '9'; }

int DigitValue(char c, int radix) {
  int value = -1;
  if (c >= '0' && c <= '9') {
    value = c - '0';
  } else if (c >= 'a' && c <= 'f') {
    value = c - 'a' + 10;
  } else if (c >= 'A' && c <= 'F') {
    value = c - 'A' + 10;
  }
  return value >= 0 && value < radix ? value : -1;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// NonDecimalIntegerLiteral after its two-character prefix: at least one digit, nothing else.
double ParseRadixDigits(std::string_view digits, int radix) {
  if (digits.empty()) {
    return kNaN;
  }
  double value = 0;
  for (const char c : digits) {
    const int digit = DigitValue(c, radix);
    if (digit < 0) {
      return kNaN;
    }
    value = value * radix + digit;
  }
  return value;
}

// True when text is a StrDecimalLiteral without the sign and other than "Infinity":
//   digits [ "." [digits] ] [exponent] | "." digits [exponent]
// exponent: ("e" | "E") ["+" | "-"] digits
bool IsUnsignedDecimalLiteral(std::string_view text) {
  std::size_t pos = 0;
  std::size_t mantissa_digits = 0;
  while (pos < text.size() && IsDecimalDigit(text[pos])) {
    ++pos, ++mantissa_digits;
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && IsDecimalDigit(text[pos])) {
      ++pos, ++mantissa_digits;
    }
  }
  if (mantissa_digits == 0) {
    return false;
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      ++pos;
    }
    std::size_t exponent_digits = 0;
    while (pos < text.size() && IsDecimalDigit(text[pos])) {
      ++pos, ++exponent_digits;
    }
    if (exponent_digits == 0) {
      return false;
    }
  }
  return pos == text.size();
}

// Correctly rounded decimal conversion that ignores the process locale (a "," decimal point
// set by setlocale must not change what "1.5" means). The text was validated by
// IsUnsignedDecimalLiteral, so strtod sees no hex, "inf" or "nan" forms; overflow gives
// HUGE_VAL (= Infinity) and underflow 0 or a subnormal, as in JavaScript.
double ParseDecimal(std::string_view unsigned_literal) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  const std::string copy(unsigned_literal);
  return strtod_l(copy.c_str(), nullptr, c_locale);
}

}  // namespace

std::string_view TrimJsWhitespaceEnd(std::string_view utf8) {
  while (const std::size_t len = WhitespaceBefore(utf8)) {
    utf8.remove_suffix(len);
  }
  return utf8;
}

std::string_view TrimJsWhitespace(std::string_view utf8) {
  while (const std::size_t len = WhitespaceAt(utf8, 0)) {
    utf8.remove_prefix(len);
  }
  return TrimJsWhitespaceEnd(utf8);
}

double JsStringToNumber(std::string_view text) {
  text = TrimJsWhitespace(text);
  if (text.empty()) {
    return 0;
  }

  if (text.size() >= 2 && text[0] == '0') {
    switch (text[1]) {
      case 'x':
      case 'X':
        return ParseRadixDigits(text.substr(2), 16);
      case 'o':
      case 'O':
        return ParseRadixDigits(text.substr(2), 8);
      case 'b':
      case 'B':
        return ParseRadixDigits(text.substr(2), 2);
      default:
        break;
    }
  }

  double sign = 1;
  if (text[0] == '+' || text[0] == '-') {
    sign = text[0] == '-' ? -1 : 1;
    text.remove_prefix(1);
  }
  if (text == "Infinity") {
    return sign * kInfinity;
  }
  if (!IsUnsignedDecimalLiteral(text)) {
    return kNaN;
  }
  return sign * ParseDecimal(text);
}

}  // namespace protifer::config

#include "core/js_number.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <system_error>

namespace protifer::core {
namespace {

// Largest magnitude below which every integer is exactly representable as a double.
constexpr std::uint64_t kMaxExactInteger = std::uint64_t{1} << 53;

// The shortest round-trip digits of a finite, positive double and its decimal point position:
// value = 0.d1d2...dk * 10^point (ECMAScript's s, k and n).
struct ShortestDecimal {
  std::array<char, 17> digits;  // a double never needs more than 17 significant digits
  int digit_count;
  int point;
};

ShortestDecimal ToShortestDecimal(double positive) {
  // Scientific form "d[.ddd]e[+-]xx" hands over digits and exponent without any guessing.
  std::array<char, 32> buffer{};
  const auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), positive,
                                          std::chars_format::scientific);
  if (error != std::errc{}) {
    throw std::logic_error("to_chars failed for a finite double");
  }

  ShortestDecimal decimal{};
  const char* cursor = buffer.data();
  while (*cursor != 'e') {
    if (*cursor != '.') {
      decimal.digits[static_cast<std::size_t>(decimal.digit_count++)] = *cursor;
    }
    ++cursor;
  }
  ++cursor;  // 'e'
  if (*cursor == '+') {
    ++cursor;  // from_chars accepts '-' but not '+'
  }
  int exponent = 0;
  std::from_chars(cursor, end, exponent);
  decimal.point = exponent + 1;
  return decimal;
}

}  // namespace

void AppendJsNumber(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return;
  }
  if (value == 0) {  // +0 and -0 alike
    out += '0';
    return;
  }
  if (std::isinf(value)) {
    out += value < 0 ? "-Infinity" : "Infinity";
    return;
  }

  // The text is assembled in a local buffer and appended once: stored predictions hold tens of
  // thousands of numbers, and per-character appends to the string were measurably slower.
  // Longest forms: "-0.000000" + 17 digits (26), "-" + 21 digits, "-d." + 16 digits + "e-324".
  std::array<char, 32> text{};
  char* cursor = text.data();
  if (value < 0) {
    *cursor++ = '-';
    value = -value;
  }
  const ShortestDecimal decimal = ToShortestDecimal(value);
  const char* digits = decimal.digits.data();
  const int k = decimal.digit_count;
  const int n = decimal.point;
  const auto put_digits = [&](int from, int to) {
    cursor = std::copy(digits + from, digits + to, cursor);
  };
  // Number::toString (ECMA-262 6.1.6.1.20), steps for radix 10.
  if (k <= n && n <= 21) {
    put_digits(0, k);
    cursor = std::fill_n(cursor, n - k, '0');
  } else if (0 < n && n <= 21) {
    put_digits(0, n);
    *cursor++ = '.';
    put_digits(n, k);
  } else if (-6 < n && n <= 0) {
    *cursor++ = '0';
    *cursor++ = '.';
    cursor = std::fill_n(cursor, -n, '0');
    put_digits(0, k);
  } else {
    put_digits(0, 1);
    if (k > 1) {
      *cursor++ = '.';
      put_digits(1, k);
    }
    *cursor++ = 'e';
    *cursor++ = n - 1 >= 0 ? '+' : '-';
    const int exponent = n - 1 >= 0 ? n - 1 : 1 - n;
    cursor = std::to_chars(cursor, text.data() + text.size(), exponent).ptr;
  }
  out.append(text.data(), cursor);
}

std::string JsNumberToString(double value) {
  std::string out;
  AppendJsNumber(out, value);
  return out;
}

void AppendJsonNumber(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  AppendJsNumber(out, value);
}

void AppendJsonInteger(std::string& out, std::int64_t value) {
  const std::uint64_t magnitude = value < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(value)
                                            : static_cast<std::uint64_t>(value);
  if (magnitude > kMaxExactInteger) {
    AppendJsNumber(out, static_cast<double>(value));  // rounds to nearest, ties to even, as JS
    return;
  }
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

void AppendJsonInteger(std::string& out, std::uint64_t value) {
  if (value > kMaxExactInteger) {
    AppendJsNumber(out, static_cast<double>(value));
    return;
  }
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

}  // namespace protifer::core

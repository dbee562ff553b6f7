// Numbers printed exactly as JavaScript prints them.
//
// protifer stores model outputs (float32 widened to double) through JSON.stringify, so a
// byte-compatible writer needs ECMAScript's Number::toString: the shortest decimal digits that
// read back to the same double (ties: the digits closest to the exact value), laid out as
//   integers up to 21 digits in full     1e20 -> "100000000000000000000", 1e21 -> "1e+21"
//   fixed notation down to 1e-6           0.000001 -> "0.000001",          1e-7 -> "1e-7"
//   otherwise d.ddde[+-]x, no zero padding of the exponent
// -0 prints as "0". Digit generation is std::to_chars (shortest round trip, correctly rounded);
// only the layout is ours. Checked against Node on thousands of values
// (tests/vectors/js-numbers.json).
#pragma once

#include <cstdint>
#include <string>

namespace protifer::core {

// String(value): "NaN", "Infinity" and "-Infinity" for the non-finite values.
std::string JsNumberToString(double value);
void AppendJsNumber(std::string& out, double value);

// JSON.stringify(value): like AppendJsNumber, but NaN and +-Infinity become "null".
void AppendJsonNumber(std::string& out, double value);

// JSON.stringify(Number(value)) for integers a C++ document may hold: exact up to 2^53 in
// magnitude; beyond that JavaScript would only have the nearest double, so that is what is
// printed (9007199254740993 -> "9007199254740992", INT64_MAX -> "9223372036854775807" becomes
// "9223372036854776000").
void AppendJsonInteger(std::string& out, std::int64_t value);
void AppendJsonInteger(std::string& out, std::uint64_t value);

}  // namespace protifer::core

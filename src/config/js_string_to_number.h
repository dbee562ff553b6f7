// JavaScript's Number(string) and String.prototype.trim, for UTF-8 text.
//
// protifer coerces numeric settings with zod's z.coerce.number(), i.e. Number(value), and then
// checks integer/range. Operators' existing values therefore include forms C++ parsers treat
// differently: " 42 " and "42\n" (surrounding whitespace), "0x10" (hex), "1e3" (exponent),
// "" or "  " (zero!), while "-0x10", "1_000", "12px" and "inf" are NaN. This is ECMAScript's
// StringToNumber (ECMA-262 section 7.1.4.1.1), implemented exactly so the same strings are
// accepted and rejected.
#pragma once

#include <string_view>

namespace protifer::config {

// The ECMAScript whitespace set (WhiteSpace and LineTerminator: TAB, VT, FF, SP, NBSP, ZWNBSP,
// every Unicode Zs space, LF, CR, LS, PS) removed from both ends / the end. Bytes that are not
// one of those characters in UTF-8 are kept, so ill-formed UTF-8 never loses data.
std::string_view TrimJsWhitespace(std::string_view utf8);
std::string_view TrimJsWhitespaceEnd(std::string_view utf8);

// Number(text) for a string argument: NaN when the text is not a StringNumericLiteral,
// +-Infinity on overflow or for "Infinity", 0 for an empty or all-whitespace string. Decimal
// literals are rounded correctly; hexadecimal, octal and binary literals ("0x1F", "0o17",
// "0b101", no sign allowed) are exact up to 2^53 and rounded beyond.
double JsStringToNumber(std::string_view text);

}  // namespace protifer::config

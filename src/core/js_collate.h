// String ordering compatible with JavaScript's String.prototype.localeCompare.
//
// protifer sorts prediction models by name with `a.name.localeCompare(b.name)` before hashing
// them (computeModelConfigHash), so the cache key and BullMQ job id depend on ICU collation,
// not on byte order: under the en-US/root collation "_a" < "1a" < "a b" < "a_b" < "a-b" <
// "a.b" < "a1" < "a10" < "a2" < "ab" < "aB" < "Ab" (spec/test-vectors.json).
//
// What is implemented, and its limits:
//   - Exact for ASCII. This is the CLDR root collation (which en-US uses unchanged) for
//     U+0000..U+007F with ICU's defaults (tertiary strength, punctuation not ignored, no numeric
//     ordering, no case-first): whitespace < punctuation and symbols < digits < letters; letters
//     compare case-insensitively first and lower case wins only when everything else is equal;
//     the controls U+0000..U+0008, U+000E..U+001F and U+007F are ignored completely, so
//     "a\x01b" and "ab" compare equal (0), as in JS. ASCII has no accents, so the secondary
//     level never decides and is not modelled. Verified against Node 20 (ICU 78) on thousands
//     of pairs (tests/vectors/js-locale-compare.json).
//   - Not ICU for anything else. A non-ASCII character gets a primary weight above every ASCII
//     character, in code point order, and no case. Real ICU interleaves most of them with ASCII
//     ("e" < "é" < "f", "€" before digits, soft hyphen ignored, ...). The order stays a
//     deterministic total preorder, so sorting never misbehaves, but it can differ from JS.
//     Model names are ASCII identifiers (spec 2.1), which is why a full ICU dependency was
//     not taken on for this one sort.
//   - Locale: the process default of protifer's runtime. Vectors were made under en-US;
//     locales that tailor ASCII (for example Danish, upper case first) would differ.
// UTF-8 input follows text.h (ill-formed bytes act as U+FFFD).
#pragma once

#include <string_view>

namespace protifer::core {

// Negative, zero or positive like a.localeCompare(b) (always -1, 0 or 1).
int JsLocaleCompare(std::string_view a, std::string_view b);

// Strict weak ordering for std::stable_sort (the sort protifer's Array#sort performs).
struct JsLocaleLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return JsLocaleCompare(a, b) < 0;
  }
};

}  // namespace protifer::core

#include "core/js_collate.h"

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/text.h"

namespace protifer::core {
namespace {

// One collation element: primary weight 0 means "completely ignorable".
struct CollationElement {
  std::uint32_t primary = 0;
  std::uint8_t tertiary = 0;  // 0 = lower case or caseless, 1 = upper case
};

// CLDR root order of the ASCII characters that carry weight, lowest first. Upper-case letters
// share the primary weight of their lower-case letter.
constexpr std::string_view kRootAsciiOrder =
    "\t\n\v\f\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz";

constexpr std::array<CollationElement, 128> MakeAsciiTable() {
  std::array<CollationElement, 128> table{};
  std::uint32_t weight = 0;
  for (const char c : kRootAsciiOrder) {
    table[static_cast<unsigned char>(c)] = {++weight, 0};
  }
  for (std::size_t upper = 'A'; upper <= 'Z'; ++upper) {
    table[upper] = {table[upper - 'A' + 'a'].primary, 1};
  }
  return table;
}

constexpr std::array<CollationElement, 128> kAsciiTable = MakeAsciiTable();
constexpr std::uint32_t kFirstNonAsciiPrimary = 0x100;  // above every ASCII weight

// Walks the non-ignorable collation elements of a UTF-8 string.
class CollationElements {
 public:
  explicit CollationElements(std::string_view utf8) : text_(utf8) {}

  // False at the end of the string.
  bool Next(CollationElement& element) {
    while (pos_ < text_.size()) {
      const Utf8Step step = DecodeUtf8Step(text_, pos_);
      pos_ += step.length;
      element = step.code_point < 0x80
                    ? kAsciiTable[static_cast<std::size_t>(step.code_point)]
                    : CollationElement{
                          kFirstNonAsciiPrimary + static_cast<std::uint32_t>(step.code_point), 0};
      if (element.primary != 0) {
        return true;
      }
    }
    return false;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

int Sign(std::uint32_t a, std::uint32_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

// Compares one level of the two element sequences; a proper prefix sorts first.
template <class Weight>
int CompareLevel(std::string_view a, std::string_view b, Weight weight) {
  CollationElements left(a);
  CollationElements right(b);
  CollationElement x;
  CollationElement y;
  while (true) {
    const bool has_left = left.Next(x);
    const bool has_right = right.Next(y);
    if (!has_left || !has_right) {
      return has_left ? 1 : (has_right ? -1 : 0);
    }
    if (const int order = Sign(weight(x), weight(y)); order != 0) {
      return order;
    }
  }
}

}  // namespace

int JsLocaleCompare(std::string_view a, std::string_view b) {
  // Level 1 decides on letters, digits and punctuation; only if that ties does case (level 3)
  // count, which is why "ab" < "aB" < "Ab" < "b".
  if (const int primary = CompareLevel(a, b, [](CollationElement e) { return e.primary; });
      primary != 0) {
    return primary;
  }
  return CompareLevel(a, b, [](CollationElement e) { return std::uint32_t{e.tertiary}; });
}

}  // namespace protifer::core

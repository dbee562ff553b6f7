#include "core/text.h"

#include <cstdint>

namespace protifer::core {
namespace {

constexpr bool IsHighSurrogate(char16_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
constexpr bool IsLowSurrogate(char16_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

}  // namespace

// The WHATWG "UTF-8 decode" algorithm: the lead byte fixes how many continuation bytes follow
// and the allowed range of the first one (which is what excludes overlong forms, surrogates and
// values above U+10FFFF). The first byte out of range ends the ill-formed subsequence without
// being consumed, so it is examined again as the start of the next character.
Utf8Step DecodeUtf8Step(std::string_view bytes, std::size_t pos) {
  const auto lead = static_cast<std::uint8_t>(bytes[pos]);
  if (lead < 0x80) {
    return {lead, 1, true};
  }

  std::size_t continuation_count = 0;
  std::uint8_t lower = 0x80;
  std::uint8_t upper = 0xBF;
  char32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation_count = 1;
    code_point = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    continuation_count = 2;
    code_point = lead & 0x0Fu;
    if (lead == 0xE0) {
      lower = 0xA0;  // below: overlong
    }
    if (lead == 0xED) {
      upper = 0x9F;  // above: UTF-16 surrogates
    }
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    continuation_count = 3;
    code_point = lead & 0x07u;
    if (lead == 0xF0) {
      lower = 0x90;  // below: overlong
    }
    if (lead == 0xF4) {
      upper = 0x8F;  // above: beyond U+10FFFF
    }
  } else {
    return {kReplacementCharacter, 1, false};  // continuation byte or C0, C1, F5..FF
  }

  for (std::size_t i = 1; i <= continuation_count; ++i) {
    if (pos + i >= bytes.size()) {
      return {kReplacementCharacter, i, false};
    }
    const auto byte = static_cast<std::uint8_t>(bytes[pos + i]);
    if (byte < lower || byte > upper) {
      return {kReplacementCharacter, i, false};
    }
    code_point = (code_point << 6) | (byte & 0x3Fu);
    lower = 0x80;
    upper = 0xBF;
  }
  return {code_point, continuation_count + 1, true};
}

void AppendUtf8(std::string& out, char32_t code_point) {
  const auto byte = [](std::uint32_t value) { return static_cast<char>(value); };
  const auto cp = static_cast<std::uint32_t>(code_point);
  if (cp < 0x80) {
    out += byte(cp);
  } else if (cp < 0x800) {
    out += byte(0xC0 | (cp >> 6));
    out += byte(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += byte(0xE0 | (cp >> 12));
    out += byte(0x80 | ((cp >> 6) & 0x3F));
    out += byte(0x80 | (cp & 0x3F));
  } else {
    out += byte(0xF0 | (cp >> 18));
    out += byte(0x80 | ((cp >> 12) & 0x3F));
    out += byte(0x80 | ((cp >> 6) & 0x3F));
    out += byte(0x80 | (cp & 0x3F));
  }
}

bool IsWellFormedUtf8(std::string_view bytes) {
  for (std::size_t pos = 0; pos < bytes.size();) {
    const Utf8Step step = DecodeUtf8Step(bytes, pos);
    if (!step.well_formed) {
      return false;
    }
    pos += step.length;
  }
  return true;
}

std::string ToWellFormedUtf8(std::string_view bytes) {
  if (IsWellFormedUtf8(bytes)) {
    return std::string(bytes);
  }
  std::string out;
  out.reserve(bytes.size() + 8);
  for (std::size_t pos = 0; pos < bytes.size();) {
    const Utf8Step step = DecodeUtf8Step(bytes, pos);
    if (step.well_formed) {
      out.append(bytes.substr(pos, step.length));
    } else {
      AppendUtf8(out, kReplacementCharacter);
    }
    pos += step.length;
  }
  return out;
}

std::size_t Utf16Length(std::string_view utf8) {
  std::size_t units = 0;
  for (std::size_t pos = 0; pos < utf8.size();) {
    const Utf8Step step = DecodeUtf8Step(utf8, pos);
    units += Utf16Units(step.code_point);
    pos += step.length;
  }
  return units;
}

std::string TruncateUtf16(std::string_view utf8, std::size_t max_units) {
  std::string out;
  std::size_t units = 0;
  for (std::size_t pos = 0; pos < utf8.size();) {
    const Utf8Step step = DecodeUtf8Step(utf8, pos);
    units += Utf16Units(step.code_point);
    if (units > max_units) {
      break;  // a pair that does not fit whole is dropped whole
    }
    if (step.well_formed) {
      out.append(utf8.substr(pos, step.length));
    } else {
      AppendUtf8(out, kReplacementCharacter);
    }
    pos += step.length;
  }
  return out;
}

std::u16string Utf8ToUtf16(std::string_view utf8) {
  std::u16string out;
  out.reserve(utf8.size());
  for (std::size_t pos = 0; pos < utf8.size();) {
    const Utf8Step step = DecodeUtf8Step(utf8, pos);
    const auto cp = static_cast<std::uint32_t>(step.code_point);
    if (cp >= 0x10000) {
      out += static_cast<char16_t>(0xD800 + ((cp - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
    pos += step.length;
  }
  return out;
}

std::string Utf16ToUtf8(std::u16string_view units) {
  std::string out;
  out.reserve(units.size());
  for (std::size_t i = 0; i < units.size(); ++i) {
    const char16_t unit = units[i];
    if (IsHighSurrogate(unit) && i + 1 < units.size() && IsLowSurrogate(units[i + 1])) {
      const char32_t cp = 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) +
                          (static_cast<char32_t>(units[i + 1]) - 0xDC00);
      AppendUtf8(out, cp);
      ++i;
    } else if (IsHighSurrogate(unit) || IsLowSurrogate(unit)) {
      AppendUtf8(out, kReplacementCharacter);
    } else {
      AppendUtf8(out, unit);
    }
  }
  return out;
}

}  // namespace protifer::core

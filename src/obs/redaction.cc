#include "obs/redaction.h"

#include <array>

namespace protifer::obs {
namespace {

enum class LetterCase { kNone, kUpper, kLower };

// Letters that may appear in a protein sequence: the 20 standard residues plus B, O, U, X, Z.
// Only J is not an amino-acid code.
constexpr bool IsResidueLetter(char upper) { return upper >= 'A' && upper <= 'Z' && upper != 'J'; }

constexpr LetterCase ResidueCase(char c) {
  if (c >= 'A' && c <= 'Z') return IsResidueLetter(c) ? LetterCase::kUpper : LetterCase::kNone;
  if (c >= 'a' && c <= 'z') {
    const auto upper = static_cast<char>(c - 'a' + 'A');
    return IsResidueLetter(upper) ? LetterCase::kLower : LetterCase::kNone;
  }
  return LetterCase::kNone;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr std::array<std::string_view, 10> kSensitiveFragments = {
    "password", "passwd",    "secret",     "authorization", "token",
    "apikey",   "accesskey", "credential", "cookie",        "privatekey"};
constexpr std::array<std::string_view, 4> kSensitiveNames = {"email", "ip", "sequence", "seq"};
// A Sentry DSN embeds its key: "dsn", "sentryDsn", "SENTRY_DSN".
constexpr std::string_view kSensitiveSuffix = "dsn";

}  // namespace

std::string ScrubSequences(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const LetterCase run_case = ResidueCase(text[pos]);
    if (run_case == LetterCase::kNone) {
      out.push_back(text[pos]);
      ++pos;
      continue;
    }
    std::size_t end = pos + 1;
    while (end < text.size() && ResidueCase(text[end]) == run_case) ++end;
    const std::size_t run_length = end - pos;
    if (run_length >= kMinScrubbedResidues) {
      out += "[REDACTED_SEQUENCE len=";
      out += std::to_string(run_length);
      out += ']';
    } else {
      out.append(text.substr(pos, run_length));
    }
    pos = end;
  }
  return out;
}

bool IsSensitiveFieldName(std::string_view name) {
  std::string normalized;
  normalized.reserve(name.size());
  for (const char c : name) {
    if (c == '_' || c == '-' || c == '.') continue;
    normalized.push_back(AsciiLower(c));
  }
  for (const std::string_view exact : kSensitiveNames) {
    if (normalized == exact) return true;
  }
  if (normalized.size() >= kSensitiveSuffix.size() &&
      normalized.compare(normalized.size() - kSensitiveSuffix.size(), kSensitiveSuffix.size(),
                         kSensitiveSuffix) == 0) {
    return true;
  }
  for (const std::string_view fragment : kSensitiveFragments) {
    if (normalized.find(fragment) != std::string::npos) return true;
  }
  return false;
}

nlohmann::json RedactForLog(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::string:
      return ScrubSequences(value.get_ref<const std::string&>());
    case nlohmann::json::value_t::object: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, member] : value.items()) {
        out[key] =
            IsSensitiveFieldName(key) ? nlohmann::json(kRedactedValue) : RedactForLog(member);
      }
      return out;
    }
    case nlohmann::json::value_t::array: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& element : value) out.push_back(RedactForLog(element));
      return out;
    }
    default:
      return value;
  }
}

}  // namespace protifer::obs

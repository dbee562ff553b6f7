#include "config/field_value.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>

#include "config/js_string_to_number.h"
#include "config/value_file.h"

namespace protifer::config {
namespace {

std::string ToLowerAscii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower;
}

// zod's joinValues for strings: each JSON-quoted, separated by "|".
std::string QuotedChoices(const std::vector<std::string>& choices) {
  std::string text;
  for (const std::string& choice : choices) {
    if (!text.empty()) {
      text += '|';
    }
    text.append("\"").append(choice).append("\"");
  }
  return text;
}

// z.coerce.number().int() followed by the bound checks, on the value Number() produced.
// Type failures (NaN, +-Infinity, a fraction) stop the checks, as zod's do; range failures
// accumulate.
std::vector<std::string> CheckInteger(const IntegerBounds& bounds, double value) {
  if (std::isnan(value)) {
    return {"Invalid input: expected number, received NaN"};
  }
  if (std::isinf(value)) {
    return {value > 0 ? "Invalid input: expected number, received Infinity"
                      : "Invalid input: expected number, received -Infinity"};
  }
  if (value != std::trunc(value)) {
    return {"Invalid input: expected int, received number"};
  }

  std::vector<std::string> problems;
  if (value > static_cast<double>(kMaxSafeInteger)) {
    problems.push_back("Too big: expected int to be <=" + std::to_string(kMaxSafeInteger));
  } else if (value < -static_cast<double>(kMaxSafeInteger)) {
    problems.push_back("Too small: expected int to be >=-" + std::to_string(kMaxSafeInteger));
  }
  const auto lower = static_cast<double>(bounds.lower);
  if (bounds.lower_inclusive ? !(value >= lower) : !(value > lower)) {
    problems.push_back(std::string("Too small: expected number to be ") +
                       (bounds.lower_inclusive ? ">=" : ">") + std::to_string(bounds.lower));
  }
  if (!(value <= static_cast<double>(bounds.upper))) {
    problems.push_back("Too big: expected number to be <=" + std::to_string(bounds.upper));
  }
  return problems;
}

std::vector<std::string> CheckText(const FieldSpec& spec, std::string_view text) {
  switch (spec.type()) {
    case ValueType::kString:
    case ValueType::kFilePath:
      if (text.empty()) {
        return {"Too small: expected string to have >=1 characters"};
      }
      return {};
    case ValueType::kEnum: {
      const auto& choices = spec.choices();
      if (std::find(choices.begin(), choices.end(), text) != choices.end()) {
        return {};
      }
      if (choices.size() == 1) {
        return {"Invalid input: expected \"" + choices.front() + "\""};
      }
      return {"Invalid option: expected one of " + QuotedChoices(choices)};
    }
    case ValueType::kUrl:
      if (!IsAbsoluteUrl(text)) {
        return {"Invalid URL"};
      }
      return {};
    default:
      return {};
  }
}

bool IsSchemeChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
}

// WHATWG "forbidden domain code point" (ASCII part) plus '%', which would need
// percent-decoding we do not do: such hosts are refused rather than guessed at.
bool IsForbiddenHostChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u == 0x7F) {
    return true;
  }
  switch (c) {
    case '#':
    case '/':
    case ':':
    case '<':
    case '>':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '^':
    case '|':
    case '%':
      return true;
    default:
      return false;
  }
}

bool IsValidPort(std::string_view port) {
  if (port.empty()) {
    return true;  // "http://host:" is valid and means the default port
  }
  std::int64_t value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + (c - '0');
    if (value > 65535) {
      return false;
    }
  }
  return true;
}

bool IsValidIpv6Literal(std::string_view inside_brackets) {
  if (inside_brackets.empty()) {
    return false;
  }
  return std::all_of(inside_brackets.begin(), inside_brackets.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
  });
}

}  // namespace

bool IsAbsoluteUrl(std::string_view text) {
  text = TrimJsWhitespace(text);
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  if (std::isalpha(static_cast<unsigned char>(text[0])) == 0) {
    return false;
  }
  const std::string_view scheme_text = text.substr(0, colon);
  if (!std::all_of(scheme_text.begin(), scheme_text.end(), IsSchemeChar)) {
    return false;
  }

  const std::string scheme = ToLowerAscii(scheme_text);
  const bool needs_host =
      scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss" || scheme == "ftp";
  if (!needs_host) {
    return true;  // file: and non-special schemes accept any remainder
  }

  std::string_view rest = text.substr(colon + 1);
  // Special schemes ignore any number of slashes (and backslashes) before the authority.
  while (!rest.empty() && (rest.front() == '/' || rest.front() == '\\')) {
    rest.remove_prefix(1);
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/\\?#"));
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view host;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    if (!IsValidIpv6Literal(authority.substr(1, close - 1))) {
      return false;
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return false;
    }
    if (!after.empty()) {
      port = after.substr(1);
    }
    return IsValidPort(port);
  }
  const std::size_t port_colon = authority.find(':');
  host = authority.substr(0, port_colon);
  if (port_colon != std::string_view::npos) {
    port = authority.substr(port_colon + 1);
  }
  if (host.empty() || std::any_of(host.begin(), host.end(), IsForbiddenHostChar)) {
    return false;
  }
  return IsValidPort(port);
}

std::string JoinProblems(const std::vector<std::string>& problems) {
  std::string text;
  for (const std::string& problem : problems) {
    if (!text.empty()) {
      text += "; ";
    }
    text += problem;
  }
  return text;
}

Coercion CoerceFieldValue(const FieldSpec& spec, std::string_view text) {
  Coercion result;
  if (spec.IsIntegerType()) {
    const double number = JsStringToNumber(text);
    result.problems = CheckInteger(spec.bounds(), number);
    // Within the safe range here, so the conversion is exact; -0 becomes 0.
    if (result.problems.empty()) {
      result.value = static_cast<std::int64_t>(number);
    }
    return result;
  }
  if (spec.type() == ValueType::kBool) {
    const std::string lowered = ToLowerAscii(TrimJsWhitespace(text));
    if (lowered == "true" || lowered == "1" || lowered == "yes") {
      result.value = true;
    } else if (lowered == "false" || lowered == "0" || lowered == "no") {
      result.value = false;
    } else {
      result.problems.push_back("Invalid boolean: \"" + std::string(text) +
                                "\" (expected true/false/1/0/yes/no)");
    }
    return result;
  }

  std::string value(spec.type() == ValueType::kUrl ? TrimJsWhitespace(text) : text);
  result.problems = CheckText(spec, value);
  if (result.problems.empty() && spec.type() == ValueType::kFilePath) {
    if (auto unreadable = CheckReadableFile(value)) {
      result.problems.push_back("Cannot read file: " + *unreadable);
    }
  }
  if (result.problems.empty()) {
    result.value = std::move(value);
  }
  return result;
}

std::vector<std::string> CheckTypedValue(const FieldSpec& spec, const FieldValue& value) {
  if (spec.IsIntegerType()) {
    const auto* integer = std::get_if<std::int64_t>(&value);
    if (integer == nullptr) {
      return {"expected an integer value"};
    }
    return CheckInteger(spec.bounds(), static_cast<double>(*integer));
  }
  if (spec.type() == ValueType::kBool) {
    if (!std::holds_alternative<bool>(value)) {
      return {"expected a boolean value"};
    }
    return {};
  }
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr) {
    return {"expected a text value"};
  }
  return CheckText(spec, *text);
}

}  // namespace protifer::config

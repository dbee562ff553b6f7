#include "obs/log_level.h"

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

namespace protifer::obs {
namespace {

constexpr std::array<std::pair<std::string_view, LogLevel>, 7> kLevelsByName = {{
    {"trace", LogLevel::kTrace},
    {"debug", LogLevel::kDebug},
    {"info", LogLevel::kInfo},
    {"warn", LogLevel::kWarn},
    {"error", LogLevel::kError},
    {"fatal", LogLevel::kFatal},
    {"silent", LogLevel::kSilent},
}};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoringAsciiCase(std::string_view text, std::string_view lower_name) {
  if (text.size() != lower_name.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_name[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  for (const auto& [name, value] : kLevelsByName) {
    if (value == level) return name;
  }
  return "unknown";
}

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  const std::string_view trimmed = Trim(text);
  for (const auto& [name, value] : kLevelsByName) {
    if (EqualsIgnoringAsciiCase(trimmed, name)) return value;
  }
  return std::nullopt;
}

LogLevel LogLevelFromEnvValue(const char* value) {
  if (value == nullptr || Trim(value).empty()) return kDefaultLogLevel;
  if (const std::optional<LogLevel> level = ParseLogLevel(value)) return *level;
  throw std::invalid_argument(std::string(kLogLevelEnv) + ": unknown log level \"" + value +
                              "\"; expected one of trace, debug, info, warn, error, fatal, silent");
}

LogLevel LogLevelFromEnvironment() { return LogLevelFromEnvValue(std::getenv("LOG_LEVEL")); }

}  // namespace protifer::obs

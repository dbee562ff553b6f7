// Log levels with pino's names and numbers, so log pipelines built for protifer's workers
// (filters on `level >= 40`, LOG_LEVEL=debug, ...) keep working unchanged.
#pragma once

#include <optional>
#include <string_view>

namespace protifer::obs {

// The value is the number pino writes in the `level` field. kSilent is only a threshold:
// a logger set to it writes nothing, and a line logged "at" kSilent is never written.
enum class LogLevel : int {
  kTrace = 10,
  kDebug = 20,
  kInfo = 30,
  kWarn = 40,
  kError = 50,
  kFatal = 60,
  kSilent = 1 << 30,
};

inline constexpr LogLevel kDefaultLogLevel = LogLevel::kInfo;  // pino's default (spec §5.5)
inline constexpr std::string_view kLogLevelEnv = "LOG_LEVEL";

constexpr int PinoLevelNumber(LogLevel level) { return static_cast<int>(level); }

// "trace", "debug", "info", "warn", "error", "fatal", "silent".
std::string_view LogLevelName(LogLevel level);

// Accepts pino's level names, trimmed and case-insensitively ("INFO" is info: pino itself would
// reject it, but refusing to boot over the case of a log level helps nobody). Returns nullopt
// for anything else, including numbers.
std::optional<LogLevel> ParseLogLevel(std::string_view text);

// The threshold for a LOG_LEVEL value: unset or empty -> info. An unknown name throws
// std::invalid_argument naming the variable, the value and the accepted names (pino also
// refuses to start with an unknown level).
LogLevel LogLevelFromEnvValue(const char* value);

// LogLevelFromEnvValue(std::getenv("LOG_LEVEL")).
LogLevel LogLevelFromEnvironment();

}  // namespace protifer::obs

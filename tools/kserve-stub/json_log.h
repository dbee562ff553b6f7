// One JSON object per line on stderr: {"ts":"2026-11-27T10:00:00.123Z","level":"info",
// "logger":"kserve-stub","msg":"...", ...fields}. stdout is reserved for the start-up line.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace protifer::kserve_stub {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Lines below `level` are dropped (default kInfo). Thread-safe.
void SetLogLevel(LogLevel level);
bool ParseLogLevel(std::string_view name, LogLevel* level);
void Log(LogLevel level, std::string_view message, const nlohmann::json& fields = {});

}  // namespace protifer::kserve_stub

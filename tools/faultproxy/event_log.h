#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace protifer::faultproxy {

// "2026-11-27T10:15:30.123Z": ISO-8601, UTC, millisecond precision.
std::string FormatUtcTimestamp(std::chrono::system_clock::time_point time);

// Writes one JSON object per line: {"ts":..., "event":..., <fields>}. The default sink is
// stderr, so stdout stays reserved for the single machine-readable startup line.
class EventLog {
 public:
  using Sink = std::function<void(std::string_view line)>;

  explicit EventLog(Sink sink = {});

  // `fields` must be a JSON object (or null); its keys follow "ts" and "event" in order.
  void Emit(std::string_view event, const nlohmann::ordered_json& fields);

 private:
  Sink sink_;
  std::mutex mutex_;  // keeps lines whole if several threads ever emit
};

}  // namespace protifer::faultproxy

#include "faultproxy/event_log.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

namespace protifer::faultproxy {

std::string FormatUtcTimestamp(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
  const std::time_t as_time_t = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&as_time_t, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     millis.count());
}

EventLog::EventLog(Sink sink) : sink_(std::move(sink)) {
  if (!sink_) {
    sink_ = [](std::string_view line) {
      std::string with_newline(line);
      with_newline.push_back('\n');
      std::fwrite(with_newline.data(), 1, with_newline.size(), stderr);
      std::fflush(stderr);
    };
  }
}

void EventLog::Emit(std::string_view event, const nlohmann::ordered_json& fields) {
  nlohmann::ordered_json line;
  line["ts"] = FormatUtcTimestamp(std::chrono::system_clock::now());
  line["event"] = std::string(event);
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  const std::string text = line.dump();
  std::lock_guard lock(mutex_);
  sink_(text);
}

}  // namespace protifer::faultproxy

#include "prediction/iso_timestamp.h"

#include <fmt/format.h>

#include <cstdlib>

namespace protifer::prediction {

WallClock SystemWallClock() {
  return [] { return std::chrono::system_clock::now(); };
}

std::string FormatIsoTimestamp(std::chrono::system_clock::time_point time) {
  // Floor, not truncation toward zero: a Date holds whole milliseconds and instants before 1970
  // must land in the earlier millisecond, as they do in JavaScript.
  return FormatIsoTimestamp(std::chrono::floor<std::chrono::milliseconds>(time));
}

std::string FormatIsoTimestamp(std::chrono::sys_time<std::chrono::milliseconds> time) {
  using std::chrono::days;
  const auto ms = time.time_since_epoch();
  const auto day = std::chrono::floor<days>(ms);
  const std::chrono::year_month_day date{std::chrono::sys_days(day)};
  const std::chrono::hh_mm_ss clock_time{ms - day};

  const int year = static_cast<int>(date.year());
  const std::string year_text = (year >= 0 && year <= 9999)
                                    ? fmt::format("{:04d}", year)
                                    : fmt::format("{}{:06d}", year < 0 ? '-' : '+', std::abs(year));
  return fmt::format("{}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", year_text,
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock_time.hours().count(), clock_time.minutes().count(),
                     clock_time.seconds().count(), clock_time.subseconds().count());
}

}  // namespace protifer::prediction

#include "prediction/iso_timestamp.h"

#include <gtest/gtest.h>

namespace protifer::prediction {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

std::string At(std::int64_t ms) {
  return FormatIsoTimestamp(std::chrono::sys_time<milliseconds>(milliseconds(ms)));
}

// Expected values are Node 20's `new Date(ms).toISOString()`.
TEST(FormatIsoTimestamp, MatchesJavaScriptToIsoString) {
  EXPECT_EQ(At(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(At(1781958896789), "2026-06-20T12:34:56.789Z");
  EXPECT_EQ(At(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(At(253402300800000), "+010000-01-01T00:00:00.000Z");
  EXPECT_EQ(At(-62198755200000), "-000001-01-01T00:00:00.000Z");
}

TEST(FormatIsoTimestamp, FloorsSystemClockTimesToTheMillisecond) {
  const auto time = system_clock::time_point(milliseconds(1)) + std::chrono::microseconds(999);
  EXPECT_EQ(FormatIsoTimestamp(time), "1970-01-01T00:00:00.001Z");
  const auto before_epoch = system_clock::time_point(-std::chrono::microseconds(1));
  EXPECT_EQ(FormatIsoTimestamp(before_epoch), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatIsoTimestamp(system_clock::time_point(milliseconds(1781958896789))),
            "2026-06-20T12:34:56.789Z");
}

TEST(SystemWallClock, ReadsTheSystemClock) {
  const auto before = system_clock::now();
  const auto now = SystemWallClock()();
  EXPECT_GE(now, before);
}

}  // namespace
}  // namespace protifer::prediction

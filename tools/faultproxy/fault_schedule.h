#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "faultproxy/fault_command.h"

namespace protifer::faultproxy {

// One command of a --schedule, run `at` after the proxy started.
struct ScheduledFault {
  std::chrono::milliseconds at{0};
  FaultCommand command;
};

struct ParsedSchedule {
  std::vector<ScheduledFault> entries;  // sorted by time; equal times keep their written order
  std::string error;                    // empty on success
};

// Grammar (whitespace around entries is ignored):
//   SCHEDULE := ENTRY (',' ENTRY)*
//   ENTRY    := COMMAND ['=' ARGUMENT] ['@' TIME]
// COMMAND and ARGUMENT are those of the control protocol (only commands that change the
// proxy, without conn=ID); TIME is a duration since start ("500ms", "2s", bare = ms) and
// defaults to 0. Entries at time 0 take effect before the first connection is accepted.
// Example: "latency=20ms,reset@500ms,stall@2s,unstall@4s,reset-every=1s@5s,refuse=reset@8s".
ParsedSchedule ParseFaultSchedule(std::string_view text);

}  // namespace protifer::faultproxy

// Wall-clock timestamps as protifer writes them: JavaScript's Date.prototype.toISOString.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace protifer::prediction {

// The source of "now" for everything that stamps a document (computedAt, failedAt). Injected so
// that tests can pin the stored bytes.
using WallClock = std::function<std::chrono::system_clock::time_point()>;

// std::chrono::system_clock::now.
WallClock SystemWallClock();

// `new Date(ms).toISOString()`: "YYYY-MM-DDTHH:mm:ss.sssZ", truncated (floored) to the
// millisecond, UTC. Years outside 0000..9999 are written as JavaScript writes them: a sign and
// six digits ("+010000-01-01T00:00:00.000Z", "-000001-...").
std::string FormatIsoTimestamp(std::chrono::system_clock::time_point time);
// The same for a millisecond time value, which (like a JavaScript Date, +-8.64e15 ms) reaches
// far beyond the +-292 years a nanosecond system_clock::time_point can hold.
std::string FormatIsoTimestamp(std::chrono::sys_time<std::chrono::milliseconds> time);

}  // namespace protifer::prediction

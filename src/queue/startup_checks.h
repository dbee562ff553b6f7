// Checks a worker runs once before consuming: is the queue written by the same bullmq major
// (and ideally release) the scripts come from, and is the Redis server recent enough.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace protifer::queue {

struct MetaVersionCheck {
  enum class Status {
    kSame,          // "bullmq:<bundled>"
    kMissing,       // no meta version yet: no Node Queue has been created for this queue
    kOtherMinor,    // "bullmq:5.x.y" with another x.y: scripts of both sides are v5 layouts
    kOtherMajor,    // "bullmq:6.x" / "bullmq:4.x": refuse (state layout differs)
    kUnrecognized,  // another library or a malformed value
  };
  Status status = Status::kMissing;
  std::string message;  // a log line explaining the verdict
};

// meta_version: HGET <prefix>:<queue>:meta version; bundled: BundledBullmqVersion().
MetaVersionCheck CheckMetaVersion(const std::optional<std::string>& meta_version,
                                  std::string_view bundled);

struct RedisServerCheck {
  bool ok = false;               // false: refuse to start (message says why)
  std::string version;           // redis_version
  std::string message;           // empty when nothing to report
  std::string eviction_warning;  // set when maxmemory_policy is not noeviction
};

// info: the text of `INFO server` + `INFO memory` (or plain INFO). Redis >= 6.2 is required:
// BZPOPMIN with a decimal timeout (6.0) and LPOS (6.0.6), as bullmq recommends.
RedisServerCheck CheckRedisServer(std::string_view info);

}  // namespace protifer::queue

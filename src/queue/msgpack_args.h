// The MessagePack ARGV payloads of the BullMQ scripts (spec bullmq-v5-protocol.md section 4).
//
// The scripts read them with cmsgpack.unpack, which accepts any valid encoding; what matters is
// the set of keys and value types. Keys are written in bullmq's order anyway (it eases byte
// comparison with msgpackr dumps), and absent optional values are written as nil like
// msgpackr's encodeUndefinedAsNil, which Lua sees as a missing key.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "queue/worker_options.h"

namespace protifer::queue {

// moveToActive ARGV[3] and moveToDelayed ARGV[9]: {token, lockDuration, limiter, name}.
// worker_name empty -> nil (no "pb" field on the job).
std::string PackFetchOpts(std::string_view token, std::int64_t lock_duration_ms,
                          const std::optional<RateLimiter>& limiter, std::string_view worker_name);

// extendLocks ARGV[2]/[3]: an array of strings.
std::string PackStrings(const std::vector<std::string>& values);

// fieldsToUpdate of moveToFinished/moveToDelayed/retryJob: a flat array [k1, v1, k2, v2, ...]
// applied with HMSET (bullmq's objectToFlatArray).
std::string PackFlatFields(const std::vector<std::pair<std::string, std::string>>& fields);

// moveToFinished ARGV[8].
struct FinishOpts {
  std::string token;
  std::string worker_name;  // empty -> nil
  // {count[, age, limit]}; always a map (Lua indexes keepJobs.count). See NormalizeKeepJobs.
  nlohmann::json keep_jobs = nlohmann::json{{"count", -1}};
  std::optional<RateLimiter> limiter;
  std::int64_t lock_duration_ms = 0;
  std::int64_t attempts = 0;                     // must be a number: Lua does tonumber()
  std::optional<std::int64_t> max_metrics_size;  // nullopt -> "" (metrics off)
  bool fpof = false;
  bool cpof = false;
  bool idof = false;
  bool rdof = false;
};
std::string PackFinishOpts(const FinishOpts& opts);

// Any JSON value as MessagePack (objects -> maps with string keys, integers -> int/uint,
// other numbers -> float64). Used for keepJobs, exposed for tests.
std::string PackJson(const nlohmann::json& value);

}  // namespace protifer::queue

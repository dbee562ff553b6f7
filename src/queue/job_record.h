// A job as moveToActive hands it over: the raw hash fields plus the parsed options a worker
// needs to finish it the way bullmq's Job class would (Job.fromJSON / Job.optsFromJSON).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace protifer::queue {

struct BackoffSpec {
  std::string type;  // "fixed", "exponential", or a custom strategy name
  double delay_ms = 0;
  double jitter = 0;  // 0..1
};

// The subset of job opts (stored as JSON in the `opts` field) a worker acts on.
struct JobOptions {
  std::int64_t attempts = 0;  // 0 when absent, as bullmq sends to moveToFinished
  std::optional<BackoffSpec> backoff;
  nlohmann::json remove_on_complete;  // null when absent
  nlohmann::json remove_on_fail;
  std::optional<std::int64_t> keep_logs;  // stored under the short key "kl"
  std::optional<std::int64_t> stack_trace_limit;
  bool lifo = false;
  bool fail_parent_on_failure = false;        // "fpof"
  bool continue_parent_on_failure = false;    // "cpof"
  bool ignore_dependency_on_failure = false;  // "idof"
  bool remove_dependency_on_failure = false;  // "rdof"
};

struct JobRecord {
  std::string id;
  std::string token;                          // lock token this worker holds for the job
  std::map<std::string, std::string> fields;  // the job hash as returned by HGETALL

  std::string name;
  std::string data;  // producer JSON, verbatim (may be invalid; parsed by the worker)
  nlohmann::json opts = nlohmann::json::object();  // parsed `opts`, {} when absent/invalid
  JobOptions options;
  std::int64_t timestamp = 0;
  std::int64_t processed_on = 0;
  int attempts_made = 0;                        // `attemptsMade` (legacy) or `atm`
  int attempts_started = 0;                     // `ats`
  std::optional<std::string> deferred_failure;  // `defa`
  std::optional<std::string> parent_key;
  std::string stacktrace;  // raw JSON array of earlier attempts' traces, "" when absent
  std::optional<std::string> opts_error;  // why `opts` could not be parsed, if it could not
};

// fields: HGETALL as a flat [field, value, ...] list. Never throws on bad field contents:
// a malformed job must be failed with a readable reason, not crash the worker.
JobRecord ParseJobRecord(std::string id, std::string token, const std::vector<std::string>& flat);

JobOptions ParseJobOptions(const nlohmann::json& opts);

// bullmq's Scripts.getKeepJobs: the job-level removeOnComplete/removeOnFail wins; null falls
// back to the worker-level value, then to {count:-1} (keep). true -> {count:0}, false ->
// {count:-1}, n -> {count:n}, objects pass through.
nlohmann::json NormalizeKeepJobs(const nlohmann::json& job_level,
                                 const nlohmann::json& worker_level);

}  // namespace protifer::queue

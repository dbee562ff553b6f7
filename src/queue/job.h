// The job handle a processor receives: what the job carries and what a processor may do to it
// while it holds the lock (report progress, append log rows, read flow children's results).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "queue/job_record.h"

namespace protifer::queue {

// The Redis side of a Job, implemented by the worker. Separate so processors can be tested with
// a double and the Job stays ignorant of connections and retries.
class JobBackend {
 public:
  virtual ~JobBackend() = default;
  // progress_json: valid JSON text (QueueEvents JSON.parse's it).
  virtual void UpdateProgress(const JobRecord& job, const std::string& progress_json) = 0;
  // Returns the number of log rows after the append.
  virtual std::int64_t AddLog(const JobRecord& job, std::string_view row) = 0;
  // HGETALL <job>:processed, raw: child job key -> child returnvalue JSON text.
  virtual std::map<std::string, std::string> ProcessedChildren(const JobRecord& job) = 0;
};

class Job {
 public:
  // data must be the parsed record.data (the worker rejects jobs whose data does not parse).
  Job(const JobRecord& record, nlohmann::json data, JobBackend& backend);

  const std::string& id() const { return record_.id; }
  const std::string& name() const { return record_.name; }
  const std::string& data_json() const { return record_.data; }
  const nlohmann::json& data() const { return data_; }
  const nlohmann::json& opts() const { return record_.opts; }
  // Attempts finished before this one (bullmq job.attemptsMade); 0 on the first attempt.
  int attempts_made() const { return record_.attempts_made; }
  // Times the job was moved to active, this attempt included (bullmq job.attemptsStarted).
  int attempts_started() const { return record_.attempts_started; }
  std::int64_t timestamp() const { return record_.timestamp; }
  std::int64_t processed_on() const { return record_.processed_on; }
  const std::optional<std::string>& parent_key() const { return record_.parent_key; }
  const JobRecord& record() const { return record_; }

  // job.updateProgress: stores the JSON on the job and emits a `progress` event. A number
  // converts implicitly (UpdateProgress(30)). NaN/Infinity become null as in JSON.stringify.
  // Throws std::runtime_error when the job no longer exists.
  void UpdateProgress(const nlohmann::json& progress);

  // job.log: appends a row to the job's log list (trimmed to the job's keepLogs). Returns
  // the row count. Throws std::runtime_error when the job no longer exists.
  std::int64_t Log(std::string_view row);

  // job.getChildrenValues(): the flow children's return values, keyed by the child's full key
  // ("bull:embedding:<childId>"), each value JSON-parsed. Empty for a job without children.
  // Throws std::runtime_error if a stored value is not JSON.
  nlohmann::json GetChildrenValues();
  // The same values with every object's keys in the order the child wrote them (a Node
  // processor's return value round-trips with its key order).
  nlohmann::ordered_json GetOrderedChildrenValues();

 private:
  const JobRecord& record_;
  nlohmann::json data_;
  JobBackend& backend_;
};

// JSON text as JSON.stringify would accept it back: invalid UTF-8 is replaced rather than
// thrown on, NaN/Infinity are written as null.
// A nlohmann::json argument converts implicitly (its keys are sorted already).
std::string ToJsonText(const nlohmann::ordered_json& value);

}  // namespace protifer::queue

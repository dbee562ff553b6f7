// Test double of JobBackend: lets processor tests build a Job without Redis and inspect what
// the processor reported (progress values, log rows) or feed it flow children's results.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "queue/job.h"
#include "queue/job_record.h"

namespace protifer::queue {

class FakeJobBackend : public JobBackend {
 public:
  void UpdateProgress(const JobRecord&, const std::string& progress_json) override {
    std::lock_guard lock(mutex_);
    progress_.push_back(progress_json);
  }

  std::int64_t AddLog(const JobRecord&, std::string_view row) override {
    std::lock_guard lock(mutex_);
    logs_.emplace_back(row);
    return static_cast<std::int64_t>(logs_.size());
  }

  std::map<std::string, std::string> ProcessedChildren(const JobRecord&) override {
    std::lock_guard lock(mutex_);
    return children_;
  }

  // child_key: "bull:<queue>:<id>"; returnvalue_json: the child's returnvalue as stored.
  void SetChildValue(const std::string& child_key, const std::string& returnvalue_json) {
    std::lock_guard lock(mutex_);
    children_[child_key] = returnvalue_json;
  }

  std::vector<std::string> progress() const {
    std::lock_guard lock(mutex_);
    return progress_;
  }
  std::vector<std::string> logs() const {
    std::lock_guard lock(mutex_);
    return logs_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> progress_;  // JSON texts, in order
  std::vector<std::string> logs_;
  std::map<std::string, std::string> children_;
};

// A job record as moveToActive would hand it over, for processor tests.
inline JobRecord MakeTestJobRecord(std::string id, std::string name, std::string data_json,
                                   int attempts_made = 0) {
  JobRecord record;
  record.id = std::move(id);
  record.token = "test-token";
  record.name = std::move(name);
  record.data = std::move(data_json);
  record.attempts_made = attempts_made;
  record.attempts_started = attempts_made + 1;
  record.fields = {{"name", record.name}, {"data", record.data}};
  return record;
}

}  // namespace protifer::queue

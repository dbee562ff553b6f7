// Test double of JobContext: data and children values set by the test, progress and log rows
// recorded for assertions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "prediction/job_context.h"

namespace protifer::prediction::testing {

class FakeJobContext final : public JobContext {
 public:
  explicit FakeJobContext(nlohmann::ordered_json data,
                          std::vector<nlohmann::ordered_json> children = {},
                          std::string id = "job-1")
      : id_(std::move(id)), data_(std::move(data)), children_(std::move(children)) {}

  const std::string& id() const override { return id_; }
  const nlohmann::ordered_json& data() const override { return data_; }
  void UpdateProgress(int percent) override { progress_.push_back(percent); }
  void Log(std::string_view line) override { logs_.emplace_back(line); }
  std::vector<nlohmann::ordered_json> ChildrenValues() override {
    ++children_reads_;
    return children_;
  }

  const std::vector<int>& progress() const { return progress_; }
  const std::vector<std::string>& logs() const { return logs_; }
  int children_reads() const { return children_reads_; }

 private:
  std::string id_;
  nlohmann::ordered_json data_;
  std::vector<nlohmann::ordered_json> children_;
  std::vector<int> progress_;
  std::vector<std::string> logs_;
  int children_reads_ = 0;
};

}  // namespace protifer::prediction::testing

// Adapts the queue runtime's Job to the JobContext the processors are written against.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "prediction/job_context.h"
#include "queue/job.h"

namespace protifer::apps {

class QueueJobContext final : public prediction::JobContext {
 public:
  // Parses the job's data again, as ordered_json: the processors copy `predictionModels` into
  // stored documents and hashes, so the producer's key order must survive (queue::Job::data()
  // sorts keys). The runtime has already checked that the data is JSON.
  explicit QueueJobContext(queue::Job& job);

  const std::string& id() const override { return job_.id(); }
  const nlohmann::ordered_json& data() const override { return data_; }
  void UpdateProgress(int percent) override;
  void Log(std::string_view line) override;
  // Values in key order of the children (protifer's flows have exactly one child).
  std::vector<nlohmann::ordered_json> ChildrenValues() override;

 private:
  queue::Job& job_;
  nlohmann::ordered_json data_;
};

}  // namespace protifer::apps

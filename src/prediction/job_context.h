// What a job processor needs from the queue runtime, and nothing more: the job's data, progress,
// log rows and the return values of flow children. The processors of both workers are written
// against this interface so they never see BullMQ, Redis or msgpack; the apps layer adapts
// queue::Job to it (and testing::FakeJobContext stands in for it in tests).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace protifer::prediction {

// A failure that retrying the job cannot fix (malformed job data, a model answer that breaks
// the storage contract). BullMQ's UnrecoverableError: the queue runtime should fail the job at
// once instead of spending its remaining attempts. what() is the job's failedReason.
class UnrecoverableJobError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One job while a processor holds it. Called only from the job's own thread.
class JobContext {
 public:
  virtual ~JobContext() = default;

  virtual const std::string& id() const = 0;
  // The job's data as the producer wrote it. ordered_json keeps the producer's key order, which
  // matters because `predictionModels` is copied verbatim into stored documents and hashed.
  virtual const nlohmann::ordered_json& data() const = 0;
  // job.updateProgress(percent).
  virtual void UpdateProgress(int percent) = 0;
  // job.log(line): one row of the job's log list.
  virtual void Log(std::string_view line) = 0;
  // The return values of the job's flow children, in the order job.getChildrenValues() lists
  // them (the prediction parent has exactly one child: the embedding job).
  virtual std::vector<nlohmann::ordered_json> ChildrenValues() = 0;

 protected:
  JobContext() = default;
  JobContext(const JobContext&) = default;
  JobContext& operator=(const JobContext&) = default;
};

}  // namespace protifer::prediction

// Where the prediction worker keeps each model's decoded result of a job between the job's
// attempts, so that a retried job (its own next attempt, or a stalled job taken over by another
// worker after a crash) calls only the models that did not succeed before.
//
// Results are keyed by the job id and an attempt-independent identity of the input (a hash of the
// embedding the models saw): a job whose input changed starts afresh. They are an optimisation,
// never a source of truth: implementations report failures by returning nothing / dropping the
// write, and the job then simply calls the model again.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

namespace protifer::prediction {

class ModelResultStore {
 public:
  virtual ~ModelResultStore() = default;

  // output key -> decoded value, for the results kept for this job and input. Never throws.
  virtual std::unordered_map<std::string, nlohmann::ordered_json> Load(
      const std::string& job_id, const std::string& input_identity) = 0;

  // Keeps one model's decoded result. Never throws.
  virtual void Save(const std::string& job_id, const std::string& input_identity,
                    const std::string& output_key, const nlohmann::ordered_json& value) = 0;

  // Drops what was kept for the job, once its prediction is stored (the TTL only covers jobs
  // that never finish). Never throws.
  virtual void Forget(const std::string& job_id) = 0;

 protected:
  ModelResultStore() = default;
  ModelResultStore(const ModelResultStore&) = default;
  ModelResultStore& operator=(const ModelResultStore&) = default;
};

}  // namespace protifer::prediction

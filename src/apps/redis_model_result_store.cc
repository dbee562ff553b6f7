#include "apps/redis_model_result_store.h"

#include <exception>
#include <utility>
#include <vector>

namespace protifer::apps {

RedisModelResultStore::RedisModelResultStore(queue::RedisConnection& redis, std::string key_prefix,
                                             std::chrono::milliseconds ttl,
                                             const obs::Logger& logger)
    : redis_(redis), key_prefix_(std::move(key_prefix)), ttl_(ttl), logger_(logger) {}

std::string RedisModelResultStore::KeyOf(const std::string& job_id) const {
  return key_prefix_ + job_id + ":model-results";
}

std::unordered_map<std::string, nlohmann::ordered_json> RedisModelResultStore::Load(
    const std::string& job_id, const std::string& input_identity) {
  std::unordered_map<std::string, nlohmann::ordered_json> results;
  const std::string field_prefix = input_identity + ":";
  try {
    const queue::RedisReply reply = redis_.Command({"HGETALL", KeyOf(job_id)});
    const std::vector<queue::RedisReply>& flat = reply.AsArray();
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
      const std::string& field = flat[i].AsString();
      if (!field.starts_with(field_prefix)) {
        continue;  // computed from another input
      }
      nlohmann::ordered_json value = nlohmann::ordered_json::parse(flat[i + 1].AsString(), nullptr,
                                                                   /*allow_exceptions=*/false);
      if (!value.is_discarded()) {
        results.emplace(field.substr(field_prefix.size()), std::move(value));
      }
    }
  } catch (const std::exception& error) {
    logger_.Warn("Could not read the kept model results; calling every model",
                 {{"jobId", job_id}, {"err", error.what()}});
    results.clear();
  }
  return results;
}

void RedisModelResultStore::Save(const std::string& job_id, const std::string& input_identity,
                                 const std::string& output_key,
                                 const nlohmann::ordered_json& value) {
  try {
    const std::string key = KeyOf(job_id);
    redis_.Command({"HSET", key, input_identity + ":" + output_key, value.dump()});
    redis_.Command({"PEXPIRE", key, std::to_string(ttl_.count())});
  } catch (const std::exception& error) {
    logger_.Warn("Could not keep a model result for a later attempt",
                 {{"jobId", job_id}, {"outputKey", output_key}, {"err", error.what()}});
  }
}

void RedisModelResultStore::Forget(const std::string& job_id) {
  try {
    redis_.Command({"DEL", KeyOf(job_id)});
  } catch (const std::exception& error) {
    logger_.Warn("Could not delete the kept model results (they expire on their own)",
                 {{"jobId", job_id}, {"err", error.what()}});
  }
}

}  // namespace protifer::apps

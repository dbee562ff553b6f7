// prediction::ModelResultStore on Redis, so that a job taken over by another worker (after a
// crash) finds what the first one computed.
//
// One hash per job, "<prefix>:<queue>:<jobId>:model-results" (beside BullMQ's own keys of the
// job, so Queue.obliterate removes it too), fields "<input identity>:<output key>" holding the
// decoded result as JSON. The identity is part of the field, not of a separate field, so results
// computed from another input can never be mixed in. Every write renews the TTL; the key is
// deleted once the job's prediction is stored.
//
// Redis failures are logged and swallowed: a result that cannot be kept or read is computed
// again, which is only slower.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "obs/json_logger.h"
#include "prediction/model_result_store.h"
#include "queue/redis_connection.h"

namespace protifer::apps {

class RedisModelResultStore final : public prediction::ModelResultStore {
 public:
  // `key_prefix`: "bull:prediction:" (QueueKeys::key_prefix()). The connection and logger are
  // borrowed; the connection may be shared (its calls are serialised).
  RedisModelResultStore(queue::RedisConnection& redis, std::string key_prefix,
                        std::chrono::milliseconds ttl, const obs::Logger& logger);

  std::unordered_map<std::string, nlohmann::ordered_json> Load(
      const std::string& job_id, const std::string& input_identity) override;
  void Save(const std::string& job_id, const std::string& input_identity,
            const std::string& output_key, const nlohmann::ordered_json& value) override;
  void Forget(const std::string& job_id) override;

  std::string KeyOf(const std::string& job_id) const;

 private:
  queue::RedisConnection& redis_;
  const std::string key_prefix_;
  const std::chrono::milliseconds ttl_;
  const obs::Logger& logger_;
};

}  // namespace protifer::apps

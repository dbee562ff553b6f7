// Redis key names of one BullMQ queue (QueueKeys.getKeys in bullmq): "<prefix>:<queue>:<suffix>".
#pragma once

#include <string>
#include <string_view>

namespace protifer::queue {

class QueueKeys {
 public:
  // Throws std::invalid_argument for an empty name or one containing ':' (bullmq refuses them
  // too: the colon would make job keys ambiguous).
  QueueKeys(std::string prefix, std::string queue_name);

  const std::string& prefix() const { return prefix_; }
  const std::string& queue_name() const { return queue_name_; }
  // "bull:<queue>:", the "key prefix" many scripts take as an ARGV and append job ids to.
  const std::string& key_prefix() const { return key_prefix_; }

  std::string Key(std::string_view suffix) const { return key_prefix_ + std::string(suffix); }
  std::string Job(std::string_view job_id) const { return Key(job_id); }
  std::string JobLock(std::string_view job_id) const { return Job(job_id) + ":lock"; }
  std::string JobLogs(std::string_view job_id) const { return Job(job_id) + ":logs"; }
  std::string JobProcessed(std::string_view job_id) const { return Job(job_id) + ":processed"; }

  std::string wait() const { return Key("wait"); }
  std::string active() const { return Key("active"); }
  std::string paused() const { return Key("paused"); }
  std::string prioritized() const { return Key("prioritized"); }
  std::string delayed() const { return Key("delayed"); }
  std::string completed() const { return Key("completed"); }
  std::string failed() const { return Key("failed"); }
  std::string stalled() const { return Key("stalled"); }
  std::string stalled_check() const { return Key("stalled-check"); }
  std::string limiter() const { return Key("limiter"); }
  std::string meta() const { return Key("meta"); }
  std::string events() const { return Key("events"); }
  std::string pc() const { return Key("pc"); }
  std::string marker() const { return Key("marker"); }
  std::string repeat() const { return Key("repeat"); }

  // CLIENT SETNAME of a worker's blocking connection, which Queue.getWorkers() and bull-board
  // match on: "<prefix>:<base64(queue)>" or, for a named worker, "...:w:<worker_name>".
  std::string WorkerConnectionName(std::string_view worker_name) const;

 private:
  std::string prefix_;
  std::string queue_name_;
  std::string key_prefix_;
};

// Standard base64 with padding, as Node's Buffer.toString('base64').
std::string Base64Encode(std::string_view bytes);

}  // namespace protifer::queue

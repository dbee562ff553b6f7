#include "queue/script_runner.h"

#include <fmt/format.h>

#include <stdexcept>

namespace protifer::queue {
namespace {

void LoadOne(RedisConnection& connection, const LuaScript& script) {
  RedisReply reply = connection.Command({"SCRIPT", "LOAD", std::string(script.body)});
  const std::string& sha = reply.AsString();
  if (sha != script.sha1) {
    throw std::runtime_error(fmt::format(
        "SCRIPT LOAD of {}-{} returned sha1 {}, the build computed {}: the embedded script "
        "text is not what bullmq {} ships",
        script.name, script.num_keys, sha, script.sha1, BundledBullmqVersion()));
  }
}

}  // namespace

void LoadScripts(RedisConnection& connection) {
  for (ScriptId id : kAllScripts) {
    LoadOne(connection, GetLuaScript(id));
  }
}

RedisReply RunScript(RedisConnection& connection, ScriptId id, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args) {
  const LuaScript& script = GetLuaScript(id);
  if (keys.size() != static_cast<std::size_t>(script.num_keys)) {
    throw std::logic_error(fmt::format("{} takes {} keys, the caller passed {}", script.name,
                                       script.num_keys, keys.size()));
  }
  std::vector<std::string> command;
  command.reserve(3 + keys.size() + args.size());
  command.emplace_back("EVALSHA");
  command.emplace_back(script.sha1);
  command.push_back(std::to_string(keys.size()));
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  try {
    return connection.Command(command);
  } catch (const RedisReplyError& e) {
    if (!e.IsNoScript()) {
      throw;
    }
  }
  // The server lost its script cache (restart, failover, SCRIPT FLUSH): load and run again.
  // Safe to repeat: NOSCRIPT means the script did not run at all.
  LoadOne(connection, script);
  return connection.Command(command);
}

}  // namespace protifer::queue

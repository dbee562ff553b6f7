// Runs the embedded BullMQ scripts: SCRIPT LOAD at start (checking the server's SHA1 against
// the build-time one), EVALSHA per call, and reload-then-retry on NOSCRIPT (Redis restarted,
// failed over or ran SCRIPT FLUSH).
#pragma once

#include <string>
#include <vector>

#include "queue/lua_scripts.h"
#include "queue/redis_connection.h"

namespace protifer::queue {

// Loads every script of kAllScripts. Throws std::runtime_error when the server computes a
// different SHA1 (the embedded text would then not be bullmq's), or a Redis error.
void LoadScripts(RedisConnection& connection);

// EVALSHA <sha> <numkeys> keys... args... Throws std::logic_error when keys.size() differs from
// the script's key count (a KEYS layout bug on our side, never sent to Redis), and the
// connection's errors otherwise.
RedisReply RunScript(RedisConnection& connection, ScriptId id, const std::vector<std::string>& keys,
                     const std::vector<std::string>& args);

}  // namespace protifer::queue

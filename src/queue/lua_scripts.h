// The BullMQ Lua scripts a worker runs, embedded at build time from the pinned npm package.
//
// The definitions live in a generated source (build dir, from extract_scripts.js): the text is
// bullmq's own flattened script, so its SHA1 equals the one Node clients use with EVALSHA and
// both share the server's script cache. Nothing here is hand-written Lua.
#pragma once

#include <array>
#include <string_view>

namespace protifer::queue {

// One enumerator per script the worker needs (spec bullmq-v5-protocol.md section 5). The
// generated switch covers every enumerator, so a script missing from the CMake list is a
// compile error rather than a runtime surprise.
enum class ScriptId {
  kMoveToActive,
  kExtendLock,
  kExtendLocks,
  kUpdateProgress,
  kAddLog,
  kMoveToFinished,
  kMoveToDelayed,
  kRetryJob,
  kMoveStalledJobsToWait,
};

inline constexpr std::array<ScriptId, 9> kAllScripts = {
    ScriptId::kMoveToActive,   ScriptId::kExtendLock, ScriptId::kExtendLocks,
    ScriptId::kUpdateProgress, ScriptId::kAddLog,     ScriptId::kMoveToFinished,
    ScriptId::kMoveToDelayed,  ScriptId::kRetryJob,   ScriptId::kMoveStalledJobsToWait,
};

struct LuaScript {
  std::string_view name;  // bullmq's name, e.g. "moveToActive"
  int num_keys;           // number of KEYS the script takes (the "-11" of moveToActive-11)
  std::string_view sha1;  // lowercase hex SHA1 of body, as computed at build time
  std::string_view body;  // exact script text
};

const LuaScript& GetLuaScript(ScriptId id);

// Version of the npm package the scripts were taken from, e.g. "5.81.5".
std::string_view BundledBullmqVersion();

}  // namespace protifer::queue

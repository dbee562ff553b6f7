// A Redis reply as an owned value, and the two error classes every Redis call can throw.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace protifer::queue {

// The server could not be reached or stopped answering: refused/reset connections, timeouts,
// EOF, and replies that mean "not serving yet" (LOADING after a restart). Retrying after a
// reconnect is the right reaction; the connection has already been dropped.
class RedisConnectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The server answered with an error reply (script error, WRONGPASS, NOSCRIPT, ...). Retrying
// the same call gives the same answer.
class RedisReplyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  bool IsNoScript() const;
};

struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  Type type = Type::kNil;
  std::int64_t integer = 0;          // kInteger
  std::string str;                   // kString, kStatus, kError
  std::vector<RedisReply> elements;  // kArray

  bool IsNil() const { return type == Type::kNil; }
  bool IsInteger() const { return type == Type::kInteger; }
  bool IsString() const { return type == Type::kString || type == Type::kStatus; }
  bool IsArray() const { return type == Type::kArray; }

  // Accessors that throw std::runtime_error naming the expected type when the reply differs:
  // a layout mismatch with the Lua scripts must surface as a readable error, not a crash.
  std::int64_t AsInteger() const;
  const std::string& AsString() const;
  const std::vector<RedisReply>& AsArray() const;

  std::string Describe() const;  // short human-readable rendering for error messages
};

}  // namespace protifer::queue

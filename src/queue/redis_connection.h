// One hiredis connection with the handshake our deployment needs (AUTH, SELECT, CLIENT SETNAME),
// socket timeouts, and reconnect-on-next-call after any transport failure.
//
// Thread safety: calls are serialised by an internal mutex, so one connection may be shared by
// several threads (they queue, as commands on one Node ioredis client do). Interrupt() is the
// exception: it is meant to be called from another thread while a call is blocked.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "queue/redis_reply.h"

struct redisContext;

namespace protifer::queue {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // empty: legacy `AUTH <password>`; else ACL `AUTH <user> <password>`
  std::string password;  // empty: no AUTH (development only; the deployment requires one)
  int db = 0;            // SELECT when not 0
  std::chrono::milliseconds connect_timeout{5000};
  // Socket send/receive timeout of ordinary calls. Lua scripts are short; a call that takes
  // longer means the server or the network is gone, and the connection is dropped.
  std::chrono::milliseconds command_timeout{10000};
};

// AUTH/SELECT/SETNAME refused during the handshake. It is a connection error (a server that
// just restarted may answer oddly, and the caller's reconnect loop should keep trying), but a
// distinct type so start-up can report a wrong password clearly instead of retrying forever.
class RedisHandshakeError : public RedisConnectionError {
 public:
  using RedisConnectionError::RedisConnectionError;
};

class RedisConnection {
 public:
  // client_name: sent with CLIENT SETNAME on every (re)connect when not empty.
  explicit RedisConnection(RedisEndpoint endpoint, std::string client_name = {});
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects (with the handshake) unless already connected. Throws RedisConnectionError.
  void Connect();

  // Runs one command (binary-safe arguments), connecting first when needed. Throws
  // RedisConnectionError on transport failure (the connection is dropped; the next call
  // reconnects) and RedisReplyError on an error reply.
  RedisReply Command(const std::vector<std::string>& args);

  // Same, with a socket timeout for this call only: for BZPOPMIN, whose server-side block must
  // fit inside the socket timeout. A call that overshoots it is treated as a dead connection
  // (the watchdog BullMQ keeps around BZPOPMIN).
  RedisReply BlockingCommand(const std::vector<std::string>& args,
                             std::chrono::milliseconds socket_timeout);

  // Makes the call in progress (if any) and every later call fail fast with
  // RedisConnectionError, until ResetInterrupt(). Safe from any thread: it shuts the socket
  // down instead of touching hiredis state owned by the calling thread.
  void Interrupt();
  void ResetInterrupt();

  void Disconnect();
  bool IsConnected() const;

  const std::string& client_name() const { return client_name_; }
  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  RedisReply Execute(const std::vector<std::string>& args,
                     const std::chrono::milliseconds* socket_timeout);
  void ConnectLocked();
  RedisReply RawCommandLocked(const std::vector<std::string>& args);
  void DropLocked();
  std::string Where() const;

  const RedisEndpoint endpoint_;
  const std::string client_name_;

  std::mutex call_mutex_;  // serialises calls; held across the network round trip
  // Guards ctx_ replacement so Interrupt() never uses a socket that is being freed.
  mutable std::mutex context_mutex_;
  redisContext* ctx_ = nullptr;
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> socket_shut_{false};  // ctx_'s socket was shut down by Interrupt()
};

}  // namespace protifer::queue

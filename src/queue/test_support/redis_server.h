// A private redis-server for one test: loopback, a free port, a password, no persistence
// unless asked for, killed (and its files removed) on destruction.
#pragma once

#include <sys/types.h>

#include <string>

#include "queue/redis_connection.h"

namespace protifer::queue::test_support {

class RedisServer {
 public:
  struct Options {
    std::string password = "bullmq-test-secret";
    // appendonly yes + appendfsync always: survives a SIGKILL with every acknowledged write.
    bool append_only = false;
  };

  // Starts the server and waits until it answers PING. Throws std::runtime_error on failure.
  explicit RedisServer(Options options);
  RedisServer() : RedisServer(Options{}) {}
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  const std::string& password() const { return options_.password; }
  RedisEndpoint endpoint() const;

  // SIGKILL, like a crash; then Start() again on the same port and directory (the append-only
  // file, if any, is reloaded).
  void Kill();
  void Start();

 private:
  void WaitUntilReady();

  Options options_;
  int port_ = 0;
  std::string dir_;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back, close).
int FreeLoopbackPort();

}  // namespace protifer::queue::test_support

#pragma once

// Raw-socket helpers for the faultproxy integration tests: a blocking client with deadlines,
// and an upstream server (echo or record) whose view of each connection the tests inspect.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace protifer::faultproxy::testing {

using namespace std::chrono_literals;

// How a read sequence ended.
enum class ReadEnd { kData, kEof, kReset, kTimeout, kError };

struct ReadResult {
  std::string data;
  ReadEnd end = ReadEnd::kData;
  int error = 0;  // errno for kReset/kError
};

// Connects to 127.0.0.1:port; returns the fd or -1 with errno set.
int ConnectLoopback(std::uint16_t port);
// Sends everything (MSG_NOSIGNAL); false if the peer went away.
bool SendAll(int fd, const std::string& data);
// Reads until `bytes` arrived, the stream ended or the deadline passed.
ReadResult ReadExactly(int fd, std::size_t bytes, std::chrono::milliseconds timeout);
// Reads until EOF/reset/error or the deadline passes.
ReadResult ReadUntilEnd(int fd, std::chrono::milliseconds timeout);
// Waits up to `timeout` for anything readable (data, EOF or error) without consuming it.
bool WaitReadable(int fd, std::chrono::milliseconds timeout);
// Deterministic pseudo-random bytes, so corruption cannot hide behind repeated patterns.
std::string PatternBytes(std::size_t size, std::uint32_t seed);

// A tiny upstream server: one thread per connection (fine for tests). In echo mode it returns
// everything it reads and half-closes when the client does; in record mode it only records.
class TestUpstream {
 public:
  enum class Mode { kEcho, kRecord };
  enum class End { kOpen, kEof, kReset, kError };

  explicit TestUpstream(Mode mode);
  ~TestUpstream();
  TestUpstream(const TestUpstream&) = delete;
  TestUpstream& operator=(const TestUpstream&) = delete;

  std::uint16_t port() const { return port_; }

  bool WaitForConnections(std::size_t count, std::chrono::milliseconds timeout);
  // Waits until connection `index` (0-based, accept order) has ended; returns how.
  End WaitForEnd(std::size_t index, std::chrono::milliseconds timeout);
  bool WaitForBytes(std::size_t index, std::size_t bytes, std::chrono::milliseconds timeout);
  std::string Received(std::size_t index);
  std::size_t connection_count();
  // Sends to the client of connection `index` (record mode: server-to-client traffic).
  bool SendToClient(std::size_t index, const std::string& data);

 private:
  struct Connection {
    int fd = -1;
    std::string received;
    End end = End::kOpen;
  };

  void AcceptLoop();
  void Serve(std::shared_ptr<Connection> connection);

  Mode mode_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::shared_ptr<Connection>> connections_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
  bool stopping_ = false;
};

}  // namespace protifer::faultproxy::testing

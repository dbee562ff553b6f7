#include "test_sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <stdexcept>

namespace protifer::faultproxy::testing {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_in LoopbackAddress(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

int RemainingMillis(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// One recv after waiting for readability; classifies the outcome.
ReadEnd ReadOnce(int fd, std::string& into, Clock::time_point deadline, int& error) {
  pollfd entry{fd, POLLIN, 0};
  const int ready = poll(&entry, 1, RemainingMillis(deadline));
  if (ready == 0) return ReadEnd::kTimeout;
  if (ready < 0) {
    error = errno;
    return ReadEnd::kError;
  }
  char buffer[64 * 1024];
  const ssize_t got = recv(fd, buffer, sizeof(buffer), 0);
  if (got > 0) {
    into.append(buffer, static_cast<std::size_t>(got));
    return ReadEnd::kData;
  }
  if (got == 0) return ReadEnd::kEof;
  error = errno;
  return errno == ECONNRESET ? ReadEnd::kReset : ReadEnd::kError;
}

}  // namespace

int ConnectLoopback(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address = LoopbackAddress(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

ReadResult ReadExactly(int fd, std::size_t bytes, std::chrono::milliseconds timeout) {
  ReadResult result;
  const auto deadline = Clock::now() + timeout;
  while (result.data.size() < bytes) {
    ReadEnd end = ReadOnce(fd, result.data, deadline, result.error);
    if (end != ReadEnd::kData) {
      result.end = end;
      return result;
    }
  }
  result.end = ReadEnd::kData;
  return result;
}

ReadResult ReadUntilEnd(int fd, std::chrono::milliseconds timeout) {
  ReadResult result;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    ReadEnd end = ReadOnce(fd, result.data, deadline, result.error);
    if (end != ReadEnd::kData) {
      result.end = end;
      return result;
    }
  }
}

bool WaitReadable(int fd, std::chrono::milliseconds timeout) {
  pollfd entry{fd, POLLIN, 0};
  return poll(&entry, 1, static_cast<int>(timeout.count())) > 0;
}

std::string PatternBytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(generator() & 0xFF);
  return bytes;
}

TestUpstream::TestUpstream(Mode mode) : mode_(mode) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address = LoopbackAddress(0);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("test upstream cannot listen");
  }
  socklen_t length = sizeof(address);
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

TestUpstream::~TestUpstream() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& connection : connections_) shutdown(connection->fd, SHUT_RDWR);
  }
  shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  accept_thread_.join();
  for (auto& thread : threads_) thread.join();
  for (auto& connection : connections_) close(connection->fd);
  close(listen_fd_);
}

void TestUpstream::AcceptLoop() {
  for (;;) {
    const int fd = accept(listen_fd_, nullptr, nullptr);
    std::lock_guard lock(mutex_);
    if (fd < 0 || stopping_) {
      if (fd >= 0) close(fd);
      return;
    }
    auto connection = std::make_shared<Connection>();
    connection->fd = fd;
    connections_.push_back(connection);
    threads_.emplace_back([this, connection] { Serve(connection); });
    changed_.notify_all();
  }
}

void TestUpstream::Serve(std::shared_ptr<Connection> connection) {
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t got = recv(connection->fd, buffer, sizeof(buffer), 0);
    if (got > 0) {
      {
        std::lock_guard lock(mutex_);
        connection->received.append(buffer, static_cast<std::size_t>(got));
        changed_.notify_all();
      }
      if (mode_ == Mode::kEcho &&
          !SendAll(connection->fd, std::string(buffer, static_cast<std::size_t>(got)))) {
        std::lock_guard lock(mutex_);
        connection->end = End::kError;
        changed_.notify_all();
        return;
      }
      continue;
    }
    const int error = errno;
    std::lock_guard lock(mutex_);
    if (got == 0) {
      connection->end = End::kEof;
      if (mode_ == Mode::kEcho) shutdown(connection->fd, SHUT_WR);
    } else {
      connection->end = error == ECONNRESET ? End::kReset : End::kError;
    }
    changed_.notify_all();
    return;
  }
}

bool TestUpstream::WaitForConnections(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return connections_.size() >= count; });
}

TestUpstream::End TestUpstream::WaitForEnd(std::size_t index, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] {
    return connections_.size() > index && connections_[index]->end != End::kOpen;
  });
  return connections_.size() > index ? connections_[index]->end : End::kOpen;
}

bool TestUpstream::WaitForBytes(std::size_t index, std::size_t bytes,
                                std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return connections_.size() > index && connections_[index]->received.size() >= bytes;
  });
}

std::string TestUpstream::Received(std::size_t index) {
  std::lock_guard lock(mutex_);
  return connections_.size() > index ? connections_[index]->received : std::string();
}

std::size_t TestUpstream::connection_count() {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

bool TestUpstream::SendToClient(std::size_t index, const std::string& data) {
  int fd = -1;
  {
    std::lock_guard lock(mutex_);
    if (connections_.size() <= index) return false;
    fd = connections_[index]->fd;
  }
  return SendAll(fd, data);
}

}  // namespace protifer::faultproxy::testing

#include "control_port.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace protifer::kserve_stub {
namespace {

std::runtime_error SystemError(const std::string& what) {
  return std::runtime_error("control port: " + what + ": " + std::strerror(errno));
}

void WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (written <= 0) {
      if (written < 0 && errno == EINTR) continue;
      return;  // the peer went away; nothing to report to
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
}

struct Connection {
  int fd;
  std::string pending;
};

}  // namespace

ControlPort::ControlPort(const std::string& host, int port, Handler handler)
    : handler_(std::move(handler)) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    throw std::runtime_error("control port: '" + host + "' is not an IPv4 address");
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw SystemError("socket");
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    auto error = SystemError("bind " + host + ":" + std::to_string(port));
    ::close(listen_fd_);
    throw error;
  }
  socklen_t length = sizeof(address);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    auto error = SystemError("pipe");
    ::close(listen_fd_);
    throw error;
  }
  wake_read_fd_ = pipe_fds[0];
  wake_write_fd_ = pipe_fds[1];
  thread_ = std::thread([this] { Run(); });
}

ControlPort::~ControlPort() { Stop(); }

void ControlPort::Stop() {
  if (!thread_.joinable()) return;
  const char byte = 'x';
  (void)!::write(wake_write_fd_, &byte, 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_read_fd_);
  ::close(wake_write_fd_);
}

void ControlPort::Run() {
  std::vector<Connection> connections;
  while (true) {
    std::vector<pollfd> fds{{wake_read_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto& connection : connections) fds.push_back({connection.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;
    if (fds[1].revents & POLLIN) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) connections.push_back({fd, {}});
    }
    std::vector<int> closed;
    for (std::size_t i = 2; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Connection& connection = connections[i - 2];
      char buffer[4096];
      const ssize_t got = ::recv(connection.fd, buffer, sizeof(buffer), 0);
      if (got <= 0) {
        closed.push_back(connection.fd);
        continue;
      }
      connection.pending.append(buffer, static_cast<std::size_t>(got));
      std::size_t newline;
      while ((newline = connection.pending.find('\n')) != std::string::npos) {
        std::string line = connection.pending.substr(0, newline);
        connection.pending.erase(0, newline + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line == "quit") {
          closed.push_back(connection.fd);
          break;
        }
        ControlReply reply = handler_(line);
        WriteAll(connection.fd, reply.text + "\n");
        if (reply.exit_code) ::_exit(*reply.exit_code);
      }
    }
    for (int fd : closed) {
      ::close(fd);
      std::erase_if(connections, [fd](const Connection& c) { return c.fd == fd; });
    }
  }
  for (const auto& connection : connections) ::close(connection.fd);
}

}  // namespace protifer::kserve_stub

// A plain-text TCP control port: one command per line in, one reply line out (`nc`, `socat` or a
// test's socket can drive it). Chosen over a second gRPC service so that shell scripts and the
// benchmark can script faults without generated code. One thread, poll()-based, any number of
// connections; "quit" closes a connection.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "stub_control.h"

namespace protifer::kserve_stub {

class ControlPort {
 public:
  using Handler = std::function<ControlReply(std::string_view line)>;

  // Binds host:port (0 = ephemeral) with SO_REUSEADDR; throws std::runtime_error on failure.
  ControlPort(const std::string& host, int port, Handler handler);
  ~ControlPort();  // Stop()
  ControlPort(const ControlPort&) = delete;
  ControlPort& operator=(const ControlPort&) = delete;

  int port() const { return port_; }
  void Stop();

 private:
  void Run();

  Handler handler_;
  int listen_fd_ = -1;
  int wake_read_fd_ = -1;
  int wake_write_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace protifer::kserve_stub

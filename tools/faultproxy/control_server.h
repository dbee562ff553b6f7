#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>  // before asio: g++ 12 needs it for asio's coroutine headers

namespace protifer::faultproxy {

struct ControlReply {
  std::string text;            // one line, without the newline
  bool close_session = false;  // close the session after sending the reply
};

// Line protocol on a TCP port: each non-blank line is handed to the handler and answered with
// exactly one reply line. Sessions are served one line at a time, in order, on the I/O thread.
class ControlServer {
 public:
  using Handler = std::function<ControlReply(std::string_view line)>;

  // Binds and listens at once; throws boost::system::system_error if the port is unavailable.
  ControlServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  std::uint16_t port() const { return port_; }
  void Start();
  // Closes the listener and every session.
  void Close();

 private:
  class Session;
  void Accept();

  boost::asio::ip::tcp::acceptor acceptor_;
  Handler handler_;
  std::uint16_t port_ = 0;
  std::uint64_t next_session_id_ = 1;
  std::map<std::uint64_t, std::shared_ptr<Session>> sessions_;
  bool closed_ = false;
};

}  // namespace protifer::faultproxy

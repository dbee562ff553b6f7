#include "faultproxy/control_server.h"

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <istream>

namespace protifer::faultproxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
// Longer lines are not commands; refusing them bounds the memory a session can pin.
constexpr std::size_t kMaxLineLength = 4096;
}  // namespace

class ControlServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Handler& handler, std::function<void()> on_end)
      : socket_(std::move(socket)),
        handler_(handler),
        on_end_(std::move(on_end)),
        input_(kMaxLineLength) {}

  void Start() { ReadLine(); }

  void Close() {
    on_end_ = nullptr;  // the server is going away: nothing to report back to
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void ReadLine() {
    asio::async_read_until(
        socket_, input_, '\n',
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t length) {
          self->OnLine(error, length);
        });
  }

  void OnLine(const boost::system::error_code& error, std::size_t length) {
    if (error == asio::error::not_found) {
      Reply({"error line longer than " + std::to_string(kMaxLineLength) + " bytes", true});
      return;
    }
    if (error) {
      End();
      return;
    }
    std::string line(asio::buffers_begin(input_.data()),
                     asio::buffers_begin(input_.data()) + static_cast<std::ptrdiff_t>(length));
    input_.consume(length);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      ReadLine();  // blank lines are ignored, so `nc` users may press enter freely
      return;
    }
    Reply(handler_(line));
  }

  void Reply(ControlReply reply) {
    reply_ = std::move(reply.text);
    reply_.push_back('\n');
    asio::async_write(socket_, asio::buffer(reply_),
                      [self = shared_from_this(), close = reply.close_session](
                          const boost::system::error_code& error, std::size_t) {
                        if (error || close) {
                          self->End();
                        } else {
                          self->ReadLine();
                        }
                      });
  }

  void End() {
    auto on_end = std::exchange(on_end_, nullptr);
    Close();
    if (on_end) on_end();
  }

  tcp::socket socket_;
  Handler& handler_;
  std::function<void()> on_end_;
  asio::streambuf input_;
  std::string reply_;
};

ControlServer::ControlServer(asio::io_context& io, const tcp::endpoint& endpoint, Handler handler)
    : acceptor_(io), handler_(std::move(handler)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
}

ControlServer::~ControlServer() { Close(); }

void ControlServer::Start() { Accept(); }

void ControlServer::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
    if (closed_) return;
    if (!error) {
      const std::uint64_t id = next_session_id_++;
      auto session = std::make_shared<Session>(std::move(socket), handler_,
                                               [this, id] { sessions_.erase(id); });
      sessions_.emplace(id, session);
      session->Start();
    }
    if (error != asio::error::operation_aborted) Accept();
  });
}

void ControlServer::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& [id, session] : sessions_) session->Close();
  sessions_.clear();
}

}  // namespace protifer::faultproxy

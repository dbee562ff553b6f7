#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>  // before asio: g++ 12 needs it for asio's coroutine headers
#include <vector>

#include "faultproxy/connection_faults.h"
#include "faultproxy/token_bucket.h"

namespace protifer::faultproxy {

enum class FlowDirection { kClientToServer = 0, kServerToClient = 1 };

// What a connection reports to its owner. Called on the I/O thread only.
class ConnectionObserver {
 public:
  virtual ~ConnectionObserver() = default;
  virtual void OnForwarded(std::uint64_t id, FlowDirection direction, std::size_t bytes) = 0;
  // A reset-after/close-after budget ran out and the connection is being cut.
  virtual void OnCutExecuted(std::uint64_t id, const CutRule& rule) = 0;
  virtual void OnUpstreamConnectFailed(std::uint64_t id, const std::string& error) = 0;
  // The connection stopped forwarding for good; `how` says why ("finished", "reset", ...).
  // Called exactly once, after which the owner may drop its reference.
  virtual void OnClosed(std::uint64_t id, std::string_view how) = 0;
};

struct ConnectionSnapshot {
  std::uint64_t id = 0;
  std::string state;
  std::uint64_t bytes_client_to_server = 0;
  std::uint64_t bytes_server_to_client = 0;
  ConnectionFaults faults;
};

// One accepted client and its upstream socket, with two independent forwarding directions.
// Each direction reads into a FIFO of chunks and writes them out once their latency has
// passed and the bandwidth pacer allows; reading pauses while the FIFO is full or the
// connection is stalled, so TCP back-pressure reaches the sender exactly as a slow or
// half-open peer would cause it. All methods run on the I/O thread.
class ProxyConnection : public std::enable_shared_from_this<ProxyConnection> {
 public:
  ProxyConnection(std::uint64_t id, boost::asio::ip::tcp::socket client,
                  const ConnectionFaults& faults, ConnectionObserver& observer);

  void Start(const std::vector<boost::asio::ip::tcp::endpoint>& upstream);

  // Replaces the connection's faults. With `rearm_cut`, the cut budget restarts from now
  // (from the next byte read from the client).
  void SetFaults(const ConnectionFaults& faults, bool rearm_cut);
  const ConnectionFaults& faults() const { return faults_; }

  void Reset();  // RST both sockets now
  void Close();  // FIN both sockets now, then drain what the peers still send
  // Closes both sockets without reporting anything (proxy shutdown).
  void Shutdown();

  std::uint64_t id() const { return id_; }
  ConnectionSnapshot Snapshot() const;

 private:
  enum class State { kConnecting, kForwarding, kDraining, kClosed };

  struct Chunk {
    std::vector<char> bytes;
    std::size_t offset = 0;
    std::chrono::steady_clock::time_point due;
  };

  struct Direction {
    explicit Direction(boost::asio::any_io_executor executor) : timer(std::move(executor)) {}
    std::deque<Chunk> queue;
    std::size_t queued_bytes = 0;
    bool reading = false;
    bool writing = false;
    bool timer_armed = false;
    bool source_finished = false;  // the reading side sent EOF
    bool shutdown_sent = false;    // EOF passed on to the writing side
    bool drained = false;          // while draining: the reading side is done
    std::uint64_t forwarded = 0;
    boost::asio::steady_timer timer;
    TokenBucket pacer;
    std::vector<char> read_buffer;
  };

  static constexpr std::size_t kReadSize = 64 * 1024;
  static constexpr std::size_t kMaxQueuedBytes = 4 * 1024 * 1024;

  boost::asio::ip::tcp::socket& SourceOf(int direction);
  boost::asio::ip::tcp::socket& SinkOf(int direction);

  void Pump(int direction);
  void StartRead(int direction);
  void OnRead(int direction, const boost::system::error_code& error, std::size_t bytes);
  void StartWrite(int direction, std::size_t bytes);
  void ArmTimer(int direction, std::chrono::steady_clock::time_point when);
  void CancelTimers();
  void ExecuteCut();
  void Abort(std::string_view how);  // RST both sockets
  void BeginDrain(std::string_view how);
  void StartDrainRead(int direction);
  void FinishDrainIfDone();
  void CloseSockets();

  std::uint64_t id_;
  ConnectionObserver& observer_;
  boost::asio::ip::tcp::socket client_;
  boost::asio::ip::tcp::socket upstream_;
  std::array<Direction, 2> directions_;
  boost::asio::steady_timer drain_deadline_;
  State state_ = State::kConnecting;
  ConnectionFaults faults_;
  std::uint64_t cut_remaining_ = 0;  // client->server bytes left before the cut
  bool cut_due_ = false;             // budget spent: cut once the queue is flushed
};

}  // namespace protifer::faultproxy

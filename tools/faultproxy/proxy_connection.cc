#include "faultproxy/proxy_connection.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace protifer::faultproxy {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr int kClientToServer = static_cast<int>(FlowDirection::kClientToServer);
constexpr int kServerToClient = static_cast<int>(FlowDirection::kServerToClient);

// How long a FIN-closed connection keeps reading (and discarding) what its peers still send.
// Closing a socket with unread data makes the kernel send RST instead of the FIN we promised.
constexpr auto kDrainTimeout = std::chrono::seconds(5);

void ResetSocket(tcp::socket& socket) {
  if (!socket.is_open()) return;
  boost::system::error_code ignored;
  // SO_LINGER with a zero timeout turns close() into an abortive close: the kernel sends RST.
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

}  // namespace

ProxyConnection::ProxyConnection(std::uint64_t id, tcp::socket client,
                                 const ConnectionFaults& faults, ConnectionObserver& observer)
    : id_(id),
      observer_(observer),
      client_(std::move(client)),
      upstream_(client_.get_executor()),
      directions_{Direction(client_.get_executor()), Direction(client_.get_executor())},
      drain_deadline_(client_.get_executor()),
      faults_(faults) {
  const auto now = Clock::now();
  for (Direction& direction : directions_) {
    direction.read_buffer.resize(kReadSize);
    direction.pacer.SetRate(faults_.bandwidth_bytes_per_second, now);
  }
  if (faults_.cut) {
    cut_remaining_ = faults_.cut->after_bytes;
    cut_due_ = cut_remaining_ == 0;
  }
}

tcp::socket& ProxyConnection::SourceOf(int direction) {
  return direction == kClientToServer ? client_ : upstream_;
}

tcp::socket& ProxyConnection::SinkOf(int direction) {
  return direction == kClientToServer ? upstream_ : client_;
}

void ProxyConnection::Start(const std::vector<tcp::endpoint>& upstream) {
  boost::system::error_code ignored;
  client_.set_option(tcp::no_delay(true), ignored);
  asio::async_connect(
      upstream_, upstream,
      [self = shared_from_this()](const boost::system::error_code& error, const tcp::endpoint&) {
        if (self->state_ != State::kConnecting) return;
        if (error) {
          self->observer_.OnUpstreamConnectFailed(self->id_, error.message());
          self->BeginDrain("upstream connect failed");
          return;
        }
        boost::system::error_code ignored_option;
        self->upstream_.set_option(tcp::no_delay(true), ignored_option);
        self->state_ = State::kForwarding;
        self->Pump(kClientToServer);
        self->Pump(kServerToClient);
      });
}

void ProxyConnection::SetFaults(const ConnectionFaults& faults, bool rearm_cut) {
  const bool rate_changed = faults.bandwidth_bytes_per_second != faults_.bandwidth_bytes_per_second;
  faults_ = faults;
  const auto now = Clock::now();
  if (rate_changed) {
    for (Direction& direction : directions_)
      direction.pacer.SetRate(faults_.bandwidth_bytes_per_second, now);
  }
  if (rearm_cut) {
    cut_remaining_ = faults_.cut ? faults_.cut->after_bytes : 0;
    cut_due_ = faults_.cut.has_value() && cut_remaining_ == 0;
  }
  if (state_ != State::kForwarding) return;
  // A pending latency or pacing wait was computed under the old faults: wake it up so the
  // directions re-plan (the cancelled timers call Pump).
  CancelTimers();
  Pump(kClientToServer);
  Pump(kServerToClient);
}

void ProxyConnection::Pump(int index) {
  if (state_ != State::kForwarding) return;
  Direction& direction = directions_[static_cast<std::size_t>(index)];
  const bool cut_blocks_reading = index == kClientToServer && cut_due_;

  if (!faults_.stalled && !direction.reading && !direction.source_finished &&
      direction.queued_bytes < kMaxQueuedBytes && !cut_blocks_reading) {
    StartRead(index);
  }
  if (faults_.stalled || direction.writing || direction.timer_armed) return;

  if (direction.queue.empty()) {
    if (index == kClientToServer && cut_due_) {
      ExecuteCut();
      return;
    }
    if (direction.source_finished && !direction.shutdown_sent) {
      // Pass the half-close on: the sink reads EOF once everything before it arrived.
      boost::system::error_code ignored;
      SinkOf(index).shutdown(tcp::socket::shutdown_send, ignored);
      direction.shutdown_sent = true;
      if (directions_[0].shutdown_sent && directions_[1].shutdown_sent) {
        CloseSockets();
        state_ = State::kClosed;
        observer_.OnClosed(id_, "finished");
      }
    }
    return;
  }

  const Chunk& chunk = direction.queue.front();
  const auto now = Clock::now();
  if (chunk.due > now) {
    ArmTimer(index, chunk.due);
    return;
  }
  std::size_t length = chunk.bytes.size() - chunk.offset;
  if (direction.pacer.limited()) {
    const auto delay = direction.pacer.DelayBeforeWrite(now);
    if (delay > Clock::duration::zero()) {
      ArmTimer(index, now + delay);
      return;
    }
    length = std::min(length, direction.pacer.max_write());
    direction.pacer.Consume(length, now);
  }
  StartWrite(index, length);
}

void ProxyConnection::StartRead(int index) {
  Direction& direction = directions_[static_cast<std::size_t>(index)];
  direction.reading = true;
  SourceOf(index).async_read_some(
      asio::buffer(direction.read_buffer),
      [self = shared_from_this(), index](const boost::system::error_code& error,
                                         std::size_t bytes) { self->OnRead(index, error, bytes); });
}

void ProxyConnection::OnRead(int index, const boost::system::error_code& error, std::size_t bytes) {
  Direction& direction = directions_[static_cast<std::size_t>(index)];
  direction.reading = false;
  if (state_ == State::kDraining) {
    if (error) {
      direction.drained = true;
      FinishDrainIfDone();
    } else {
      StartDrainRead(index);
    }
    return;
  }
  if (state_ != State::kForwarding) return;
  if (error == asio::error::eof) {
    direction.source_finished = true;
    Pump(index);
    return;
  }
  if (error) {
    // The peer reset or failed: mirror it to the other side, as a crashed path would.
    Abort("peer error: " + error.message());
    return;
  }

  std::size_t accepted = bytes;
  if (index == kClientToServer && faults_.cut && !cut_due_) {
    accepted = static_cast<std::size_t>(std::min<std::uint64_t>(bytes, cut_remaining_));
    cut_remaining_ -= accepted;
    cut_due_ = cut_remaining_ == 0;
    // Bytes beyond the budget are dropped: the connection dies before they would be forwarded.
  }
  if (accepted > 0) {
    Chunk chunk;
    chunk.bytes.assign(direction.read_buffer.begin(),
                       direction.read_buffer.begin() + static_cast<std::ptrdiff_t>(accepted));
    chunk.due = Clock::now() + faults_.latency;
    direction.queue.push_back(std::move(chunk));
    direction.queued_bytes += accepted;
  }
  Pump(index);
}

void ProxyConnection::StartWrite(int index, std::size_t length) {
  Direction& direction = directions_[static_cast<std::size_t>(index)];
  direction.writing = true;
  // std::deque keeps element addresses stable on push_back, so the chunk outlives the write.
  const Chunk& chunk = direction.queue.front();
  asio::async_write(SinkOf(index), asio::buffer(chunk.bytes.data() + chunk.offset, length),
                    [self = shared_from_this(), index](const boost::system::error_code& error,
                                                       std::size_t written) {
                      Direction& dir = self->directions_[static_cast<std::size_t>(index)];
                      dir.writing = false;
                      if (self->state_ != State::kForwarding) return;
                      if (error) {
                        self->Abort("peer error: " + error.message());
                        return;
                      }
                      Chunk& front = dir.queue.front();
                      front.offset += written;
                      dir.queued_bytes -= written;
                      dir.forwarded += written;
                      if (front.offset == front.bytes.size()) dir.queue.pop_front();
                      self->observer_.OnForwarded(self->id_, static_cast<FlowDirection>(index),
                                                  written);
                      self->Pump(index);
                    });
}

void ProxyConnection::ArmTimer(int index, Clock::time_point when) {
  Direction& direction = directions_[static_cast<std::size_t>(index)];
  direction.timer_armed = true;
  direction.timer.expires_at(when);
  direction.timer.async_wait([self = shared_from_this(), index](const boost::system::error_code&) {
    self->directions_[static_cast<std::size_t>(index)].timer_armed = false;
    self->Pump(index);
  });
}

void ProxyConnection::CancelTimers() {
  for (Direction& direction : directions_) direction.timer.cancel();
}

void ProxyConnection::ExecuteCut() {
  const CutRule rule = *faults_.cut;
  observer_.OnCutExecuted(id_, rule);
  if (rule.kind == CutKind::kRst) {
    Abort("reset-after");
  } else {
    BeginDrain("close-after");
  }
}

void ProxyConnection::Reset() { Abort("reset"); }

void ProxyConnection::Close() { BeginDrain("close"); }

void ProxyConnection::Abort(std::string_view how) {
  if (state_ == State::kClosed) return;
  const bool report = state_ != State::kDraining;  // a draining connection already reported
  state_ = State::kClosed;
  ResetSocket(client_);
  ResetSocket(upstream_);
  CancelTimers();
  drain_deadline_.cancel();
  if (report) observer_.OnClosed(id_, how);
}

void ProxyConnection::BeginDrain(std::string_view how) {
  if (state_ == State::kClosed || state_ == State::kDraining) return;
  state_ = State::kDraining;
  for (tcp::socket* socket : {&client_, &upstream_}) {
    boost::system::error_code ignored;
    if (socket->is_open()) socket->shutdown(tcp::socket::shutdown_send, ignored);
  }
  CancelTimers();
  for (int index : {kClientToServer, kServerToClient}) {
    Direction& direction = directions_[static_cast<std::size_t>(index)];
    direction.queue.clear();
    direction.queued_bytes = 0;
    direction.drained = !SourceOf(index).is_open() || direction.source_finished;
    // A read still in flight continues the drain from its handler.
    if (!direction.drained && !direction.reading) StartDrainRead(index);
  }
  drain_deadline_.expires_after(kDrainTimeout);
  drain_deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (error || self->state_ != State::kDraining) return;
    self->state_ = State::kClosed;
    self->CloseSockets();
  });
  observer_.OnClosed(id_, how);
  FinishDrainIfDone();
}

void ProxyConnection::StartDrainRead(int index) {
  Direction& direction = directions_[static_cast<std::size_t>(index)];
  direction.reading = true;
  SourceOf(index).async_read_some(
      asio::buffer(direction.read_buffer),
      [self = shared_from_this(), index](const boost::system::error_code& error, std::size_t) {
        Direction& dir = self->directions_[static_cast<std::size_t>(index)];
        dir.reading = false;
        if (self->state_ != State::kDraining) return;
        if (error) {
          dir.drained = true;
          self->FinishDrainIfDone();
        } else {
          self->StartDrainRead(index);
        }
      });
}

void ProxyConnection::FinishDrainIfDone() {
  if (state_ != State::kDraining) return;
  if (!directions_[0].drained || !directions_[1].drained) return;
  state_ = State::kClosed;
  drain_deadline_.cancel();
  CloseSockets();
}

void ProxyConnection::CloseSockets() {
  boost::system::error_code ignored;
  client_.close(ignored);
  upstream_.close(ignored);
  CancelTimers();
}

void ProxyConnection::Shutdown() {
  state_ = State::kClosed;
  drain_deadline_.cancel();
  CloseSockets();
}

ConnectionSnapshot ProxyConnection::Snapshot() const {
  ConnectionSnapshot snapshot;
  snapshot.id = id_;
  switch (state_) {
    case State::kConnecting:
      snapshot.state = "connecting";
      break;
    case State::kForwarding:
      snapshot.state = "forwarding";
      break;
    case State::kDraining:
      snapshot.state = "draining";
      break;
    case State::kClosed:
      snapshot.state = "closed";
      break;
  }
  snapshot.bytes_client_to_server = directions_[kClientToServer].forwarded;
  snapshot.bytes_server_to_client = directions_[kServerToClient].forwarded;
  snapshot.faults = faults_;
  return snapshot;
}

}  // namespace protifer::faultproxy

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace protifer::faultproxy {

// How a connection is cut once its client->server byte budget is spent.
enum class CutKind {
  kFin,  // plain close: the peer reads EOF ("Socket closed" for a gRPC client)
  kRst,  // SO_LINGER 0 close: the peer gets ECONNRESET ("Connection reset by peer")
};

// "Cut the connection after this many more client->server bytes have been forwarded."
struct CutRule {
  std::uint64_t after_bytes = 0;
  CutKind kind = CutKind::kFin;

  friend bool operator==(const CutRule&, const CutRule&) = default;
};

// The faults that shape one connection's traffic. The proxy keeps one copy as the default
// for future connections and one per live connection, so a fault can target all connections
// or a single one.
struct ConnectionFaults {
  // Forward nothing in either direction (a half-open peer). Bytes are held, not dropped:
  // the proxy stops reading, so they wait in the kernel buffers and flow again on unstall.
  bool stalled = false;
  // Extra delay for every forwarded chunk, both directions; order is preserved.
  std::chrono::milliseconds latency{0};
  // Throughput cap per direction of each connection, in bytes per second; 0 = unlimited.
  std::uint64_t bandwidth_bytes_per_second = 0;
  std::optional<CutRule> cut;

  friend bool operator==(const ConnectionFaults&, const ConnectionFaults&) = default;
};

}  // namespace protifer::faultproxy

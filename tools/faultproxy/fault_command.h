#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace protifer::faultproxy {

// Every action the control protocol and the --schedule flag understand.
enum class FaultAction {
  kReset,       // RST current connections now
  kClose,       // FIN-close current connections now
  kResetEvery,  // RST all current connections every <duration>; 0 = off
  kResetAfter,  // RST a connection after <bytes> more client->server bytes
  kCloseAfter,  // FIN-close a connection after <bytes> more client->server bytes
  kStall,       // forward nothing (half-open peer) until unstall
  kUnstall,
  kLatency,    // delay every forwarded chunk by <duration>; 0 = off
  kBandwidth,  // cap each direction at <bytes>/s; 0 = unlimited
  kRefuse,     // stop accepting new connections
  kAccept,     // accept again
  kClear,      // remove every fault
  kStatus,     // counters and active faults
  kList,       // live connections
  kHelp,
  kQuit,  // close this control session
};

// How new connections are refused.
enum class RefuseMode {
  kCloseListener,   // the port is closed: connect() fails with ECONNREFUSED
  kAcceptAndReset,  // the handshake completes, then the proxy sends RST at once
};

struct FaultCommand {
  FaultAction action = FaultAction::kStatus;
  std::uint64_t bytes = 0;                              // kResetAfter, kCloseAfter, kBandwidth
  std::chrono::milliseconds duration{0};                // kLatency, kResetEvery
  RefuseMode refuse_mode = RefuseMode::kCloseListener;  // kRefuse
  // conn=ID: apply to that connection only. Absent: all current connections and, for the
  // rules (stall, latency, bandwidth, *-after), every future connection as well.
  std::optional<std::uint64_t> connection;
};

struct ParsedCommand {
  std::optional<FaultCommand> command;  // set on success
  std::string error;                    // set on failure
};

// Parses one control line such as "latency 50ms conn=3". Command names are case-insensitive.
ParsedCommand ParseFaultCommand(std::string_view line);

// True for actions that change the proxy (the ones a schedule may contain).
bool IsMutatingAction(FaultAction action);

// The command's canonical name as typed on the control port ("reset-every").
std::string_view ActionName(FaultAction action);

// "50" (milliseconds), "50ms", "2s". Also "off" = 0.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// "4096", "64k"/"2M" (powers of 1000), "64KiB"/"2MiB" (powers of 1024). Also "off" = 0.
std::optional<std::uint64_t> ParseByteCount(std::string_view text);

// One line listing every command, for the "help" reply.
std::string_view ControlCommandSummary();

}  // namespace protifer::faultproxy

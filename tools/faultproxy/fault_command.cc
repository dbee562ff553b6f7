#include "faultproxy/fault_command.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <vector>

namespace protifer::faultproxy {
namespace {

// What a command accepts, so the parser can reject misuse with a precise message.
enum class Argument { kNone, kBytes, kDuration, kRefuseMode };

struct ActionSpec {
  FaultAction action;
  std::string_view name;
  Argument argument;
  bool accepts_connection;
};

constexpr std::array<ActionSpec, 16> kActions{{
    {FaultAction::kReset, "reset", Argument::kNone, true},
    {FaultAction::kClose, "close", Argument::kNone, true},
    {FaultAction::kResetEvery, "reset-every", Argument::kDuration, false},
    {FaultAction::kResetAfter, "reset-after", Argument::kBytes, true},
    {FaultAction::kCloseAfter, "close-after", Argument::kBytes, true},
    {FaultAction::kStall, "stall", Argument::kNone, true},
    {FaultAction::kUnstall, "unstall", Argument::kNone, true},
    {FaultAction::kLatency, "latency", Argument::kDuration, true},
    {FaultAction::kBandwidth, "bandwidth", Argument::kBytes, true},
    {FaultAction::kRefuse, "refuse", Argument::kRefuseMode, false},
    {FaultAction::kAccept, "accept", Argument::kNone, false},
    {FaultAction::kClear, "clear", Argument::kNone, true},
    {FaultAction::kStatus, "status", Argument::kNone, false},
    {FaultAction::kList, "list", Argument::kNone, false},
    {FaultAction::kHelp, "help", Argument::kNone, false},
    {FaultAction::kQuit, "quit", Argument::kNone, false},
}};

std::string ToLower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && std::isspace(static_cast<unsigned char>(line[pos]))) ++pos;
    std::size_t end = pos;
    while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
    if (end > pos) words.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  return words;
}

// Parses a leading unsigned integer and returns the rest of the text as the unit suffix.
std::optional<std::pair<std::uint64_t, std::string>> SplitNumberAndUnit(std::string_view text) {
  std::uint64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc{} || ptr == begin) return std::nullopt;
  return std::make_pair(value, ToLower(std::string_view(ptr, static_cast<std::size_t>(end - ptr))));
}

std::optional<std::uint64_t> CheckedMultiply(std::uint64_t value, std::uint64_t factor) {
  if (factor != 0 && value > std::numeric_limits<std::uint64_t>::max() / factor) {
    return std::nullopt;
  }
  return value * factor;
}

const ActionSpec* FindAction(std::string_view name) {
  const std::string lower = ToLower(name);
  for (const ActionSpec& spec : kActions) {
    if (spec.name == lower) return &spec;
  }
  return nullptr;
}

ParsedCommand Failure(std::string message) {
  return ParsedCommand{std::nullopt, std::move(message)};
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (ToLower(text) == "off") return std::chrono::milliseconds{0};
  auto parsed = SplitNumberAndUnit(text);
  if (!parsed) return std::nullopt;
  auto [value, unit] = *parsed;
  std::optional<std::uint64_t> millis;
  if (unit.empty() || unit == "ms") {
    millis = value;
  } else if (unit == "s") {
    millis = CheckedMultiply(value, 1000);
  }
  // Bound to ~31 years so the value always fits the clock's representation.
  constexpr std::uint64_t kMaxMillis = 1'000'000'000'000ULL;
  if (!millis || *millis > kMaxMillis) return std::nullopt;
  return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(*millis)};
}

std::optional<std::uint64_t> ParseByteCount(std::string_view text) {
  if (ToLower(text) == "off") return std::uint64_t{0};
  auto parsed = SplitNumberAndUnit(text);
  if (!parsed) return std::nullopt;
  auto [value, unit] = *parsed;
  if (unit.empty() || unit == "b") return value;
  if (unit == "k" || unit == "kb") return CheckedMultiply(value, 1000);
  if (unit == "m" || unit == "mb") return CheckedMultiply(value, 1000 * 1000);
  if (unit == "kib") return CheckedMultiply(value, 1024);
  if (unit == "mib") return CheckedMultiply(value, 1024 * 1024);
  return std::nullopt;
}

bool IsMutatingAction(FaultAction action) {
  switch (action) {
    case FaultAction::kStatus:
    case FaultAction::kList:
    case FaultAction::kHelp:
    case FaultAction::kQuit:
      return false;
    default:
      return true;
  }
}

std::string_view ActionName(FaultAction action) {
  for (const ActionSpec& spec : kActions) {
    if (spec.action == action) return spec.name;
  }
  return "unknown";
}

ParsedCommand ParseFaultCommand(std::string_view line) {
  std::vector<std::string_view> words = SplitWords(line);
  if (words.empty()) return Failure("empty command");
  const ActionSpec* spec = FindAction(words.front());
  if (spec == nullptr) {
    return Failure("unknown command '" + std::string(words.front()) + "' (try 'help')");
  }

  FaultCommand command;
  command.action = spec->action;
  const std::string name(spec->name);

  // A trailing conn=ID selects one connection; everything else is positional.
  std::vector<std::string_view> arguments(words.begin() + 1, words.end());
  if (!arguments.empty() && ToLower(arguments.back()).rfind("conn=", 0) == 0) {
    if (!spec->accepts_connection) return Failure(name + " does not take conn=ID");
    std::string_view id_text = arguments.back().substr(5);
    std::uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc{} || ptr != id_text.data() + id_text.size() || id_text.empty()) {
      return Failure("bad connection id '" + std::string(id_text) + "'");
    }
    command.connection = id;
    arguments.pop_back();
  }

  switch (spec->argument) {
    case Argument::kNone:
      if (!arguments.empty()) return Failure(name + " takes no argument");
      break;
    case Argument::kBytes: {
      if (arguments.size() != 1) return Failure(name + " needs one byte count, e.g. 4096");
      auto bytes = ParseByteCount(arguments[0]);
      if (!bytes) return Failure("bad byte count '" + std::string(arguments[0]) + "'");
      command.bytes = *bytes;
      break;
    }
    case Argument::kDuration: {
      if (arguments.size() != 1) return Failure(name + " needs one duration, e.g. 50ms or 2s");
      auto duration = ParseDuration(arguments[0]);
      if (!duration) return Failure("bad duration '" + std::string(arguments[0]) + "'");
      command.duration = *duration;
      break;
    }
    case Argument::kRefuseMode:
      if (arguments.empty() || ToLower(arguments[0]) == "close") {
        command.refuse_mode = RefuseMode::kCloseListener;
      } else if (ToLower(arguments[0]) == "reset") {
        command.refuse_mode = RefuseMode::kAcceptAndReset;
      } else {
        return Failure("refuse mode must be 'close' or 'reset'");
      }
      if (arguments.size() > 1) return Failure("refuse takes at most one argument");
      break;
  }
  return ParsedCommand{command, {}};
}

std::string_view ControlCommandSummary() {
  return "commands: reset [conn=ID] | close [conn=ID] | reset-every <dur|off> | "
         "reset-after <bytes> [conn=ID] | close-after <bytes> [conn=ID] | stall [conn=ID] | "
         "unstall [conn=ID] | latency <dur> [conn=ID] | bandwidth <bytes/s> [conn=ID] | "
         "refuse [close|reset] | accept | clear [conn=ID] | status | list | help | quit; "
         "dur = 50, 50ms or 2s; bytes = 4096, 64k, 2M, 64KiB or 2MiB";
}

}  // namespace protifer::faultproxy

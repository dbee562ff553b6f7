#include "stub_control.h"

#include <array>
#include <charconv>
#include <sstream>
#include <utility>
#include <vector>

namespace protifer::kserve_stub {
namespace {

constexpr std::array<std::pair<std::string_view, grpc::StatusCode>, 16> kCodes{{
    {"CANCELLED", grpc::StatusCode::CANCELLED},
    {"UNKNOWN", grpc::StatusCode::UNKNOWN},
    {"INVALID_ARGUMENT", grpc::StatusCode::INVALID_ARGUMENT},
    {"DEADLINE_EXCEEDED", grpc::StatusCode::DEADLINE_EXCEEDED},
    {"NOT_FOUND", grpc::StatusCode::NOT_FOUND},
    {"ALREADY_EXISTS", grpc::StatusCode::ALREADY_EXISTS},
    {"PERMISSION_DENIED", grpc::StatusCode::PERMISSION_DENIED},
    {"RESOURCE_EXHAUSTED", grpc::StatusCode::RESOURCE_EXHAUSTED},
    {"FAILED_PRECONDITION", grpc::StatusCode::FAILED_PRECONDITION},
    {"ABORTED", grpc::StatusCode::ABORTED},
    {"OUT_OF_RANGE", grpc::StatusCode::OUT_OF_RANGE},
    {"UNIMPLEMENTED", grpc::StatusCode::UNIMPLEMENTED},
    {"INTERNAL", grpc::StatusCode::INTERNAL},
    {"UNAVAILABLE", grpc::StatusCode::UNAVAILABLE},
    {"DATA_LOSS", grpc::StatusCode::DATA_LOSS},
    {"UNAUTHENTICATED", grpc::StatusCode::UNAUTHENTICATED},
}};

constexpr std::string_view kHelp =
    "commands: fail <model|*> <count> <CODE> [message] | "
    "corrupt <model|*> <count> truncate|doubled | latency <model|*> <ms> | "
    "not-ready <model|*> [unavailable|unloaded] | ready <model|*> | server-not-ready | "
    "server-ready | exit-after <count> [code] | exit [code] | "
    "output-order model|requested|reversed|rotate | output-contents raw|typed | reset-peaks | "
    "clear | status | help";

std::vector<std::string> Split(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream stream{std::string(line)};
  std::string word;
  while (stream >> word) words.push_back(word);
  return words;
}

std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

ControlReply Error(const std::string& message) { return {"error: " + message, std::nullopt}; }
ControlReply Ok(const std::string& detail = "") {
  return {detail.empty() ? "ok" : "ok " + detail, std::nullopt};
}

bool KnownModel(const ControlTargets& targets, const std::string& model) {
  return model == kAllModels || targets.catalog.Find(model) != nullptr;
}

// The rest of the line after the first `skip` words (keeps the message's own spacing).
std::string Tail(std::string_view line, std::size_t skip) {
  std::size_t pos = 0;
  for (std::size_t word = 0; word < skip; ++word) {
    pos = line.find_first_not_of(" \t", pos);
    if (pos == std::string_view::npos) return "";
    pos = line.find_first_of(" \t", pos);
    if (pos == std::string_view::npos) return "";
  }
  pos = line.find_first_not_of(" \t", pos);
  if (pos == std::string_view::npos) return "";
  std::string_view tail = line.substr(pos);
  while (!tail.empty() && (tail.back() == '\r' || tail.back() == ' ')) tail.remove_suffix(1);
  return std::string(tail);
}

}  // namespace

std::optional<grpc::StatusCode> ParseStatusCode(std::string_view text) {
  for (const auto& [name, code] : kCodes) {
    if (name == text) return code;
  }
  if (auto number = ParseInt(text); number && *number >= 1 && *number <= 16) {
    return static_cast<grpc::StatusCode>(*number);
  }
  return std::nullopt;
}

ControlReply ExecuteControlCommand(std::string_view line, ControlTargets targets) {
  const std::vector<std::string> words = Split(line);
  if (words.empty()) return Error("empty command (try 'help')");
  const std::string& command = words[0];
  const std::size_t argc = words.size() - 1;

  if (command == "help") return Ok(std::string(kHelp));

  if (command == "fail") {
    if (argc < 3) return Error("usage: fail <model|*> <count> <CODE> [message]");
    if (!KnownModel(targets, words[1])) return Error("unknown model '" + words[1] + "'");
    auto count = ParseInt(words[2]);
    if (!count || *count < 0) return Error("count must be a non-negative integer");
    auto code = ParseStatusCode(words[3]);
    if (!code) return Error("unknown status code '" + words[3] + "'");
    std::string message = Tail(line, 4);
    if (message.empty()) message = "kserve-stub: scripted failure";
    targets.faults.FailNext(words[1], *count, grpc::Status(*code, message));
    return Ok();
  }
  if (command == "corrupt") {
    if (argc != 3) return Error("usage: corrupt <model|*> <count> truncate|doubled");
    if (!KnownModel(targets, words[1])) return Error("unknown model '" + words[1] + "'");
    auto count = ParseInt(words[2]);
    if (!count || *count < 0) return Error("count must be a non-negative integer");
    Corruption corruption = Corruption::kTruncate;
    if (words[3] == "doubled") {
      corruption = Corruption::kDoubled;
    } else if (words[3] != "truncate") {
      return Error("corruption must be 'truncate' or 'doubled'");
    }
    targets.faults.CorruptNext(words[1], *count, corruption);
    return Ok();
  }
  if (command == "latency") {
    if (argc != 2) return Error("usage: latency <model|*> <ms>");
    if (!KnownModel(targets, words[1])) return Error("unknown model '" + words[1] + "'");
    auto ms = ParseInt(words[2]);
    if (!ms || *ms < 0) return Error("latency must be a non-negative integer (ms)");
    targets.faults.SetLatency(words[1], std::chrono::milliseconds(*ms));
    return Ok();
  }
  if (command == "not-ready") {
    if (argc < 1 || argc > 2) return Error("usage: not-ready <model|*> [unavailable|unloaded]");
    if (!KnownModel(targets, words[1])) return Error("unknown model '" + words[1] + "'");
    NotReadyStyle style = NotReadyStyle::kUnavailable;
    if (argc == 2) {
      if (words[2] == "unloaded") {
        style = NotReadyStyle::kUnloaded;
      } else if (words[2] != "unavailable") {
        return Error("style must be 'unavailable' or 'unloaded'");
      }
    }
    targets.faults.SetModelNotReady(words[1], style);
    return Ok();
  }
  if (command == "ready") {
    if (argc != 1) return Error("usage: ready <model|*>");
    if (!KnownModel(targets, words[1])) return Error("unknown model '" + words[1] + "'");
    targets.faults.SetModelReady(words[1]);
    return Ok();
  }
  if (command == "server-not-ready" || command == "server-ready") {
    if (argc != 0) return Error("usage: " + command);
    targets.faults.SetServerReady(command == "server-ready");
    return Ok();
  }
  if (command == "exit-after") {
    if (argc < 1 || argc > 2) return Error("usage: exit-after <count> [exit_code]");
    auto count = ParseInt(words[1]);
    if (!count || *count < 0) return Error("count must be a non-negative integer");
    auto code = argc == 2 ? ParseInt(words[2]) : std::optional<int>(1);
    if (!code || *code < 0 || *code > 255) return Error("exit code must be 0-255");
    targets.faults.ExitAfter(*count, *code);
    return Ok();
  }
  if (command == "exit") {
    if (argc > 1) return Error("usage: exit [exit_code]");
    auto code = argc == 1 ? ParseInt(words[1]) : std::optional<int>(1);
    if (!code || *code < 0 || *code > 255) return Error("exit code must be 0-255");
    return {"ok exiting", *code};
  }
  if (command == "output-order") {
    auto order = argc == 1 ? ParseOutputOrder(words[1]) : std::nullopt;
    if (!order) return Error("usage: output-order model|requested|reversed|rotate");
    targets.response.order = *order;
    return Ok();
  }
  if (command == "output-contents") {
    auto contents = argc == 1 ? ParseOutputContents(words[1]) : std::nullopt;
    if (!contents) return Error("usage: output-contents raw|typed");
    targets.response.contents = *contents;
    return Ok();
  }
  if (command == "reset-peaks") {
    targets.metrics.ResetPeaks();
    return Ok();
  }
  if (command == "clear") {
    targets.faults.Clear();
    return Ok();
  }
  if (command == "status") {
    nlohmann::json status;
    status["faults"] = targets.faults.Describe();
    status["output_order"] = std::string(OutputOrderName(targets.response.order.load()));
    status["output_contents"] = std::string(OutputContentsName(targets.response.contents.load()));
    status["server_inflight"] = targets.metrics.ServerInflight();
    status["server_inflight_peak"] = targets.metrics.ServerInflightPeak();
    return Ok(status.dump());
  }
  return Error("unknown command '" + command + "' (try 'help')");
}

}  // namespace protifer::kserve_stub

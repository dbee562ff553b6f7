// protifer::obs::Logger: one JSON object per line, shaped like pino's output so that whatever
// reads protifer's worker logs (pino-pretty, Loki/Grafana queries on `level` and `jobId`) reads
// ours too.
//
// Line layout, in this order (pino's):
//   {"level":30,"time":1718000000000,"pid":7,"hostname":"h","name":"prediction-worker",
//    <bindings and call fields>,"msg":"Processing prediction job"}
// - level: pino's number (log_level.h); time: epoch milliseconds (Date.now()); pid, hostname as
//   pino (getpid(), gethostname()); name: the service name, omitted when empty, as pino does.
// - Bindings come from Child() (e.g. jobId, request_id, trace_id for every line of one job,
//   spec §6.2); call fields come from the call. A call field replaces a binding with the same key.
//   Both appear in key order. Keys that would clash with the fixed fields above (level, time, pid,
//   hostname, name, msg) are dropped rather than written twice.
// - Every line goes through RedactForLog and the message through ScrubSequences (redaction.h):
//   no sequence or secret is ever written, whatever the caller passes.
// - Strings are escaped by nlohmann::json; invalid UTF-8 becomes U+FFFD instead of an exception
//   or a broken line.
//
// Not done (protifer does it, we do not): pretty printing when NODE_ENV != production (pipe
// through pino-pretty if you want it), and stack traces in `err`.
//
// Thread-safe: a Logger and its children may be used from any thread (gRPC callbacks included).
// Logging never throws and never blocks on anything but the sink's mutex.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "obs/log_level.h"
#include "obs/log_sink.h"

namespace protifer::obs {

struct LoggerOptions {
  // The service name written as `name` ("prediction-worker", "embedding-worker").
  std::string name;
  // Lines below this level are not formatted at all.
  LogLevel level = kDefaultLogLevel;
  // Empty = a FileLogSink on stdout.
  std::shared_ptr<LogSink> sink;
  // Epoch milliseconds for `time`. Empty = the system clock. Tests inject a fixed clock.
  std::function<std::int64_t()> clock_ms;
  // Empty = gethostname(). Set in tests to avoid depending on the machine.
  std::string hostname;
};

class Logger {
 public:
  explicit Logger(LoggerOptions options);

  // A logger that adds `bindings` (a JSON object; anything else is ignored) to every line, like
  // pino's child(). It shares the sink and copies the level. Bindings are redacted once, here.
  Logger Child(const nlohmann::json& bindings) const;

  bool Enabled(LogLevel level) const noexcept {
    return level != LogLevel::kSilent && level >= level_;
  }
  LogLevel level() const noexcept { return level_; }
  const std::string& name() const noexcept;

  // `fields` must be a JSON object (null = none; any other value is written under "value").
  // Never throws: a line that cannot be built (out of memory) is dropped.
  void Log(LogLevel level, std::string_view msg,
           const nlohmann::json& fields = nlohmann::json()) const noexcept;

  void Trace(std::string_view msg, const nlohmann::json& fields = nlohmann::json()) const noexcept {
    Log(LogLevel::kTrace, msg, fields);
  }
  void Debug(std::string_view msg, const nlohmann::json& fields = nlohmann::json()) const noexcept {
    Log(LogLevel::kDebug, msg, fields);
  }
  void Info(std::string_view msg, const nlohmann::json& fields = nlohmann::json()) const noexcept {
    Log(LogLevel::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, const nlohmann::json& fields = nlohmann::json()) const noexcept {
    Log(LogLevel::kWarn, msg, fields);
  }
  void Error(std::string_view msg, const nlohmann::json& fields = nlohmann::json()) const noexcept {
    Log(LogLevel::kError, msg, fields);
  }
  void Fatal(std::string_view msg, const nlohmann::json& fields = nlohmann::json()) const noexcept {
    Log(LogLevel::kFatal, msg, fields);
  }

 private:
  struct Shared;  // name, pid, hostname, sink, clock: fixed for a logger and all its children

  Logger(std::shared_ptr<const Shared> shared, LogLevel level, nlohmann::json bindings);
  std::string FormatLine(LogLevel level, std::string_view msg, const nlohmann::json& fields) const;

  std::shared_ptr<const Shared> shared_;
  LogLevel level_;
  nlohmann::json bindings_;  // an object, already redacted
};

// pino's `err` shape without the stack: {"type": "<demangled exception type>", "message": what()}.
// Use as a field: logger.Error("prediction-worker job failed", {{"jobId", id}, {"err",
// ErrorField(e)}}).
nlohmann::json ErrorField(const std::exception& error);

}  // namespace protifer::obs

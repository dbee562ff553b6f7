#include "obs/json_logger.h"

#include <cxxabi.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <typeinfo>
#include <utility>

#include "obs/redaction.h"

namespace protifer::obs {

struct Logger::Shared {
  std::string name;
  std::string name_json;      // the name, already a JSON string
  std::string hostname_json;  // the hostname, already a JSON string
  std::int64_t pid = 0;
  std::shared_ptr<LogSink> sink;
  std::function<std::int64_t()> clock_ms;
};

namespace {

constexpr std::array<std::string_view, 6> kFixedKeys = {"level",    "time", "pid",
                                                        "hostname", "name", "msg"};

bool IsFixedKey(std::string_view key) {
  for (const std::string_view fixed : kFixedKeys) {
    if (key == fixed) return true;
  }
  return false;
}

// Never throws on invalid UTF-8: each bad byte becomes U+FFFD.
std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string HostName() {
  std::array<char, 256> buffer{};
  if (::gethostname(buffer.data(), buffer.size() - 1) != 0) return "unknown";
  return std::string(buffer.data());
}

std::int64_t SystemClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A JSON object for bindings or fields: objects are redacted, null means none, anything else is
// kept under "value" so that it is not silently lost.
nlohmann::json AsRedactedObject(const nlohmann::json& fields) {
  if (fields.is_null()) return nlohmann::json::object();
  if (fields.is_object()) return RedactForLog(fields);
  return RedactForLog(nlohmann::json{{"value", fields}});
}

}  // namespace

Logger::Logger(LoggerOptions options) {
  auto shared = std::make_shared<Shared>();
  shared->name = std::move(options.name);
  shared->name_json = DumpJson(shared->name);
  shared->hostname_json = DumpJson(options.hostname.empty() ? HostName() : options.hostname);
  shared->pid = static_cast<std::int64_t>(::getpid());
  shared->sink = options.sink ? std::move(options.sink) : std::make_shared<FileLogSink>(stdout);
  shared->clock_ms = options.clock_ms ? std::move(options.clock_ms) : SystemClockMs;
  shared_ = std::move(shared);
  level_ = options.level;
  bindings_ = nlohmann::json::object();
}

Logger::Logger(std::shared_ptr<const Shared> shared, LogLevel level, nlohmann::json bindings)
    : shared_(std::move(shared)), level_(level), bindings_(std::move(bindings)) {}

Logger Logger::Child(const nlohmann::json& bindings) const {
  nlohmann::json merged = bindings_;
  if (bindings.is_object()) {
    merged.update(AsRedactedObject(bindings));  // later keys replace earlier ones
  }
  return Logger(shared_, level_, std::move(merged));
}

const std::string& Logger::name() const noexcept { return shared_->name; }

std::string Logger::FormatLine(LogLevel level, std::string_view msg,
                               const nlohmann::json& fields) const {
  std::string line;
  line.reserve(160 + msg.size());
  line += "{\"level\":";
  line += std::to_string(PinoLevelNumber(level));
  line += ",\"time\":";
  line += std::to_string(shared_->clock_ms());
  line += ",\"pid\":";
  line += std::to_string(shared_->pid);
  line += ",\"hostname\":";
  line += shared_->hostname_json;
  if (!shared_->name.empty()) {
    line += ",\"name\":";
    line += shared_->name_json;
  }

  const auto append_field = [&line](const std::string& key, const nlohmann::json& value) {
    if (IsFixedKey(key)) return;
    line += ',';
    line += DumpJson(key);
    line += ':';
    line += DumpJson(value);
  };
  if (fields.is_null()) {
    for (const auto& [key, value] : bindings_.items()) append_field(key, value);
  } else {
    nlohmann::json merged = bindings_;
    merged.update(AsRedactedObject(fields));  // a call field replaces a binding
    for (const auto& [key, value] : merged.items()) append_field(key, value);
  }

  line += ",\"msg\":";
  line += DumpJson(ScrubSequences(msg));
  line += "}\n";
  return line;
}

void Logger::Log(LogLevel level, std::string_view msg,
                 const nlohmann::json& fields) const noexcept {
  if (!Enabled(level)) return;
  try {
    const std::string line = FormatLine(level, msg, fields);
    shared_->sink->WriteLine(line);
  } catch (...) {
    // Out of memory or a throwing clock: the line is lost, the worker keeps running.
  }
}

nlohmann::json ErrorField(const std::exception& error) {
  const char* mangled = typeid(error).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string type = (status == 0 && demangled != nullptr) ? demangled : mangled;
  std::free(demangled);
  return nlohmann::json{{"type", std::move(type)}, {"message", std::string(error.what())}};
}

}  // namespace protifer::obs

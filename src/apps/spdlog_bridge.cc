#include "apps/spdlog_bridge.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace protifer::apps {

namespace {

obs::LogLevel PinoLevel(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return obs::LogLevel::kTrace;
    case spdlog::level::debug:
      return obs::LogLevel::kDebug;
    case spdlog::level::info:
      return obs::LogLevel::kInfo;
    case spdlog::level::warn:
      return obs::LogLevel::kWarn;
    case spdlog::level::err:
      return obs::LogLevel::kError;
    case spdlog::level::critical:
      return obs::LogLevel::kFatal;
    default:
      return obs::LogLevel::kSilent;
  }
}

spdlog::level::level_enum SpdlogLevel(obs::LogLevel level) {
  switch (level) {
    case obs::LogLevel::kTrace:
      return spdlog::level::trace;
    case obs::LogLevel::kDebug:
      return spdlog::level::debug;
    case obs::LogLevel::kInfo:
      return spdlog::level::info;
    case obs::LogLevel::kWarn:
      return spdlog::level::warn;
    case obs::LogLevel::kError:
      return spdlog::level::err;
    case obs::LogLevel::kFatal:
      return spdlog::level::critical;
    case obs::LogLevel::kSilent:
      break;
  }
  return spdlog::level::off;
}

// The JSON logger is thread-safe itself, hence the null mutex.
class JsonLoggerSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit JsonLoggerSink(obs::Logger logger) : logger_(std::move(logger)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    logger_.Log(PinoLevel(message.level),
                std::string_view(message.payload.data(), message.payload.size()));
  }
  void flush_() override {}

 private:
  obs::Logger logger_;
};

}  // namespace

std::shared_ptr<spdlog::logger> MakeBridgedSpdlogLogger(const std::string& component,
                                                        const obs::Logger& logger) {
  auto sink = std::make_shared<JsonLoggerSink>(logger.Child({{"component", component}}));
  auto bridged = std::make_shared<spdlog::logger>(component, std::move(sink));
  bridged->set_level(SpdlogLevel(logger.level()));
  return bridged;
}

}  // namespace protifer::apps

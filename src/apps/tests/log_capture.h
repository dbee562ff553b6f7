// A JSON logger whose lines a test can read back.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "obs/json_logger.h"
#include "obs/log_sink.h"

namespace protifer::apps::testing {

class LogCapture {
 public:
  explicit LogCapture(obs::LogLevel level = obs::LogLevel::kTrace)
      : sink_(std::make_shared<obs::OstreamLogSink>(stream_)),
        logger_(obs::LoggerOptions{"test-worker", level, sink_, [] { return 0; }, "host"}) {}

  const obs::Logger& logger() const { return logger_; }

  std::vector<nlohmann::json> Lines() const {
    std::vector<nlohmann::json> lines;
    std::istringstream in(stream_.str());
    for (std::string line; std::getline(in, line);) {
      lines.push_back(nlohmann::json::parse(line));
    }
    return lines;
  }

  std::vector<std::string> Messages() const {
    std::vector<std::string> messages;
    for (const auto& line : Lines()) {
      messages.push_back(line.value("msg", ""));
    }
    return messages;
  }

 private:
  std::ostringstream stream_;
  std::shared_ptr<obs::LogSink> sink_;
  obs::Logger logger_;
};

}  // namespace protifer::apps::testing

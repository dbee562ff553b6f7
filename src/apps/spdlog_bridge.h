// Routes spdlog output (the queue runtime logs through spdlog) into the worker's JSON log, so a
// worker writes one log format only. Each line gets `component` set to the logger's name.
#pragma once

#include <memory>
#include <string>

#include "obs/json_logger.h"

namespace spdlog {
class logger;
}

namespace protifer::apps {

// An spdlog logger named `component` whose lines become `logger` lines at the matching pino
// level. Its level follows the JSON logger's, so disabled lines are not even formatted.
std::shared_ptr<spdlog::logger> MakeBridgedSpdlogLogger(const std::string& component,
                                                        const obs::Logger& logger);

}  // namespace protifer::apps

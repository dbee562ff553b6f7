// The command line both workers accept. Everything else is configured by environment variables
// (protifer's names), so the flags only inform: --help, --describe, --version.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace protifer::apps {

struct ProgramInfo {
  std::string_view name;     // "prediction-worker"
  std::string_view summary;  // one paragraph for --help
  // The settings table (config::FormatDescribeTable of the worker's schema).
  std::function<std::string()> describe;
};

// "<name> <project version> (bullmq <version of the embedded scripts>)".
std::string VersionLine(std::string_view name);

// Handles the flags. Returns nullopt when the worker should run (no arguments), else the exit
// code: 0 after --help/--describe/--version, 2 for anything else (with the usage on `err`).
std::optional<int> HandleCommandLine(int argc, const char* const* argv, const ProgramInfo& info,
                                     std::ostream& out, std::ostream& err);

}  // namespace protifer::apps

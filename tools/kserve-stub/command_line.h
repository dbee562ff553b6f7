// Flags of the kserve-stub binary (`--name=value` or `--name value`), parsed into StubOptions.
#pragma once

#include <string>
#include <vector>

#include "json_log.h"
#include "server.h"

namespace protifer::kserve_stub {

struct CommandLine {
  StubOptions options;
  LogLevel log_level = LogLevel::kInfo;
  bool help = false;
  std::string error;  // non-empty: print it and exit 2
};

CommandLine ParseCommandLine(const std::vector<std::string>& args);  // args without argv[0]

// The --help text: every flag, its default and what it is for.
std::string UsageText();

}  // namespace protifer::kserve_stub

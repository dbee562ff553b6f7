#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "faultproxy/fault_proxy.h"

namespace protifer::faultproxy {

struct CommandLine {
  FaultProxyOptions options;
  bool show_help = false;
  std::string error;  // non-empty: the flags are unusable (exit 2)
};

// Parses the faultproxy flags (argv without the program name). Both "--flag value" and
// "--flag=value" are accepted.
CommandLine ParseCommandLine(const std::vector<std::string_view>& arguments);

// The --help text: every flag, the schedule grammar and the control protocol.
std::string_view UsageText();

}  // namespace protifer::faultproxy

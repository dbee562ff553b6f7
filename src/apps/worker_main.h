// The main() both worker binaries share: signals first, then the command line, the
// configuration (exit 1 listing every problem), then the worker itself.
#pragma once

#include <exception>
#include <functional>
#include <iostream>
#include <string>

#include "apps/command_line.h"
#include "apps/shutdown_signal.h"
#include "apps/worker_service.h"
#include "config/environment.h"
#include "config/load_or_exit.h"

namespace protifer::apps {

// `load` reads the configuration (config::Load…WorkerConfig); `run` builds the worker from it
// and returns the exit code. A start-up exception becomes a fatal log line and exit 1.
template <typename Config>
int WorkerMain(int argc, char** argv, const ProgramInfo& info,
               Config (*load)(const config::Environment&),
               const std::function<int(const Config&, ShutdownSignal&)>& run) {
  ShutdownSignal shutdown;  // first: blocks SIGTERM/SIGINT before any thread starts
  if (const auto exit_code = HandleCommandLine(argc, argv, info, std::cout, std::cerr)) {
    return *exit_code;
  }
  const Config config = config::LoadOrExit([load] { return load(config::ProcessEnvironment()); });
  try {
    return run(config, shutdown);
  } catch (const std::exception& error) {
    return ReportStartupFailure(std::string(info.name), config.log.level, error);
  }
}

}  // namespace protifer::apps

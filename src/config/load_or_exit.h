// Fail fast at boot on a bad configuration, the way protifer's loadConfigOrExit does.
#pragma once

#include <ostream>
#include <type_traits>
#include <utility>

#include "config/config_error.h"

namespace protifer::config {

// What protifer prints: console.error(`\nFatal: ${err.message}\n`), i.e. a blank line,
// "Fatal: " and the aggregated message, then the template's newline and console.error's own.
void WriteFatalConfigError(std::ostream& out, const ConfigValidationError& error);

// Writes WriteFatalConfigError to stderr and exits with status 1.
[[noreturn]] void ExitOnConfigError(const ConfigValidationError& error);

// Runs `load` (e.g. [&] { return LoadPredictionWorkerConfig(ProcessEnvironment()); }) and
// returns its config. A ConfigValidationError ends the process with status 1 (the message
// names settings and problems, never a secret's value); any other exception propagates, as a
// bug rather than a bad deployment.
template <typename Load>
auto LoadOrExit(Load&& load) -> std::invoke_result_t<Load&&> {
  try {
    return std::forward<Load>(load)();
  } catch (const ConfigValidationError& error) {
    ExitOnConfigError(error);
  }
}

}  // namespace protifer::config

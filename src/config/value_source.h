// Where a field's text comes from: `<ENV>`, `<ENV>_FILE`, or nowhere (protifer's readConfig /
// readSecret, contract section 5.5).
//
//   config: `<ENV>` wins, then the file named by `<ENV>_FILE`, then unset (default applies)
//   secret: the file named by `<ENV>_FILE` wins, then `<ENV>`, then unset
//
// An empty `<ENV>` or `<ENV>_FILE` counts as unset. The file's content minus trailing
// whitespace is the value, even when that leaves it empty (a mounted but empty secret is an
// error, not a reason to fall back to the environment). Why secrets prefer the file: the
// orchestrator's secret store is the more trusted channel, while plain variables leak into
// `docker inspect`, /proc/<pid>/environ and child processes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/environment.h"
#include "config/field_spec.h"

namespace protifer::config {

struct FieldText {
  enum class Source { kUnset, kEnvironment, kFile };
  Source source = Source::kUnset;
  std::string text;  // when source != kUnset
  // A set `<ENV>_FILE` that could not be read:
  //   "Failed to read config|secret <ENV> from <path>: <cause>"
  // It names the path and the cause, never the content or the `<ENV>` value.
  std::optional<std::string> error;
};

FieldText ReadFieldText(FieldKind kind, std::string_view env_name, const Environment& env);

// protifer's messages for a required field that is unset.
//   config: "Missing required config value. Set <ENV> (or <ENV>_FILE) in the service environment."
//   secret: "Missing required secret. Set <ENV>_FILE or <ENV>."
std::string MissingValueMessage(FieldKind kind, std::string_view env_name);

}  // namespace protifer::config

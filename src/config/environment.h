// Where configuration values come from: a lookup of environment variables by name.
//
// Loading never reads the process environment directly; it is handed an Environment, so tests
// (and tools such as --describe) can load a configuration from a plain map without touching
// the real environment of the test process.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace protifer::config {

// Returns the variable's value, or nullopt when it is not set. An empty value is returned as
// an empty string; the loader decides what "empty" means (protifer: unset).
using Environment = std::function<std::optional<std::string>(std::string_view name)>;

// The environment of this process (getenv). Reads happen at lookup time.
Environment ProcessEnvironment();

// A fixed set of variables, copied in.
using EnvironmentMap = std::map<std::string, std::string, std::less<>>;
Environment MapEnvironment(EnvironmentMap variables);

}  // namespace protifer::config

#include "config/environment.h"

#include <cstdlib>
#include <utility>

namespace protifer::config {

Environment ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // getenv needs a NUL-terminated name; names are short, the copy is irrelevant.
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

Environment MapEnvironment(EnvironmentMap variables) {
  return [vars = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

}  // namespace protifer::config

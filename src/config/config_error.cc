#include "config/config_error.h"

#include <utility>

namespace protifer::config {

std::string FormatConfigIssues(const std::vector<ConfigIssue>& issues) {
  std::string text = "Configuration validation failed:";
  for (const ConfigIssue& issue : issues) {
    text.append("\n  \u2022 ").append(issue.path.empty() ? "(root)" : issue.path);
    if (!issue.env_name.empty()) {
      text.append(" [").append(issue.env_name).append("]");
    }
    text.append(": ").append(issue.message);
  }
  return text;
}

ConfigValidationError::ConfigValidationError(std::vector<ConfigIssue> issues)
    : std::runtime_error(FormatConfigIssues(issues)), issues_(std::move(issues)) {}

}  // namespace protifer::config

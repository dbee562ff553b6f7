// The errors of the configuration layer.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace protifer::config {

// One problem with one setting.
struct ConfigIssue {
  std::string path;      // dotted path in the typed config, e.g. "triton.deadlineMs"
  std::string env_name;  // e.g. "TRITON_DEADLINE_MS"
  std::string message;   // never contains the value of a secret
};

// Every problem found while loading, reported at once so an operator fixes a deployment in
// one round. what() is protifer's text:
//   Configuration validation failed:
//     • triton.url [TRITON_URL]: Missing required config value. Set TRITON_URL (or ...
// with one line per issue, in schema order.
class ConfigValidationError : public std::runtime_error {
 public:
  explicit ConfigValidationError(std::vector<ConfigIssue> issues);
  const std::vector<ConfigIssue>& issues() const { return issues_; }

 private:
  std::vector<ConfigIssue> issues_;
};

std::string FormatConfigIssues(const std::vector<ConfigIssue>& issues);

// A schema that cannot be right (a field without description, a secret with a default, a
// default outside the field's own range, a duplicate variable...). Thrown while the schema is
// built, i.e. at the first use of it, which every test of the schema exercises.
class SchemaDefinitionError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

}  // namespace protifer::config

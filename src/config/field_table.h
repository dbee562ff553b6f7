// The untyped core of a schema: the ordered list of field specs, and loading all of them from
// an environment with every problem collected. Schema<Config> (schema.h) adds the typed
// binding on top; keeping this part out of the template keeps the template small.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/environment.h"
#include "config/field_spec.h"

namespace protifer::config {

struct LoadedField {
  std::optional<FieldValue> value;  // the coerced text, or the default
  bool failed = false;              // an issue was reported for this field
};

struct IndexedIssue {
  std::size_t field;  // index in the table: issues are reported in schema order
  std::string message;
};

struct TableLoad {
  std::vector<LoadedField> fields;  // one per spec, same order
  std::vector<IndexedIssue> issues;
};

class FieldTable {
 public:
  // Validates the spec (ValidateFieldSpec) and its relation to earlier fields: unique path and
  // variable (also against the `_FILE` names), a RequiredWhen that names an earlier enum field
  // and one of its choices. Throws SchemaDefinitionError. Returns the field's index.
  std::size_t Add(FieldSpec spec);

  // Throws SchemaDefinitionError for an unknown path.
  std::size_t IndexOf(std::string_view path) const;

  const std::vector<FieldSpec>& specs() const { return specs_; }

  // Reads, coerces and validates every field in order. Never throws for bad input: problems
  // are returned as issues.
  TableLoad Load(const Environment& env) const;

  // Issues as reported to the operator, in schema order (stable for one field's issues).
  std::vector<ConfigIssue> ToIssues(std::vector<IndexedIssue> issues) const;

 private:
  std::vector<FieldSpec> specs_;
};

}  // namespace protifer::config

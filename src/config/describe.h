// What a worker can be configured with, for `--describe` and documentation. Built from the
// schema alone: it never sees an environment, so it cannot print a value.
#pragma once

#include <string>
#include <vector>

#include "config/field_spec.h"
#include "config/field_table.h"

namespace protifer::config {

struct FieldDoc {
  std::string path;      // "triton.deadlineMs"
  std::string env_name;  // "TRITON_DEADLINE_MS" (also settable as TRITON_DEADLINE_MS_FILE)
  FieldKind kind = FieldKind::kConfig;
  std::string type;  // TypeDescription(): "ms 1..2147483647", "enum s3|filesystem"
  bool has_default = false;
  std::string default_repr;  // has_default: as JavaScript shows it ("9090", "\"s3\"", "true")
  // "required", "optional" or "required if STORAGE_DRIVER=s3"; empty when has_default.
  std::string requirement;
  std::string description;
};

std::vector<FieldDoc> DescribeFields(const FieldTable& table);

// Aligned plain text: a header line, one line per setting (ENV, KIND, TYPE, DEFAULT, PATH,
// DESCRIPTION; DEFAULT shows "(required)" etc. when there is none), then a note on `_FILE`.
std::string FormatDescribeTable(const std::vector<FieldDoc>& docs);

}  // namespace protifer::config

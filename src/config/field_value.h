// Turning the text of a setting into a typed value, with protifer's checks and messages.
//
// protifer validates each field with zod 4 (z.coerce.number().int().positive(), z.enum(...),
// z.url(), a boolean-string transform), so the messages below are zod's English messages,
// e.g. "Invalid input: expected int, received number" or
// "Too big: expected number to be <=65535". Operators see the same lines as before. Messages
// never quote the value, except protifer's boolean message, which quotes it (booleans are
// never secrets: ValidateFieldSpec keeps secrets to plain strings).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/field_spec.h"

namespace protifer::config {

struct Coercion {
  std::optional<FieldValue> value;    // set when there is no problem
  std::vector<std::string> problems;  // zod joins several with "; " (see JoinProblems)
};

// Validates and converts `text` (from the environment or a _FILE) for the field.
Coercion CoerceFieldValue(const FieldSpec& spec, std::string_view text);

// Checks a typed value (a default) against the field's type and bounds. Does not touch the
// filesystem (a default file path need not exist where the schema is built).
std::vector<std::string> CheckTypedValue(const FieldSpec& spec, const FieldValue& value);

std::string JoinProblems(const std::vector<std::string>& problems);

// The URL check behind kUrl: what WHATWG URL parsing (zod's z.url() is `new URL(s)`) accepts,
// for the cases that matter for an endpoint: a scheme, and for the special schemes http, https,
// ws, wss and ftp a non-empty host without forbidden characters and a port <= 65535.
// Surrounding whitespace is ignored.
bool IsAbsoluteUrl(std::string_view text);

}  // namespace protifer::config

// The declaration of one setting: where it is read from, what it means, what it accepts.
//
//   ConfigField("metrics.port", "METRICS_PORT", "Port of the Prometheus /metrics server.")
//       .Port()
//       .Default(9090)
//
// A FieldSpec is pure data; Schema (schema.h) binds it to a member of a typed config struct,
// and field_value.h turns text from the environment into a FieldValue with protifer's checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace protifer::config {

enum class FieldKind {
  kConfig,  // `<ENV>` wins over `<ENV>_FILE`; may have a default
  kSecret,  // `<ENV>_FILE` wins over `<ENV>`; never a default; never printed
};

enum class ValueType {
  kString,          // non-empty text, taken as is
  kPort,            // integer 1..65535 (Number() coercion)
  kPositiveInt,     // integer > 0 (Number() coercion), at most 2^53-1 unless Max() lowers it
  kNonNegativeInt,  // integer >= 0 (Number() coercion)
  kBool,            // true/1/yes or false/0/no, trimmed, any case
  kEnum,            // exactly one of the declared choices
  kUrl,             // absolute URL (scheme ":" ...; special schemes need a host)
  kDurationMs,      // milliseconds, an integer > 0 (Number() coercion), <= 2^31-1
  kFilePath,        // path of a file that must be readable when the config is loaded
};

std::string_view FieldKindName(FieldKind kind);  // "config" / "secret"

// A value after coercion: text for string-like types, int64 for integers and durations (ms),
// bool for booleans.
using FieldValue = std::variant<std::string, std::int64_t, bool>;

// Number.MAX_SAFE_INTEGER: zod's `.int()` refuses integers a double cannot hold exactly.
inline constexpr std::int64_t kMaxSafeInteger = 9007199254740991;
// The largest delay Node's timers honour (a larger one fires after 1 ms), so no protifer
// deployment can have relied on more; it also keeps every duration far from overflowing
// std::chrono arithmetic in nanoseconds.
inline constexpr std::int64_t kMaxDurationMs = 2147483647;

// "Required only when <path> has <value>" (e.g. the S3 credentials only for the s3 driver).
struct RequirementCondition {
  std::string path;   // an earlier field of the same schema, of enum type
  std::string value;  // one of its choices
};

// Integer range; the lower bound is either inclusive (Min) or "greater than" (positive).
struct IntegerBounds {
  std::int64_t lower = 0;
  bool lower_inclusive = true;
  std::int64_t upper = kMaxSafeInteger;
};

class FieldSpec {
 public:
  FieldSpec(FieldKind kind, std::string path, std::string env_name, std::string description);

  // ---- type (default: kString) ----
  FieldSpec& String();
  FieldSpec& Port();
  FieldSpec& PositiveInt();
  FieldSpec& NonNegativeInt();
  FieldSpec& Bool();
  FieldSpec& Enum(std::vector<std::string> choices);
  FieldSpec& Url();
  FieldSpec& DurationMs();
  FieldSpec& FilePath();

  // ---- integer/duration bounds (after the type) ----
  FieldSpec& Min(std::int64_t inclusive_lower);
  FieldSpec& Max(std::int64_t inclusive_upper);

  // ---- presence ----
  FieldSpec& Default(int value);
  FieldSpec& Default(std::int64_t value);
  FieldSpec& Default(std::chrono::milliseconds value);
  FieldSpec& Default(bool value);
  FieldSpec& Default(const char* value);
  FieldSpec& Default(std::string value);
  // Absent is fine: the bound member keeps its initial value (e.g. an empty path).
  FieldSpec& Optional();
  // Required only when another field has a given value; otherwise like Optional().
  FieldSpec& RequiredWhen(std::string path, std::string value);

  FieldKind kind() const { return kind_; }
  const std::string& path() const { return path_; }
  const std::string& env_name() const { return env_name_; }
  const std::string& description() const { return description_; }
  ValueType type() const { return type_; }
  const IntegerBounds& bounds() const { return bounds_; }
  const std::vector<std::string>& choices() const { return choices_; }
  const std::optional<FieldValue>& default_value() const { return default_value_; }
  bool is_optional() const { return optional_; }
  const std::optional<RequirementCondition>& required_when() const { return required_when_; }

  bool IsIntegerType() const;

  // Narrows the integer bounds to what a bound member of that range can hold (Schema does this
  // for an `int` member, so its limit shows in messages and --describe).
  void ClampBounds(std::int64_t member_min, std::int64_t member_max);

 private:
  FieldSpec& SetType(ValueType type);

  FieldKind kind_;
  std::string path_;
  std::string env_name_;
  std::string description_;
  ValueType type_ = ValueType::kString;
  IntegerBounds bounds_;
  std::vector<std::string> choices_;
  std::optional<FieldValue> default_value_;
  bool optional_ = false;
  std::optional<RequirementCondition> required_when_;
};

inline FieldSpec ConfigField(std::string path, std::string env_name, std::string description) {
  return FieldSpec(FieldKind::kConfig, std::move(path), std::move(env_name),
                   std::move(description));
}

inline FieldSpec SecretField(std::string path, std::string env_name, std::string description) {
  return FieldSpec(FieldKind::kSecret, std::move(path), std::move(env_name),
                   std::move(description));
}

// Throws SchemaDefinitionError unless the spec is complete and self-consistent: a non-empty
// description, a valid path and variable name, no default on a secret, secrets of string type
// only (a typed secret would need messages that could echo it), a default that passes the
// field's own validation, at most one of default/Optional/RequiredWhen.
void ValidateFieldSpec(const FieldSpec& spec);

// "port 1..65535", "integer >= 0", "enum s3|filesystem", ... for --describe.
std::string TypeDescription(const FieldSpec& spec);

// A default as JavaScript would show it (protifer's describe(): JSON.stringify for strings,
// String() otherwise): "\"s3\"", "9090", "true".
std::string DefaultRepresentation(const FieldValue& value);

}  // namespace protifer::config

#include "config/field_spec.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "config/config_error.h"
#include "config/field_value.h"
#include "core/js_json.h"

namespace protifer::config {
namespace {

[[noreturn]] void Fail(const FieldSpec& spec, const std::string& why) {
  throw SchemaDefinitionError("config field " + spec.path() + " [" + spec.env_name() + "]: " + why);
}

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

// Upper-case letters, digits and underscores, not starting with a digit: a name every shell
// and orchestrator can set.
bool IsValidEnvName(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// Dot-separated identifiers: "triton.deadlineMs".
bool IsValidPath(std::string_view path) {
  if (path.empty() || path.front() == '.' || path.back() == '.') {
    return false;
  }
  char previous = '.';
  for (const char c : path) {
    if (c == '.') {
      if (previous == '.') {
        return false;
      }
    } else if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
      return false;
    }
    previous = c;
  }
  return true;
}

}  // namespace

std::string_view FieldKindName(FieldKind kind) {
  return kind == FieldKind::kSecret ? "secret" : "config";
}

FieldSpec::FieldSpec(FieldKind kind, std::string path, std::string env_name,
                     std::string description)
    : kind_(kind),
      path_(std::move(path)),
      env_name_(std::move(env_name)),
      description_(std::move(description)) {}

FieldSpec& FieldSpec::SetType(ValueType type) {
  type_ = type;
  choices_.clear();
  switch (type) {
    case ValueType::kPort:
      bounds_ = IntegerBounds{1, true, 65535};
      break;
    case ValueType::kPositiveInt:
      bounds_ = IntegerBounds{0, false, kMaxSafeInteger};
      break;
    case ValueType::kNonNegativeInt:
      bounds_ = IntegerBounds{0, true, kMaxSafeInteger};
      break;
    case ValueType::kDurationMs:
      bounds_ = IntegerBounds{0, false, kMaxDurationMs};
      break;
    default:
      bounds_ = IntegerBounds{};
      break;
  }
  return *this;
}

FieldSpec& FieldSpec::String() { return SetType(ValueType::kString); }
FieldSpec& FieldSpec::Port() { return SetType(ValueType::kPort); }
FieldSpec& FieldSpec::PositiveInt() { return SetType(ValueType::kPositiveInt); }
FieldSpec& FieldSpec::NonNegativeInt() { return SetType(ValueType::kNonNegativeInt); }
FieldSpec& FieldSpec::Bool() { return SetType(ValueType::kBool); }
FieldSpec& FieldSpec::Url() { return SetType(ValueType::kUrl); }
FieldSpec& FieldSpec::DurationMs() { return SetType(ValueType::kDurationMs); }
FieldSpec& FieldSpec::FilePath() { return SetType(ValueType::kFilePath); }

FieldSpec& FieldSpec::Enum(std::vector<std::string> choices) {
  SetType(ValueType::kEnum);
  choices_ = std::move(choices);
  return *this;
}

FieldSpec& FieldSpec::Min(std::int64_t inclusive_lower) {
  bounds_.lower = inclusive_lower;
  bounds_.lower_inclusive = true;
  return *this;
}

FieldSpec& FieldSpec::Max(std::int64_t inclusive_upper) {
  bounds_.upper = inclusive_upper;
  return *this;
}

FieldSpec& FieldSpec::Default(int value) { return Default(static_cast<std::int64_t>(value)); }
FieldSpec& FieldSpec::Default(std::int64_t value) {
  default_value_ = value;
  return *this;
}
FieldSpec& FieldSpec::Default(std::chrono::milliseconds value) {
  default_value_ = static_cast<std::int64_t>(value.count());
  return *this;
}
FieldSpec& FieldSpec::Default(bool value) {
  default_value_ = value;
  return *this;
}
FieldSpec& FieldSpec::Default(const char* value) { return Default(std::string(value)); }
FieldSpec& FieldSpec::Default(std::string value) {
  default_value_ = std::move(value);
  return *this;
}

FieldSpec& FieldSpec::Optional() {
  optional_ = true;
  return *this;
}

FieldSpec& FieldSpec::RequiredWhen(std::string path, std::string value) {
  required_when_ = RequirementCondition{std::move(path), std::move(value)};
  return *this;
}

bool FieldSpec::IsIntegerType() const {
  return type_ == ValueType::kPort || type_ == ValueType::kPositiveInt ||
         type_ == ValueType::kNonNegativeInt || type_ == ValueType::kDurationMs;
}

void FieldSpec::ClampBounds(std::int64_t member_min, std::int64_t member_max) {
  bounds_.upper = std::min(bounds_.upper, member_max);
  if (bounds_.lower < member_min) {
    bounds_.lower = member_min;
    bounds_.lower_inclusive = true;
  }
}

void ValidateFieldSpec(const FieldSpec& spec) {
  if (!IsValidPath(spec.path())) {
    Fail(spec, "path must be dot-separated identifiers");
  }
  if (!IsValidEnvName(spec.env_name())) {
    Fail(spec, "environment variable names are upper-case letters, digits and underscores");
  }
  if (IsBlank(spec.description())) {
    Fail(spec, "description is required and non-empty");
  }
  if (spec.kind() == FieldKind::kSecret) {
    if (spec.default_value()) {
      Fail(spec, "a secret never has a default");
    }
    if (spec.type() != ValueType::kString) {
      Fail(spec, "secrets are plain strings");
    }
  }
  const int presence_rules = (spec.default_value() ? 1 : 0) + (spec.is_optional() ? 1 : 0) +
                             (spec.required_when() ? 1 : 0);
  if (presence_rules > 1) {
    Fail(spec, "choose one of Default, Optional and RequiredWhen");
  }
  if (spec.type() == ValueType::kEnum) {
    if (spec.choices().empty()) {
      Fail(spec, "an enum needs at least one choice");
    }
    for (const std::string& choice : spec.choices()) {
      if (choice.empty()) {
        Fail(spec, "enum choices are non-empty");
      }
      if (std::count(spec.choices().begin(), spec.choices().end(), choice) > 1) {
        Fail(spec, "duplicate enum choice \"" + choice + "\"");
      }
    }
  }
  if (spec.IsIntegerType()) {
    const IntegerBounds& b = spec.bounds();
    const std::int64_t smallest = b.lower_inclusive ? b.lower : b.lower + 1;
    if (smallest > b.upper) {
      Fail(spec, "the integer range is empty");
    }
    if (b.upper > kMaxSafeInteger || b.lower < -kMaxSafeInteger) {
      Fail(spec, "integer bounds must be within +-(2^53-1)");
    }
  }
  if (const auto& value = spec.default_value()) {
    if (const auto problems = CheckTypedValue(spec, *value); !problems.empty()) {
      Fail(spec, "the default is invalid: " + JoinProblems(problems));
    }
  }
}

std::string TypeDescription(const FieldSpec& spec) {
  switch (spec.type()) {
    case ValueType::kString:
      return "string";
    case ValueType::kBool:
      return "boolean";
    case ValueType::kUrl:
      return "url";
    case ValueType::kFilePath:
      return "file path";
    case ValueType::kEnum: {
      std::string text = "enum ";
      for (std::size_t i = 0; i < spec.choices().size(); ++i) {
        if (i > 0) {
          text += '|';
        }
        text += spec.choices()[i];
      }
      return text;
    }
    default:
      break;
  }
  const IntegerBounds& b = spec.bounds();
  const std::int64_t smallest = b.lower_inclusive ? b.lower : b.lower + 1;
  std::string text = spec.type() == ValueType::kPort         ? "port "
                     : spec.type() == ValueType::kDurationMs ? "ms "
                                                             : "integer ";
  if (b.upper >= kMaxSafeInteger) {
    return text + ">= " + std::to_string(smallest);
  }
  return text + std::to_string(smallest) + ".." + std::to_string(b.upper);
}

std::string DefaultRepresentation(const FieldValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    std::string quoted;
    core::AppendJsJsonString(quoted, *text);
    return quoted;
  }
  if (const auto* flag = std::get_if<bool>(&value)) {
    return *flag ? "true" : "false";
  }
  return std::to_string(std::get<std::int64_t>(value));
}

}  // namespace protifer::config

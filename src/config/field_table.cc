#include "config/field_table.h"

#include <algorithm>
#include <utility>

#include "config/field_value.h"
#include "config/value_source.h"

namespace protifer::config {
namespace {

// Whether a field that is absent must be reported as missing.
bool IsRequired(const FieldSpec& spec, const FieldTable& table,
                const std::vector<LoadedField>& loaded) {
  if (spec.default_value() || spec.is_optional()) {
    return false;
  }
  const auto& condition = spec.required_when();
  if (!condition) {
    return true;
  }
  // The controlling field comes earlier, so it is loaded already. When it failed its own issue
  // explains the problem; guessing which driver was meant would only add noise.
  const LoadedField& controller = loaded[table.IndexOf(condition->path)];
  if (controller.failed || !controller.value) {
    return false;
  }
  const auto* text = std::get_if<std::string>(&*controller.value);
  return text != nullptr && *text == condition->value;
}

}  // namespace

std::size_t FieldTable::Add(FieldSpec spec) {
  ValidateFieldSpec(spec);
  for (const FieldSpec& other : specs_) {
    const auto clash = [&](std::string_view what) {
      throw SchemaDefinitionError("config field " + spec.path() + " [" + spec.env_name() +
                                  "]: " + std::string(what) + " already used by " + other.path() +
                                  " [" + other.env_name() + "]");
    };
    if (other.path() == spec.path()) {
      clash("path");
    }
    if (other.env_name() == spec.env_name()) {
      clash("variable");
    }
    if (other.env_name() + "_FILE" == spec.env_name() ||
        spec.env_name() + "_FILE" == other.env_name()) {
      clash("variable (as a _FILE variant)");
    }
  }
  if (const auto& condition = spec.required_when()) {
    const auto controller = std::find_if(specs_.begin(), specs_.end(), [&](const FieldSpec& other) {
      return other.path() == condition->path;
    });
    if (controller == specs_.end() || controller->type() != ValueType::kEnum) {
      throw SchemaDefinitionError("config field " + spec.path() + ": RequiredWhen must name an " +
                                  "earlier enum field, not \"" + condition->path + "\"");
    }
    const auto& choices = controller->choices();
    if (std::find(choices.begin(), choices.end(), condition->value) == choices.end()) {
      throw SchemaDefinitionError("config field " + spec.path() + ": \"" + condition->value +
                                  "\" is not a choice of " + condition->path);
    }
  }
  specs_.push_back(std::move(spec));
  return specs_.size() - 1;
}

std::size_t FieldTable::IndexOf(std::string_view path) const {
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].path() == path) {
      return i;
    }
  }
  throw SchemaDefinitionError("unknown config field " + std::string(path));
}

TableLoad FieldTable::Load(const Environment& env) const {
  TableLoad result;
  result.fields.resize(specs_.size());
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    const FieldSpec& spec = specs_[i];
    LoadedField& field = result.fields[i];
    const auto report = [&](std::string message) {
      field.failed = true;
      result.issues.push_back(IndexedIssue{i, std::move(message)});
    };

    FieldText text = ReadFieldText(spec.kind(), spec.env_name(), env);
    if (text.error) {
      report(std::move(*text.error));
      continue;
    }
    if (text.source == FieldText::Source::kUnset) {
      if (spec.default_value()) {
        field.value = spec.default_value();
      } else if (IsRequired(spec, *this, result.fields)) {
        std::string message = MissingValueMessage(spec.kind(), spec.env_name());
        if (const auto& condition = spec.required_when()) {
          // protifer always required these; say why we do here.
          message += " Required when " + specs_[IndexOf(condition->path)].env_name() + "=" +
                     condition->value + ".";
        }
        report(std::move(message));
      }
      continue;
    }
    Coercion coerced = CoerceFieldValue(spec, text.text);
    if (!coerced.problems.empty()) {
      report(JoinProblems(coerced.problems));
      continue;
    }
    field.value = std::move(coerced.value);
  }
  return result;
}

std::vector<ConfigIssue> FieldTable::ToIssues(std::vector<IndexedIssue> issues) const {
  std::stable_sort(issues.begin(), issues.end(),
                   [](const IndexedIssue& a, const IndexedIssue& b) { return a.field < b.field; });
  std::vector<ConfigIssue> out;
  out.reserve(issues.size());
  for (IndexedIssue& issue : issues) {
    const FieldSpec& spec = specs_.at(issue.field);
    out.push_back(ConfigIssue{spec.path(), spec.env_name(), std::move(issue.message)});
  }
  return out;
}

}  // namespace protifer::config

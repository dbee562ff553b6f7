#include "config/value_source.h"

#include <utility>

#include "config/value_file.h"

namespace protifer::config {
namespace {

std::optional<std::string> NonEmpty(const Environment& env, const std::string& name) {
  std::optional<std::string> value = env(name);
  if (value && value->empty()) {
    return std::nullopt;
  }
  return value;
}

FieldText FromFile(FieldKind kind, std::string_view env_name, const std::string& path) {
  FieldText result;
  ValueFileContent content = ReadValueFile(path);
  if (!content.ok) {
    result.error = std::string("Failed to read ") + std::string(FieldKindName(kind)) + " " +
                   std::string(env_name) + " from " + path + ": " + content.error;
    return result;
  }
  result.source = FieldText::Source::kFile;
  result.text = std::move(content.value);
  return result;
}

}  // namespace

FieldText ReadFieldText(FieldKind kind, std::string_view env_name, const Environment& env) {
  const std::string name(env_name);
  const std::string file_name = name + "_FILE";
  if (kind == FieldKind::kSecret) {
    if (auto path = NonEmpty(env, file_name)) {
      return FromFile(kind, env_name, *path);
    }
    if (auto value = NonEmpty(env, name)) {
      return FieldText{FieldText::Source::kEnvironment, std::move(*value), std::nullopt};
    }
    return {};
  }
  if (auto value = NonEmpty(env, name)) {
    return FieldText{FieldText::Source::kEnvironment, std::move(*value), std::nullopt};
  }
  if (auto path = NonEmpty(env, file_name)) {
    return FromFile(kind, env_name, *path);
  }
  return {};
}

std::string MissingValueMessage(FieldKind kind, std::string_view env_name) {
  const std::string name(env_name);
  if (kind == FieldKind::kSecret) {
    return "Missing required secret. Set " + name + "_FILE or " + name + ".";
  }
  return "Missing required config value. Set " + name + " (or " + name +
         "_FILE) in the service environment.";
}

}  // namespace protifer::config

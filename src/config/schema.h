// A typed configuration schema: fields bound to the members of a config struct, plus rules
// across fields, loaded from an Environment with every problem reported at once.
//
//   struct MyConfig { int port = 9090; std::string host; };
//   const auto schema =
//       Schema<MyConfig>::Builder()
//           .Field(ConfigField("server.port", "PORT", "Listening port.").Port().Default(9090),
//                  [](MyConfig& c) -> int& { return c.port; })
//           .Field(ConfigField("server.host", "HOST", "Host name."),
//                  [](MyConfig& c) -> std::string& { return c.host; })
//           .Build();
//   MyConfig config = schema.Load(ProcessEnvironment());  // throws ConfigValidationError
//
// Member types and the field types they accept:
//   std::string               kString, kUrl, kEnum, kFilePath (empty when absent and optional)
//   bool                      kBool
//   integral types            kPort, kPositiveInt, kNonNegativeInt (bounds narrowed to the type)
//   std::chrono::milliseconds kDurationMs
//   enum types                kEnum, with a table of (text, enumerator) given to Field()
// A mismatch is a SchemaDefinitionError when the schema is built.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/config_error.h"
#include "config/describe.h"
#include "config/environment.h"
#include "config/field_spec.h"
#include "config/field_table.h"

namespace protifer::config {

// Throws SchemaDefinitionError: the field's type cannot be stored in the bound member.
[[noreturn]] void ThrowBindingMismatch(const FieldSpec& spec, std::string_view member_type);

template <typename Config>
class Schema {
 public:
  // A rule across fields: a message when the loaded config breaks it, nullopt otherwise.
  using Rule = std::function<std::optional<std::string>(const Config&)>;

  class Builder {
   public:
    // Binds the field to the member that `project` (Config& -> Member&) returns.
    template <typename Project>
    Builder& Field(FieldSpec spec, Project project);

    // Binds an enum-typed field to a C++ enum member; the table lists the accepted texts in
    // the order they are documented, and sets the field's choices.
    template <typename Project, typename Enum>
    Builder& Field(FieldSpec spec, Project project,
                   const std::vector<std::pair<std::string, Enum>>& table);

    // A rule reported on the field at `path`. It runs only when the fields at `path` and in
    // `uses` loaded without problems, so it never repeats what a field's own issue says.
    Builder& Check(const std::string& path, const std::vector<std::string>& uses, Rule rule);

    Schema Build() { return std::move(schema_); }

   private:
    Schema schema_;
  };

  // Loads every field; throws ConfigValidationError listing every problem in schema order.
  Config Load(const Environment& env) const;

  std::vector<FieldDoc> Describe() const { return DescribeFields(table_); }
  const FieldTable& table() const { return table_; }

 private:
  using Binder = std::function<void(Config&, const FieldValue&)>;
  struct CrossCheck {
    std::size_t field;
    std::vector<std::size_t> uses;
    Rule rule;
  };

  Schema() = default;

  FieldTable table_;
  std::vector<Binder> binders_;
  std::vector<CrossCheck> checks_;
};

template <typename Config>
template <typename Project>
typename Schema<Config>::Builder& Schema<Config>::Builder::Field(FieldSpec spec, Project project) {
  using Result = std::invoke_result_t<Project&, Config&>;
  static_assert(std::is_lvalue_reference_v<Result>,
                "the projection must return a reference to a member of the config");
  using Member = std::remove_reference_t<Result>;
  Binder binder;
  if constexpr (std::is_same_v<Member, std::string>) {
    const ValueType t = spec.type();
    if (t != ValueType::kString && t != ValueType::kUrl && t != ValueType::kEnum &&
        t != ValueType::kFilePath) {
      ThrowBindingMismatch(spec, "std::string");
    }
    binder = [project](Config& c, const FieldValue& v) mutable {
      project(c) = std::get<std::string>(v);
    };
  } else if constexpr (std::is_same_v<Member, bool>) {
    if (spec.type() != ValueType::kBool) {
      ThrowBindingMismatch(spec, "bool");
    }
    binder = [project](Config& c, const FieldValue& v) mutable { project(c) = std::get<bool>(v); };
  } else if constexpr (std::is_same_v<Member, std::chrono::milliseconds>) {
    if (spec.type() != ValueType::kDurationMs) {
      ThrowBindingMismatch(spec, "std::chrono::milliseconds");
    }
    binder = [project](Config& c, const FieldValue& v) mutable {
      project(c) = std::chrono::milliseconds(std::get<std::int64_t>(v));
    };
  } else if constexpr (std::is_integral_v<Member>) {
    if (!spec.IsIntegerType() || spec.type() == ValueType::kDurationMs) {
      ThrowBindingMismatch(spec, "an integer");
    }
    constexpr auto kMemberMax =
        static_cast<std::uint64_t>(std::numeric_limits<Member>::max()) >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
            ? std::numeric_limits<std::int64_t>::max()
            : static_cast<std::int64_t>(std::numeric_limits<Member>::max());
    spec.ClampBounds(static_cast<std::int64_t>(std::numeric_limits<Member>::min()), kMemberMax);
    binder = [project](Config& c, const FieldValue& v) mutable {
      project(c) = static_cast<Member>(std::get<std::int64_t>(v));
    };
  } else {
    static_assert(std::is_same_v<Member, std::string>,
                  "unsupported member type: use std::string, bool, an integer, "
                  "std::chrono::milliseconds, or an enum with a table");
  }
  schema_.table_.Add(std::move(spec));
  schema_.binders_.push_back(std::move(binder));
  return *this;
}

template <typename Config>
template <typename Project, typename Enum>
typename Schema<Config>::Builder& Schema<Config>::Builder::Field(
    FieldSpec spec, Project project, const std::vector<std::pair<std::string, Enum>>& table) {
  using Result = std::invoke_result_t<Project&, Config&>;
  static_assert(std::is_lvalue_reference_v<Result>,
                "the projection must return a reference to a member of the config");
  static_assert(std::is_same_v<std::remove_reference_t<Result>, Enum>,
                "the table's enumerators must have the member's type");
  std::vector<std::string> names;
  names.reserve(table.size());
  for (const auto& entry : table) {
    names.push_back(entry.first);
  }
  if (spec.type() == ValueType::kEnum) {
    if (spec.choices() != names) {
      ThrowBindingMismatch(spec, "an enum with other choices");
    }
  } else if (spec.type() == ValueType::kString) {
    spec.Enum(names);
  } else {
    ThrowBindingMismatch(spec, "an enum");
  }
  Binder binder = [project, table](Config& c, const FieldValue& v) mutable {
    const auto& text = std::get<std::string>(v);
    for (const auto& [name, value] : table) {
      if (name == text) {
        project(c) = value;
        return;
      }
    }
  };
  schema_.table_.Add(std::move(spec));
  schema_.binders_.push_back(std::move(binder));
  return *this;
}

template <typename Config>
typename Schema<Config>::Builder& Schema<Config>::Builder::Check(
    const std::string& path, const std::vector<std::string>& uses, Rule rule) {
  CrossCheck check{schema_.table_.IndexOf(path), {}, std::move(rule)};
  check.uses.reserve(uses.size() + 1);
  check.uses.push_back(check.field);
  for (const std::string& used : uses) {
    check.uses.push_back(schema_.table_.IndexOf(used));
  }
  schema_.checks_.push_back(std::move(check));
  return *this;
}

template <typename Config>
Config Schema<Config>::Load(const Environment& env) const {
  TableLoad loaded = table_.Load(env);
  Config config{};
  for (std::size_t i = 0; i < loaded.fields.size(); ++i) {
    const LoadedField& field = loaded.fields[i];
    if (!field.failed && field.value) {
      binders_[i](config, *field.value);
    }
  }
  for (const CrossCheck& check : checks_) {
    const bool inputs_ok = std::none_of(check.uses.begin(), check.uses.end(),
                                        [&](std::size_t i) { return loaded.fields[i].failed; });
    if (!inputs_ok) {
      continue;
    }
    if (std::optional<std::string> message = check.rule(config)) {
      loaded.issues.push_back(IndexedIssue{check.field, std::move(*message)});
    }
  }
  if (!loaded.issues.empty()) {
    throw ConfigValidationError(table_.ToIssues(std::move(loaded.issues)));
  }
  return config;
}

}  // namespace protifer::config

// The schema machinery on a small config of its own: sources and precedence, coercion of every
// type, aggregation, conditional requirements, cross-field rules, schema definition errors.
#include "config/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "config/config_error.h"
#include "config/environment.h"
#include "config/field_spec.h"
#include "temp_files.h"

namespace protifer::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

enum class Mode { kFast, kSafe };

struct Sample {
  std::string name;
  int port = 0;
  std::int64_t count = 0;
  int budget = -1;
  bool flag = false;
  Mode mode = Mode::kFast;
  std::string endpoint;
  std::chrono::milliseconds timeout{0};
  std::string token;
  std::string certs;
  std::string region;
};

// name (config, required), port (default 8080), count (positive, default 3),
// budget (non-negative, default 0), flag (bool, default true), mode (enum, default fast),
// endpoint (url, optional), timeout (duration, default 1000), token (secret),
// certs (file path, optional), region (required only when mode=safe).
Schema<Sample> SampleSchema() {
  return Schema<Sample>::Builder()
      .Field(ConfigField("app.name", "APP_NAME", "Name of the app."),
             [](Sample& s) -> std::string& { return s.name; })
      .Field(ConfigField("app.port", "APP_PORT", "Port.").Port().Default(8080),
             [](Sample& s) -> int& { return s.port; })
      .Field(ConfigField("app.count", "APP_COUNT", "Count.").PositiveInt().Default(3),
             [](Sample& s) -> std::int64_t& { return s.count; })
      .Field(ConfigField("app.budget", "APP_BUDGET", "Budget.").NonNegativeInt().Default(0),
             [](Sample& s) -> int& { return s.budget; })
      .Field(ConfigField("app.flag", "APP_FLAG", "Flag.").Bool().Default(true),
             [](Sample& s) -> bool& { return s.flag; })
      .Field(
          ConfigField("app.mode", "APP_MODE", "Mode.").Default("fast"),
          [](Sample& s) -> Mode& { return s.mode; },
          std::vector<std::pair<std::string, Mode>>{{"fast", Mode::kFast}, {"safe", Mode::kSafe}})
      .Field(ConfigField("app.endpoint", "APP_ENDPOINT", "Endpoint.").Url().Optional(),
             [](Sample& s) -> std::string& { return s.endpoint; })
      .Field(ConfigField("app.timeoutMs", "APP_TIMEOUT_MS", "Timeout.").DurationMs().Default(1000),
             [](Sample& s) -> std::chrono::milliseconds& { return s.timeout; })
      .Field(SecretField("app.token", "APP_TOKEN", "Token."),
             [](Sample& s) -> std::string& { return s.token; })
      .Field(ConfigField("app.certs", "APP_CERTS", "Certificates.").FilePath().Optional(),
             [](Sample& s) -> std::string& { return s.certs; })
      .Field(ConfigField("app.region", "APP_REGION", "Region.").RequiredWhen("app.mode", "safe"),
             [](Sample& s) -> std::string& { return s.region; })
      .Check("app.budget", {"app.count"},
             [](const Sample& s) -> std::optional<std::string> {
               if (s.budget <= s.count * 10) {
                 return std::nullopt;
               }
               return "Must be at most 10 x APP_COUNT.";
             })
      .Build();
}

const Schema<Sample>& TheSchema() {
  static const Schema<Sample> schema = SampleSchema();
  return schema;
}

EnvironmentMap Minimal() { return {{"APP_NAME", "demo"}, {"APP_TOKEN", "t0ken"}}; }

Sample LoadWith(const EnvironmentMap& overrides) {
  EnvironmentMap env = Minimal();
  for (auto& [key, value] : overrides) {
    env[key] = value;
  }
  return TheSchema().Load(MapEnvironment(env));
}

// The message of the ConfigValidationError a load throws ("" when it succeeds).
std::string FailureOf(const EnvironmentMap& env) {
  try {
    TheSchema().Load(MapEnvironment(env));
  } catch (const ConfigValidationError& error) {
    return error.what();
  }
  return "";
}

std::string FailureWith(const EnvironmentMap& overrides) {
  EnvironmentMap env = Minimal();
  for (auto& [key, value] : overrides) {
    env[key] = value;
  }
  return FailureOf(env);
}

TEST(Schema, DefaultsApplyWhenUnset) {
  const Sample s = LoadWith({});
  EXPECT_EQ(s.name, "demo");
  EXPECT_EQ(s.port, 8080);
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.budget, 0);
  EXPECT_TRUE(s.flag);
  EXPECT_EQ(s.mode, Mode::kFast);
  EXPECT_EQ(s.endpoint, "");
  EXPECT_EQ(s.timeout, 1000ms);
  EXPECT_EQ(s.token, "t0ken");
  EXPECT_EQ(s.certs, "");
  EXPECT_EQ(s.region, "");
}

TEST(Schema, EmptyVariablesCountAsUnset) {
  const Sample s = LoadWith({{"APP_PORT", ""}, {"APP_PORT_FILE", ""}, {"APP_FLAG", ""}});
  EXPECT_EQ(s.port, 8080);
  EXPECT_TRUE(s.flag);
  EXPECT_THAT(FailureWith({{"APP_NAME", ""}}),
              HasSubstr("  \u2022 app.name [APP_NAME]: Missing required config value. Set "
                        "APP_NAME (or APP_NAME_FILE) in the service environment."));
}

TEST(Schema, IntegersUseJavaScriptNumberCoercion) {
  EXPECT_EQ(LoadWith({{"APP_PORT", "0x10"}}).port, 16);
  EXPECT_EQ(LoadWith({{"APP_PORT", " 42 "}}).port, 42);
  EXPECT_EQ(LoadWith({{"APP_PORT", "1e3"}}).port, 1000);
  EXPECT_EQ(LoadWith({{"APP_PORT", "65535"}}).port, 65535);
  EXPECT_EQ(LoadWith({{"APP_COUNT", "9007199254740991"}}).count, 9007199254740991);
  // "   " is Number("   ") = 0: accepted where 0 is allowed, as in protifer.
  EXPECT_EQ(LoadWith({{"APP_BUDGET", "   "}}).budget, 0);
  EXPECT_EQ(LoadWith({{"APP_BUDGET", "-0"}}).budget, 0);
}

TEST(Schema, IntegerProblemsUseZodMessages) {
  EXPECT_THAT(FailureWith({{"APP_PORT", "abc"}}),
              HasSubstr("app.port [APP_PORT]: Invalid input: expected number, received NaN"));
  EXPECT_THAT(FailureWith({{"APP_PORT", "1.5"}}),
              HasSubstr("app.port [APP_PORT]: Invalid input: expected int, received number"));
  EXPECT_THAT(FailureWith({{"APP_PORT", "70000"}}),
              HasSubstr("app.port [APP_PORT]: Too big: expected number to be <=65535"));
  EXPECT_THAT(FailureWith({{"APP_PORT", "0"}}),
              HasSubstr("app.port [APP_PORT]: Too small: expected number to be >=1"));
  EXPECT_THAT(FailureWith({{"APP_COUNT", "0"}}),
              HasSubstr("app.count [APP_COUNT]: Too small: expected number to be >0"));
  EXPECT_THAT(FailureWith({{"APP_COUNT", "-0x10"}}),
              HasSubstr("app.count [APP_COUNT]: Invalid input: expected number, received NaN"));
  EXPECT_THAT(FailureWith({{"APP_COUNT", "Infinity"}}),
              HasSubstr("Invalid input: expected number, received Infinity"));
  EXPECT_THAT(FailureWith({{"APP_BUDGET", "-1"}}),
              HasSubstr("app.budget [APP_BUDGET]: Too small: expected number to be >=0"));
  // An `int` member narrows the range; both problems of one value are joined with "; ".
  EXPECT_THAT(FailureWith({{"APP_BUDGET", "1e20"}}),
              HasSubstr("app.budget [APP_BUDGET]: Too big: expected int to be "
                        "<=9007199254740991; Too big: expected number to be <=2147483647"));
  EXPECT_THAT(FailureWith({{"APP_TIMEOUT_MS", "2147483648"}}),
              HasSubstr("Too big: expected number to be <=2147483647"));
}

TEST(Schema, BooleansAcceptProtifersWords) {
  for (const char* yes : {"true", "TRUE", " yes ", "1", "Yes"}) {
    EXPECT_TRUE(LoadWith({{"APP_FLAG", yes}}).flag) << yes;
  }
  for (const char* no : {"false", "False", "no", "0", " NO\n"}) {
    EXPECT_FALSE(LoadWith({{"APP_FLAG", no}}).flag) << no;
  }
  EXPECT_THAT(FailureWith({{"APP_FLAG", "on"}}),
              HasSubstr("app.flag [APP_FLAG]: Invalid boolean: \"on\" (expected "
                        "true/false/1/0/yes/no)"));
}

TEST(Schema, EnumsAndUrls) {
  EXPECT_EQ(LoadWith({{"APP_MODE", "safe"}, {"APP_REGION", "eu"}}).mode, Mode::kSafe);
  EXPECT_THAT(FailureWith({{"APP_MODE", "Safe"}}),
              HasSubstr("app.mode [APP_MODE]: Invalid option: expected one of "
                        "\"fast\"|\"safe\""));
  EXPECT_EQ(LoadWith({{"APP_ENDPOINT", " http://garage:3900 "}}).endpoint, "http://garage:3900");
  for (const char* good : {"https://s3.example.com", "http://[::1]:9000/x", "http:host",
                           "http://user:pw@host:80", "custom:opaque"}) {
    EXPECT_EQ(FailureWith({{"APP_ENDPOINT", good}}), "") << good;
  }
  for (const char* bad : {"localhost", "http://", "http://host:99999", "http://ho st", "://x",
                          "1http://x", "https://[zz]"}) {
    EXPECT_THAT(FailureWith({{"APP_ENDPOINT", bad}}),
                HasSubstr("app.endpoint [APP_ENDPOINT]: Invalid URL"))
        << bad;
  }
}

TEST(Schema, ConfigFieldPrefersVariableOverFile) {
  testing::TempDir dir;
  const std::string file = dir.Write("name", "from-file\n\t ");
  EXPECT_EQ(LoadWith({{"APP_NAME_FILE", file}}).name, "demo");  // APP_NAME is set by Minimal()
  EnvironmentMap env = Minimal();
  env.erase("APP_NAME");
  env["APP_NAME_FILE"] = file;
  EXPECT_EQ(TheSchema().Load(MapEnvironment(env)).name, "from-file");
  // The variable wins, so an unreadable file it shadows is never read and never an error.
  EXPECT_EQ(LoadWith({{"APP_NAME_FILE", dir.PathOf("missing")}}).name, "demo");
}

TEST(Schema, SecretPrefersFileOverVariable) {
  testing::TempDir dir;
  const std::string file = dir.Write("token", "file-token\r\n");
  EXPECT_EQ(LoadWith({{"APP_TOKEN_FILE", file}}).token, "file-token");
  EXPECT_EQ(LoadWith({{"APP_TOKEN_FILE", ""}}).token, "t0ken");
}

TEST(Schema, NumbersFromFilesAreCoercedToo) {
  testing::TempDir dir;
  EXPECT_EQ(LoadWith({{"APP_PORT_FILE", dir.Write("port", "0x1F90\n")}}).port, 8080);
  // A mounted but empty file is a value, "", not a reason to fall back to the default.
  EXPECT_THAT(FailureWith({{"APP_COUNT_FILE", dir.Write("count", "\n")}}),
              HasSubstr("app.count [APP_COUNT]: Too small: expected number to be >0"));
  EXPECT_THAT(FailureWith({{"APP_NAME", ""}, {"APP_NAME_FILE", dir.Write("name", " \n")}}),
              HasSubstr("app.name [APP_NAME]: Too small: expected string to have >=1 "
                        "characters"));
}

TEST(Schema, UnreadableFilesUseProtifersMessages) {
  testing::TempDir dir;
  const std::string missing = dir.PathOf("nope");
  EnvironmentMap env = Minimal();
  env.erase("APP_NAME");
  env["APP_NAME_FILE"] = missing;
  EXPECT_THAT(FailureOf(env),
              HasSubstr("app.name [APP_NAME]: Failed to read config APP_NAME from " + missing +
                        ": ENOENT: no such file or directory, open '" + missing + "'"));
  EXPECT_THAT(FailureWith({{"APP_TOKEN_FILE", dir.path()}}),
              HasSubstr("app.token [APP_TOKEN]: Failed to read secret APP_TOKEN from " +
                        dir.path() + ": EISDIR: illegal operation on a directory, read"));
}

TEST(Schema, SecretValuesNeverAppearInMessages) {
  testing::TempDir dir;
  const std::string file = dir.Write("token", "s3cr3t-from-file\n");
  // The file wins: a bad file path is reported with the path, never the variable's value.
  const std::string bad_path = dir.PathOf("absent-token");
  const std::string message =
      FailureWith({{"APP_TOKEN", "s3cr3t-in-env"}, {"APP_TOKEN_FILE", bad_path}});
  EXPECT_THAT(message, HasSubstr(bad_path));
  EXPECT_THAT(message, Not(HasSubstr("s3cr3t")));
  // Other problems next to a loaded secret do not print it either.
  const std::string other = FailureWith({{"APP_TOKEN_FILE", file}, {"APP_PORT", "x"}});
  EXPECT_THAT(other, HasSubstr("APP_PORT"));
  EXPECT_THAT(other, Not(HasSubstr("s3cr3t")));
}

TEST(Schema, MissingSecretMessage) {
  EXPECT_THAT(FailureOf({{"APP_NAME", "x"}}),
              HasSubstr("  \u2022 app.token [APP_TOKEN]: Missing required secret. Set "
                        "APP_TOKEN_FILE or APP_TOKEN."));
}

TEST(Schema, ReportsEveryProblemAtOnceInSchemaOrder) {
  try {
    TheSchema().Load(MapEnvironment({{"APP_TIMEOUT_MS", "soon"},
                                     {"APP_PORT", "70000"},
                                     {"APP_FLAG", "maybe"},
                                     {"APP_MODE", "safe"}}));
    FAIL() << "expected ConfigValidationError";
  } catch (const ConfigValidationError& error) {
    std::vector<std::string> envs;
    for (const ConfigIssue& issue : error.issues()) {
      envs.push_back(issue.env_name);
    }
    EXPECT_THAT(envs, ElementsAre("APP_NAME", "APP_PORT", "APP_FLAG", "APP_TIMEOUT_MS", "APP_TOKEN",
                                  "APP_REGION"));
    const std::string text = error.what();
    EXPECT_EQ(text.rfind("Configuration validation failed:\n  \u2022 app.name [APP_NAME]: ", 0),
              0u);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
  }
}

TEST(Schema, ConditionalRequirementFollowsTheControllingField) {
  EXPECT_EQ(LoadWith({{"APP_MODE", "fast"}}).region, "");
  EXPECT_THAT(FailureWith({{"APP_MODE", "safe"}}),
              HasSubstr("app.region [APP_REGION]: Missing required config value. Set "
                        "APP_REGION (or APP_REGION_FILE) in the service environment. Required "
                        "when APP_MODE=safe."));
  // An invalid controlling value is reported once, without guessing about its dependants.
  const std::string message = FailureWith({{"APP_MODE", "reckless"}});
  EXPECT_THAT(message, HasSubstr("APP_MODE"));
  EXPECT_THAT(message, Not(HasSubstr("APP_REGION")));
}

TEST(Schema, CrossFieldRulesRunOnlyOnValidInputs) {
  EXPECT_THAT(FailureWith({{"APP_BUDGET", "31"}}),
              HasSubstr("app.budget [APP_BUDGET]: Must be at most 10 x APP_COUNT."));
  EXPECT_EQ(FailureWith({{"APP_BUDGET", "30"}}), "");
  // APP_COUNT is broken: the rule would compare against a value that was never loaded.
  const std::string message = FailureWith({{"APP_BUDGET", "31"}, {"APP_COUNT", "none"}});
  EXPECT_THAT(message, HasSubstr("APP_COUNT"));
  EXPECT_THAT(message, Not(HasSubstr("Must be at most")));
}

TEST(Schema, FilePathMustBeReadable) {
  testing::TempDir dir;
  const std::string pem = dir.Write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(LoadWith({{"APP_CERTS", pem}}).certs, pem);
  const std::string missing = dir.PathOf("none.pem");
  EXPECT_THAT(FailureWith({{"APP_CERTS", missing}}),
              HasSubstr("app.certs [APP_CERTS]: Cannot read file: ENOENT: no such file or "
                        "directory, open '" +
                        missing + "'"));
}

// ---- schema definition errors ----

struct Tiny {
  std::string text;
  int number = 0;
  bool flag = false;
};

template <typename Spec, typename Project>
void BuildOne(Spec spec, Project project) {
  Schema<Tiny>::Builder().Field(std::move(spec), project).Build();
}

const auto kText = [](Tiny& t) -> std::string& { return t.text; };
const auto kNumber = [](Tiny& t) -> int& { return t.number; };
const auto kFlag = [](Tiny& t) -> bool& { return t.flag; };

TEST(SchemaDefinition, RequiresADescription) {
  EXPECT_THROW(BuildOne(ConfigField("a.b", "A_B", ""), kText), SchemaDefinitionError);
  EXPECT_THROW(BuildOne(ConfigField("a.b", "A_B", "  \t"), kText), SchemaDefinitionError);
  EXPECT_THROW(BuildOne(SecretField("a.b", "A_B", ""), kText), SchemaDefinitionError);
  EXPECT_NO_THROW(BuildOne(ConfigField("a.b", "A_B", "Explained."), kText));
}

TEST(SchemaDefinition, RejectsInconsistentFields) {
  // Secrets: no default, strings only.
  EXPECT_THROW(BuildOne(SecretField("a.b", "A_B", "d").Default("x"), kText), SchemaDefinitionError);
  EXPECT_THROW(BuildOne(SecretField("a.b", "A_B", "d").Bool(), kFlag), SchemaDefinitionError);
  // Defaults must pass the field's own checks.
  EXPECT_THROW(BuildOne(ConfigField("a.b", "A_B", "d").Port().Default(70000), kNumber),
               SchemaDefinitionError);
  EXPECT_THROW(BuildOne(ConfigField("a.b", "A_B", "d").Port().Default(true), kNumber),
               SchemaDefinitionError);
  EXPECT_THROW(BuildOne(ConfigField("a.b", "A_B", "d").Enum({"x", "y"}).Default("z"), kText),
               SchemaDefinitionError);
  EXPECT_THROW(BuildOne(ConfigField("a.b", "A_B", "d").Url().Default("nope"), kText),
               SchemaDefinitionError);
  // Field type and member type must agree.
  EXPECT_THROW(BuildOne(ConfigField("a.b", "A_B", "d").Port(), kText), SchemaDefinitionError);
  EXPECT_THROW(BuildOne(ConfigField("a.b", "A_B", "d").Bool(), kNumber), SchemaDefinitionError);
  // Names.
  EXPECT_THROW(BuildOne(ConfigField("a..b", "A_B", "d"), kText), SchemaDefinitionError);
  EXPECT_THROW(BuildOne(ConfigField("a.b", "a_b", "d"), kText), SchemaDefinitionError);
  // A default larger than the member can hold.
  EXPECT_THROW(BuildOne(ConfigField("a.b", "A_B", "d").PositiveInt().Default(std::int64_t{1} << 40),
                        kNumber),
               SchemaDefinitionError);
}

TEST(SchemaDefinition, RejectsDuplicatesAndDanglingConditions) {
  EXPECT_THROW(Schema<Tiny>::Builder()
                   .Field(ConfigField("a.x", "A_X", "d"), kText)
                   .Field(ConfigField("a.y", "A_X", "d").Bool(), kFlag),
               SchemaDefinitionError);
  EXPECT_THROW(Schema<Tiny>::Builder()
                   .Field(ConfigField("a.x", "A_X", "d"), kText)
                   .Field(ConfigField("a.y", "A_X_FILE", "d").Bool(), kFlag),
               SchemaDefinitionError);
  EXPECT_THROW(Schema<Tiny>::Builder()
                   .Field(ConfigField("a.x", "A_X", "d"), kText)
                   .Field(ConfigField("a.x", "A_Y", "d").Bool(), kFlag),
               SchemaDefinitionError);
  EXPECT_THROW(Schema<Tiny>::Builder().Field(
                   ConfigField("a.x", "A_X", "d").RequiredWhen("a.mode", "on"), kText),
               SchemaDefinitionError);
  EXPECT_THROW(
      Schema<Tiny>::Builder()
          .Field(ConfigField("a.x", "A_X", "d").Enum({"on", "off"}).Default("on"), kText)
          .Field(ConfigField("a.y", "A_Y", "d").Bool().RequiredWhen("a.x", "maybe"), kFlag),
      SchemaDefinitionError);
  EXPECT_THROW(Schema<Tiny>::Builder().Check(
                   "a.none", {}, [](const Tiny&) { return std::optional<std::string>(); }),
               SchemaDefinitionError);
}

}  // namespace
}  // namespace protifer::config

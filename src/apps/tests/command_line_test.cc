#include "apps/command_line.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "apps/exit_codes.h"
#include "queue/lua_scripts.h"

namespace protifer::apps {
namespace {

struct Outcome {
  std::optional<int> exit_code;
  std::string out;
  std::string err;
};

Outcome Handle(std::vector<const char*> args) {
  args.insert(args.begin(), "test-worker");
  const ProgramInfo info{"test-worker", "Consumes a test queue.", [] { return "TABLE\n"; }};
  std::ostringstream out;
  std::ostringstream err;
  const auto code = HandleCommandLine(static_cast<int>(args.size()), args.data(), info, out, err);
  return {code, out.str(), err.str()};
}

TEST(CommandLineTest, NoArgumentsMeansRun) {
  const Outcome outcome = Handle({});
  EXPECT_FALSE(outcome.exit_code.has_value());
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(outcome.err, "");
}

TEST(CommandLineTest, DescribePrintsTheSettingsTable) {
  const Outcome outcome = Handle({"--describe"});
  EXPECT_EQ(outcome.exit_code, kExitOk);
  EXPECT_EQ(outcome.out, "TABLE\n");
}

TEST(CommandLineTest, HelpNamesTheFlagsAndTheExitCodes) {
  const Outcome outcome = Handle({"--help"});
  EXPECT_EQ(outcome.exit_code, kExitOk);
  EXPECT_NE(outcome.out.find("usage: test-worker"), std::string::npos);
  EXPECT_NE(outcome.out.find("Consumes a test queue."), std::string::npos);
  EXPECT_NE(outcome.out.find("Exit codes:"), std::string::npos);
}

TEST(CommandLineTest, VersionNamesTheEmbeddedBullmq) {
  const Outcome outcome = Handle({"--version"});
  EXPECT_EQ(outcome.exit_code, kExitOk);
  EXPECT_EQ(outcome.out, VersionLine("test-worker") + "\n");
  EXPECT_NE(outcome.out.find("bullmq " + std::string(queue::BundledBullmqVersion())),
            std::string::npos);
}

TEST(CommandLineTest, AnythingElseIsAUsageErrorNamingTheArgument) {
  Outcome outcome = Handle({"--port=1"});
  EXPECT_EQ(outcome.exit_code, kExitUsage);
  EXPECT_NE(outcome.err.find("unexpected argument '--port=1'"), std::string::npos);
  EXPECT_NE(outcome.err.find("usage:"), std::string::npos);
  outcome = Handle({"--describe", "extra"});
  EXPECT_EQ(outcome.exit_code, kExitUsage);
  EXPECT_NE(outcome.err.find("unexpected argument 'extra'"), std::string::npos);
}

}  // namespace
}  // namespace protifer::apps

#include "faultproxy/fault_command.h"

#include <gtest/gtest.h>

#include "faultproxy/command_line.h"
#include "faultproxy/fault_schedule.h"

namespace protifer::faultproxy {
namespace {

using std::chrono::milliseconds;

TEST(ParseDuration, AcceptsMillisecondsSecondsAndOff) {
  EXPECT_EQ(ParseDuration("50"), milliseconds(50));
  EXPECT_EQ(ParseDuration("50ms"), milliseconds(50));
  EXPECT_EQ(ParseDuration("2s"), milliseconds(2000));
  EXPECT_EQ(ParseDuration("2S"), milliseconds(2000));
  EXPECT_EQ(ParseDuration("off"), milliseconds(0));
  EXPECT_EQ(ParseDuration("0"), milliseconds(0));
}

TEST(ParseDuration, RejectsGarbageNegativeAndOverflow) {
  EXPECT_FALSE(ParseDuration(""));
  EXPECT_FALSE(ParseDuration("abc"));
  EXPECT_FALSE(ParseDuration("-5"));
  EXPECT_FALSE(ParseDuration("5m"));
  EXPECT_FALSE(ParseDuration("1.5s"));
  EXPECT_FALSE(ParseDuration("99999999999999999999"));
  EXPECT_FALSE(ParseDuration("18446744073709551s"));
}

TEST(ParseByteCount, AcceptsDecimalAndBinarySuffixes) {
  EXPECT_EQ(ParseByteCount("4096"), 4096u);
  EXPECT_EQ(ParseByteCount("64k"), 64'000u);
  EXPECT_EQ(ParseByteCount("2M"), 2'000'000u);
  EXPECT_EQ(ParseByteCount("64KiB"), 65'536u);
  EXPECT_EQ(ParseByteCount("2mib"), 2'097'152u);
  EXPECT_EQ(ParseByteCount("off"), 0u);
}

TEST(ParseByteCount, RejectsGarbageAndOverflow) {
  EXPECT_FALSE(ParseByteCount("x"));
  EXPECT_FALSE(ParseByteCount("12GB"));
  EXPECT_FALSE(ParseByteCount("-1"));
  EXPECT_FALSE(ParseByteCount("18446744073709551615M"));
}

TEST(ParseFaultCommand, ParsesEveryCommandWithItsArgument) {
  auto latency = ParseFaultCommand("  LATENCY   50ms ");
  ASSERT_TRUE(latency.command) << latency.error;
  EXPECT_EQ(latency.command->action, FaultAction::kLatency);
  EXPECT_EQ(latency.command->duration, milliseconds(50));
  EXPECT_FALSE(latency.command->connection);

  auto close_after = ParseFaultCommand("close-after 4KiB conn=7");
  ASSERT_TRUE(close_after.command) << close_after.error;
  EXPECT_EQ(close_after.command->action, FaultAction::kCloseAfter);
  EXPECT_EQ(close_after.command->bytes, 4096u);
  EXPECT_EQ(close_after.command->connection, 7u);

  auto refuse = ParseFaultCommand("refuse reset");
  ASSERT_TRUE(refuse.command);
  EXPECT_EQ(refuse.command->refuse_mode, RefuseMode::kAcceptAndReset);
  auto refuse_default = ParseFaultCommand("refuse");
  ASSERT_TRUE(refuse_default.command);
  EXPECT_EQ(refuse_default.command->refuse_mode, RefuseMode::kCloseListener);

  for (std::string_view name : {"reset", "close", "stall", "unstall", "accept", "clear", "status",
                                "list", "help", "quit"}) {
    auto parsed = ParseFaultCommand(name);
    ASSERT_TRUE(parsed.command) << name << ": " << parsed.error;
    EXPECT_EQ(ActionName(parsed.command->action), name);
  }
  EXPECT_EQ(ParseFaultCommand("reset-every 1s").command->duration, milliseconds(1000));
  EXPECT_EQ(ParseFaultCommand("reset-after 10").command->action, FaultAction::kResetAfter);
  EXPECT_EQ(ParseFaultCommand("bandwidth 1M").command->bytes, 1'000'000u);
}

TEST(ParseFaultCommand, ExplainsWhatIsWrong) {
  auto error_of = [](std::string_view line) {
    ParsedCommand parsed = ParseFaultCommand(line);
    EXPECT_FALSE(parsed.command) << line;
    return parsed.error;
  };
  EXPECT_EQ(error_of(""), "empty command");
  EXPECT_EQ(error_of("explode"), "unknown command 'explode' (try 'help')");
  EXPECT_EQ(error_of("latency"), "latency needs one duration, e.g. 50ms or 2s");
  EXPECT_EQ(error_of("latency fast"), "bad duration 'fast'");
  EXPECT_EQ(error_of("latency 5 6"), "latency needs one duration, e.g. 50ms or 2s");
  EXPECT_EQ(error_of("bandwidth lots"), "bad byte count 'lots'");
  EXPECT_EQ(error_of("stall now"), "stall takes no argument");
  EXPECT_EQ(error_of("status conn=1"), "status does not take conn=ID");
  EXPECT_EQ(error_of("reset conn=x"), "bad connection id 'x'");
  EXPECT_EQ(error_of("reset conn="), "bad connection id ''");
  EXPECT_EQ(error_of("refuse politely"), "refuse mode must be 'close' or 'reset'");
}

TEST(ParseFaultSchedule, SortsByTimeAndKeepsWrittenOrderForTies) {
  ParsedSchedule schedule =
      ParseFaultSchedule("stall@2s, reset@500ms,latency=20ms,unstall@4s,refuse=reset@500ms");
  ASSERT_EQ(schedule.error, "");
  ASSERT_EQ(schedule.entries.size(), 5u);
  EXPECT_EQ(schedule.entries[0].command.action, FaultAction::kLatency);
  EXPECT_EQ(schedule.entries[0].at, milliseconds(0));
  EXPECT_EQ(schedule.entries[0].command.duration, milliseconds(20));
  EXPECT_EQ(schedule.entries[1].command.action, FaultAction::kReset);
  EXPECT_EQ(schedule.entries[1].at, milliseconds(500));
  EXPECT_EQ(schedule.entries[2].command.action, FaultAction::kRefuse);
  EXPECT_EQ(schedule.entries[2].command.refuse_mode, RefuseMode::kAcceptAndReset);
  EXPECT_EQ(schedule.entries[3].command.action, FaultAction::kStall);
  EXPECT_EQ(schedule.entries[3].at, milliseconds(2000));
  EXPECT_EQ(schedule.entries[4].command.action, FaultAction::kUnstall);
}

TEST(ParseFaultSchedule, AcceptsAnEveryRuleAloneAndAnEmptyText) {
  ParsedSchedule every = ParseFaultSchedule("reset-every=1s");
  ASSERT_EQ(every.error, "");
  ASSERT_EQ(every.entries.size(), 1u);
  EXPECT_EQ(every.entries[0].command.action, FaultAction::kResetEvery);
  EXPECT_EQ(every.entries[0].command.duration, milliseconds(1000));
  EXPECT_TRUE(ParseFaultSchedule("   ").entries.empty());
}

TEST(ParseFaultSchedule, RejectsBadEntries) {
  EXPECT_EQ(ParseFaultSchedule("reset@soon").error,
            "schedule entry 'reset@soon': bad time after '@' (use e.g. 500ms or 2s)");
  EXPECT_EQ(ParseFaultSchedule("reset,,stall").error, "schedule entry '': empty entry");
  EXPECT_EQ(ParseFaultSchedule("reset,").error, "schedule entry '': empty entry");
  EXPECT_EQ(ParseFaultSchedule("latency=@1s").error,
            "schedule entry 'latency=@1s': missing argument after '='");
  EXPECT_EQ(ParseFaultSchedule("status@1s").error,
            "schedule entry 'status@1s': only commands that inject or remove faults can be "
            "scheduled");
  EXPECT_EQ(ParseFaultSchedule("nuke@1s").error,
            "schedule entry 'nuke@1s': unknown command 'nuke' (try 'help')");
  EXPECT_NE(ParseFaultSchedule("stall=conn=1@1s").error, "");
  EXPECT_EQ(ParseFaultSchedule("latency@1s").error,
            "schedule entry 'latency@1s': latency needs one duration, e.g. 50ms or 2s");
}

CommandLine Parse(std::initializer_list<std::string_view> arguments) {
  return ParseCommandLine(std::vector<std::string_view>(arguments));
}

TEST(ParseCommandLine, ReadsEveryFlagInBothSpellings) {
  CommandLine line =
      Parse({"--upstream", "localhost:8001", "--listen=0.0.0.0:9000", "--control-port", "9001",
             "--schedule=reset@1s", "--schedule", "stall@2s", "--log-connections"});
  ASSERT_EQ(line.error, "");
  EXPECT_EQ(line.options.upstream_host, "localhost");
  EXPECT_EQ(line.options.upstream_port, 8001);
  EXPECT_EQ(line.options.listen_host, "0.0.0.0");
  EXPECT_EQ(line.options.listen_port, 9000);
  EXPECT_EQ(line.options.control_port, 9001);
  EXPECT_TRUE(line.options.enable_control);
  EXPECT_TRUE(line.options.log_connections);
  ASSERT_EQ(line.options.schedule.size(), 2u);
  EXPECT_EQ(line.options.schedule[1].command.action, FaultAction::kStall);

  CommandLine v6 = Parse({"--upstream=[::1]:50051", "--no-control"});
  ASSERT_EQ(v6.error, "");
  EXPECT_EQ(v6.options.upstream_host, "::1");
  EXPECT_FALSE(v6.options.enable_control);
}

TEST(ParseCommandLine, ReportsBadFlags) {
  EXPECT_EQ(Parse({}).error, "--upstream HOST:PORT is required");
  EXPECT_EQ(Parse({"--upstream", "127.0.0.1:1", "--frobnicate"}).error,
            "unknown argument '--frobnicate'");
  EXPECT_EQ(Parse({"--upstream"}).error, "--upstream needs HOST:PORT");
  EXPECT_NE(Parse({"--upstream", "127.0.0.1"}).error, "");
  EXPECT_NE(Parse({"--upstream", "127.0.0.1:0"}).error, "");
  EXPECT_NE(Parse({"--upstream", "127.0.0.1:70000"}).error, "");
  EXPECT_NE(Parse({"--upstream", "h:1", "--control-port", "-3"}).error, "");
  EXPECT_NE(Parse({"--upstream", "h:1", "--schedule", "boom@1s"}).error, "");
  EXPECT_EQ(Parse({"--upstream", "h:1", "--no-control=yes"}).error, "--no-control takes no value");
  EXPECT_TRUE(Parse({"--help"}).show_help);
  EXPECT_EQ(Parse({"-h"}).error, "");
}

TEST(UsageText, MentionsEveryFlagAndCommand) {
  const std::string usage(UsageText());
  for (std::string_view word :
       {"--upstream", "--listen", "--control-port", "--no-control", "--schedule",
        "--log-connections", "--help", "reset-every", "reset-after", "close-after", "unstall",
        "latency", "bandwidth", "refuse", "accept", "clear", "status", "list", "quit"}) {
    EXPECT_NE(usage.find(word), std::string::npos) << word;
  }
}

}  // namespace
}  // namespace protifer::faultproxy

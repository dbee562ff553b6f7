#include "obs/json_logger.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "obs/log_sink.h"

namespace protifer::obs {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr std::int64_t kFixedTimeMs = 1718000000123;

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

// A logger writing into a string, with a fixed clock and hostname.
struct CapturedLogger {
  explicit CapturedLogger(LogLevel level = LogLevel::kInfo, std::string name = "prediction-worker")
      : logger(LoggerOptions{.name = std::move(name),
                             .level = level,
                             .sink = std::make_shared<OstreamLogSink>(out),
                             .clock_ms = [] { return kFixedTimeMs; },
                             .hostname = "worker-host"}) {}

  std::vector<std::string> Lines() const { return SplitLines(out.str()); }
  std::vector<nlohmann::json> Parsed() const {
    std::vector<nlohmann::json> parsed;
    for (const auto& line : Lines()) parsed.push_back(nlohmann::json::parse(line));
    return parsed;
  }

  std::ostringstream out;
  Logger logger;
};

TEST(JsonLoggerTest, WritesPinoFieldsWithPinoTypesAndOrder) {
  CapturedLogger captured;
  captured.logger.Info("Processing prediction job", {{"jobId", "42"}});
  const auto lines = captured.Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], StartsWith("{\"level\":30,\"time\":1718000000123,\"pid\":"));
  EXPECT_THAT(lines[0], ::testing::EndsWith(",\"msg\":\"Processing prediction job\"}"));

  const auto line = nlohmann::json::parse(lines[0]);
  EXPECT_TRUE(line["level"].is_number_integer());
  EXPECT_EQ(line["level"], 30);
  EXPECT_TRUE(line["time"].is_number_integer());
  EXPECT_EQ(line["time"], kFixedTimeMs);
  EXPECT_TRUE(line["pid"].is_number_integer());
  EXPECT_EQ(line["pid"], static_cast<std::int64_t>(::getpid()));
  EXPECT_EQ(line["hostname"], "worker-host");
  EXPECT_EQ(line["name"], "prediction-worker");
  EXPECT_EQ(line["jobId"], "42");
  EXPECT_EQ(line["msg"], "Processing prediction job");
  EXPECT_EQ(line.size(), 7u);
}

TEST(JsonLoggerTest, EachLevelWritesItsPinoNumber) {
  CapturedLogger captured(LogLevel::kTrace);
  captured.logger.Trace("t");
  captured.logger.Debug("d");
  captured.logger.Info("i");
  captured.logger.Warn("w");
  captured.logger.Error("e");
  captured.logger.Fatal("f");
  std::vector<int> levels;
  for (const auto& line : captured.Parsed()) levels.push_back(line["level"].get<int>());
  EXPECT_EQ(levels, (std::vector<int>{10, 20, 30, 40, 50, 60}));
}

TEST(JsonLoggerTest, LinesBelowTheThresholdAreDropped) {
  CapturedLogger captured(LogLevel::kWarn);
  EXPECT_FALSE(captured.logger.Enabled(LogLevel::kInfo));
  EXPECT_TRUE(captured.logger.Enabled(LogLevel::kWarn));
  captured.logger.Debug("no");
  captured.logger.Info("no");
  captured.logger.Warn("yes-warn");
  captured.logger.Error("yes-error");
  const auto parsed = captured.Parsed();
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[0]["msg"], "yes-warn");
  EXPECT_EQ(parsed[1]["msg"], "yes-error");
}

TEST(JsonLoggerTest, SilentWritesNothing) {
  CapturedLogger captured(LogLevel::kSilent);
  captured.logger.Fatal("no");
  captured.logger.Log(LogLevel::kSilent, "no");
  EXPECT_EQ(captured.out.str(), "");
}

TEST(JsonLoggerTest, EmptyNameIsOmittedLikePino) {
  CapturedLogger captured(LogLevel::kInfo, "");
  captured.logger.Info("x");
  EXPECT_FALSE(captured.Parsed().at(0).contains("name"));
}

TEST(JsonLoggerTest, ChildBindingsAppearOnEveryLineAndCallFieldsWin) {
  CapturedLogger captured;
  const Logger job = captured.logger.Child({{"jobId", "7"}, {"request_id", "req-1"}});
  job.Info("one");
  job.Warn("two", {{"model", "tmbed"}, {"request_id", "override"}});
  captured.logger.Info("parent");  // the parent has no bindings
  const auto parsed = captured.Parsed();
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0]["jobId"], "7");
  EXPECT_EQ(parsed[0]["request_id"], "req-1");
  EXPECT_EQ(parsed[1]["jobId"], "7");
  EXPECT_EQ(parsed[1]["model"], "tmbed");
  EXPECT_EQ(parsed[1]["request_id"], "override");
  EXPECT_FALSE(parsed[2].contains("jobId"));
  // Grandchildren accumulate bindings and keep the level.
  const Logger model = job.Child({{"model", "seth"}});
  model.Info("three");
  const auto last = captured.Parsed().back();
  EXPECT_EQ(last["jobId"], "7");
  EXPECT_EQ(last["model"], "seth");
  EXPECT_EQ(model.level(), LogLevel::kInfo);
}

TEST(JsonLoggerTest, FieldsNamedLikeFixedFieldsAreNotWrittenTwice) {
  CapturedLogger captured;
  captured.logger.Info("real", {{"msg", "fake"},
                                {"level", 99},
                                {"time", 0},
                                {"name", "x"},
                                {"pid", 1},
                                {"hostname", "h"},
                                {"kept", true}});
  const std::string line = captured.Lines().at(0);
  for (const std::string key :
       {"\"msg\":", "\"level\":", "\"time\":", "\"name\":", "\"pid\":", "\"hostname\":"}) {
    EXPECT_EQ(line.find(key), line.rfind(key)) << key << " appears twice in " << line;
  }
  const auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["msg"], "real");
  EXPECT_EQ(parsed["level"], 30);
  EXPECT_EQ(parsed["kept"], true);
}

TEST(JsonLoggerTest, FieldTypesArePreserved) {
  CapturedLogger captured;
  captured.logger.Info("typed", {{"modelCount", 8},
                                 {"ratio", 0.5},
                                 {"ok", false},
                                 {"none", nullptr},
                                 {"models", {"seth", "tmbed"}},
                                 {"nested", {{"a", 1}}}});
  const auto line = captured.Parsed().at(0);
  EXPECT_TRUE(line["modelCount"].is_number_integer());
  EXPECT_EQ(line["modelCount"], 8);
  EXPECT_EQ(line["ratio"], 0.5);
  EXPECT_TRUE(line["ok"].is_boolean());
  EXPECT_TRUE(line["none"].is_null());
  EXPECT_EQ(line["models"], nlohmann::json({"seth", "tmbed"}));
  EXPECT_EQ(line["nested"]["a"], 1);
}

TEST(JsonLoggerTest, NonObjectFieldsAreKeptUnderValue) {
  CapturedLogger captured;
  captured.logger.Info("scalar", nlohmann::json(17));
  EXPECT_EQ(captured.Parsed().at(0)["value"], 17);
}

TEST(JsonLoggerTest, SpecialCharactersAreEscapedOnOneLine) {
  CapturedLogger captured;
  captured.logger.Info("quote \" backslash \\ newline \n tab \t bell \x07 end",
                       {{"detail", "line1\nline2\r\n"}});
  const std::string text = captured.out.str();
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << "only the terminating newline";
  const auto line = captured.Parsed().at(0);
  EXPECT_EQ(line["msg"], "quote \" backslash \\ newline \n tab \t bell \x07 end");
  EXPECT_EQ(line["detail"], "line1\nline2\r\n");
}

TEST(JsonLoggerTest, InvalidUtf8BecomesReplacementCharacters) {
  CapturedLogger captured;
  const std::string bad = std::string("bad \xff\xfe bytes \xc3");
  captured.logger.Error(bad, {{"details", bad}, {std::string("key\xff"), 1}});
  const auto lines = captured.Lines();
  ASSERT_EQ(lines.size(), 1u);
  const auto line = nlohmann::json::parse(lines[0]);  // would throw on invalid UTF-8
  const std::string replacement = "\xef\xbf\xbd";
  EXPECT_EQ(line["msg"], "bad " + replacement + replacement + " bytes " + replacement);
  EXPECT_EQ(line["details"], line["msg"]);
  EXPECT_TRUE(line.contains("key" + replacement));
}

TEST(JsonLoggerTest, SequencesAndSecretsNeverReachTheSink) {
  CapturedLogger captured;
  const std::string sequence = "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ";
  const Logger job = captured.logger.Child({{"jobId", "1"}, {"sequence", "MKT"}});
  job.Error("decode failed for " + sequence,
            {{"err", {{"message", "bad input " + sequence}}},
             {"redis", {{"host", "redis"}, {"password", "hunter2"}}},
             {"headers", {{{"Authorization", "Bearer abc"}}}},
             {"GARAGE_SECRET_ACCESS_KEY", "s3cr3t"},
             {"sequenceHash", "ab12"}});
  const std::string text = captured.out.str();
  EXPECT_THAT(text, Not(HasSubstr(sequence)));
  EXPECT_THAT(text, Not(HasSubstr("hunter2")));
  EXPECT_THAT(text, Not(HasSubstr("Bearer abc")));
  EXPECT_THAT(text, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(text, Not(HasSubstr("\"MKT\"")));
  const auto line = captured.Parsed().at(0);
  EXPECT_EQ(line["msg"], "decode failed for [REDACTED_SEQUENCE len=33]");
  EXPECT_EQ(line["err"]["message"], "bad input [REDACTED_SEQUENCE len=33]");
  EXPECT_EQ(line["sequence"], "[Redacted]");
  EXPECT_EQ(line["redis"]["host"], "redis");
  EXPECT_EQ(line["redis"]["password"], "[Redacted]");
  EXPECT_EQ(line["headers"][0]["Authorization"], "[Redacted]");
  EXPECT_EQ(line["sequenceHash"], "ab12");
}

TEST(JsonLoggerTest, ErrorFieldCarriesTypeAndMessage) {
  CapturedLogger captured;
  try {
    throw std::out_of_range("index 9 out of range");
  } catch (const std::exception& error) {
    captured.logger.Error("job failed", {{"err", ErrorField(error)}});
  }
  const auto line = captured.Parsed().at(0);
  EXPECT_EQ(line["err"]["type"], "std::out_of_range");
  EXPECT_EQ(line["err"]["message"], "index 9 out of range");
}

TEST(JsonLoggerTest, AThrowingClockDropsTheLineInsteadOfThrowing) {
  std::ostringstream out;
  LoggerOptions options;
  options.name = "x";
  options.sink = std::make_shared<OstreamLogSink>(out);
  options.clock_ms = []() -> std::int64_t { throw std::runtime_error("clock broke"); };
  const Logger logger(std::move(options));
  EXPECT_NO_THROW(logger.Info("lost"));
  EXPECT_EQ(out.str(), "");
}

// Eight threads log concurrently through one FILE* sink; every line must be one intact JSON
// object, and every (thread, i) pair must appear exactly once.
TEST(JsonLoggerTest, ConcurrentLinesFromEightThreadsNeverInterleave) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  constexpr int kThreads = 8;
  constexpr int kLinesPerThread = 250;
  {
    LoggerOptions options;
    options.name = "embedding-worker";
    options.sink = std::make_shared<FileLogSink>(file);
    const Logger logger(std::move(options));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&logger, t] {
        // Lines longer than stdio's buffer (4 KiB here) would be split into several write(2)
        // calls by fwrite; the sink's lock must still keep them whole.
        const Logger child = logger.Child({{"thread", t}, {"padding", std::string(5000, '.')}});
        for (int i = 0; i < kLinesPerThread; ++i) child.Info("line", {{"i", i}});
      });
    }
    for (auto& thread : threads) thread.join();
  }
  std::rewind(file);
  std::string text;
  char buffer[65536];
  while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, file)) text.append(buffer, n);
  std::fclose(file);

  std::set<std::pair<int, int>> seen;
  const auto lines = SplitLines(text);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLinesPerThread));
  for (const auto& line : lines) {
    nlohmann::json parsed;
    ASSERT_NO_THROW(parsed = nlohmann::json::parse(line)) << line.substr(0, 200);
    EXPECT_EQ(parsed["msg"], "line");
    EXPECT_TRUE(seen.emplace(parsed["thread"].get<int>(), parsed["i"].get<int>()).second);
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kLinesPerThread));
}

// The same through an ostream sink: std::ostream has no locking of its own, so only the sink's
// mutex keeps lines whole.
TEST(JsonLoggerTest, ConcurrentLinesThroughAnOstreamSinkStayWhole) {
  constexpr int kThreads = 8;
  constexpr int kLinesPerThread = 300;
  CapturedLogger captured;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&captured, t] {
      const Logger child = captured.logger.Child({{"thread", t}});
      for (int i = 0; i < kLinesPerThread; ++i) child.Info("line " + std::to_string(i), {{"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::pair<int, int>> seen;
  const auto lines = captured.Lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLinesPerThread));
  for (const auto& line : lines) {
    nlohmann::json parsed;
    ASSERT_NO_THROW(parsed = nlohmann::json::parse(line)) << line;
    EXPECT_EQ(parsed["msg"], "line " + std::to_string(parsed["i"].get<int>()));
    EXPECT_TRUE(seen.emplace(parsed["thread"].get<int>(), parsed["i"].get<int>()).second);
  }
}

}  // namespace
}  // namespace protifer::obs

#include "obs/log_level.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace protifer::obs {
namespace {

TEST(LogLevelTest, PinoNumbers) {
  EXPECT_EQ(PinoLevelNumber(LogLevel::kTrace), 10);
  EXPECT_EQ(PinoLevelNumber(LogLevel::kDebug), 20);
  EXPECT_EQ(PinoLevelNumber(LogLevel::kInfo), 30);
  EXPECT_EQ(PinoLevelNumber(LogLevel::kWarn), 40);
  EXPECT_EQ(PinoLevelNumber(LogLevel::kError), 50);
  EXPECT_EQ(PinoLevelNumber(LogLevel::kFatal), 60);
}

TEST(LogLevelTest, NamesRoundTrip) {
  for (const LogLevel level : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                               LogLevel::kError, LogLevel::kFatal, LogLevel::kSilent}) {
    EXPECT_EQ(ParseLogLevel(LogLevelName(level)), level) << LogLevelName(level);
  }
  EXPECT_EQ(LogLevelName(LogLevel::kWarn), "warn");
}

TEST(LogLevelTest, ParsingTrimsAndIgnoresCase) {
  EXPECT_EQ(ParseLogLevel(" DEBUG\n"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("Error"), LogLevel::kError);
}

TEST(LogLevelTest, UnknownNamesAndNumbersAreRejected) {
  EXPECT_EQ(ParseLogLevel("verbose"), std::nullopt);
  EXPECT_EQ(ParseLogLevel("warning"), std::nullopt);
  EXPECT_EQ(ParseLogLevel("30"), std::nullopt);
  EXPECT_EQ(ParseLogLevel(""), std::nullopt);
}

TEST(LogLevelTest, EnvironmentDefaultsToInfo) {
  EXPECT_EQ(LogLevelFromEnvValue(nullptr), LogLevel::kInfo);
  EXPECT_EQ(LogLevelFromEnvValue(""), LogLevel::kInfo);
  EXPECT_EQ(LogLevelFromEnvValue("  "), LogLevel::kInfo);
  EXPECT_EQ(LogLevelFromEnvValue("trace"), LogLevel::kTrace);
}

TEST(LogLevelTest, UnknownEnvironmentValueThrowsNamingTheVariable) {
  try {
    LogLevelFromEnvValue("loud");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_THAT(error.what(), ::testing::HasSubstr("LOG_LEVEL"));
    EXPECT_THAT(error.what(), ::testing::HasSubstr("\"loud\""));
    EXPECT_THAT(error.what(), ::testing::HasSubstr("trace, debug, info"));
  }
}

}  // namespace
}  // namespace protifer::obs

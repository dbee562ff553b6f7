#include "obs/redaction.h"

#include <gtest/gtest.h>

#include <string>

namespace protifer::obs {
namespace {

TEST(ScrubSequencesTest, RunsOfTwentyOrMoreResiduesAreReplaced) {
  const std::string twenty = "ACDEFGHIKLMNPQRSTVWY";
  ASSERT_EQ(twenty.size(), 20u);
  EXPECT_EQ(ScrubSequences(twenty), "[REDACTED_SEQUENCE len=20]");
  EXPECT_EQ(ScrubSequences("seq=" + twenty + twenty + "!"), "seq=[REDACTED_SEQUENCE len=40]!");
  EXPECT_EQ(ScrubSequences(twenty.substr(0, 19)), twenty.substr(0, 19));
}

TEST(ScrubSequencesTest, LowerCaseSequencesAreScrubbedToo) {
  EXPECT_EQ(ScrubSequences("got mktayiakqrqisfvkshfsrq here"),
            "got [REDACTED_SEQUENCE len=22] here");
}

TEST(ScrubSequencesTest, AmbiguityAndRareCodesBelongToTheAlphabet) {
  EXPECT_EQ(ScrubSequences("MKTXXXXBZUOAKQRQISFVKS"), "[REDACTED_SEQUENCE len=22]");
}

TEST(ScrubSequencesTest, EveryRunIsScrubbedSeparately) {
  const std::string a(25, 'A');
  const std::string g(21, 'G');
  EXPECT_EQ(ScrubSequences(a + " and " + g + ", short ACD"),
            "[REDACTED_SEQUENCE len=25] and [REDACTED_SEQUENCE len=21], short ACD");
}

TEST(ScrubSequencesTest, OrdinaryTextAndIdentifiersSurvive) {
  for (const std::string text :
       {"ConfigValidationError: Missing required config value. Set TRITON_URL",
        "prediction_job_duration_seconds",
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c",
        "All prediction models failed — tmbed(UNAVAILABLE): connection reset",
        "UnrecoverableErrorWithAVeryLongCamelCaseName", ""}) {
    EXPECT_EQ(ScrubSequences(text), text);
  }
}

TEST(ScrubSequencesTest, JAndOtherBytesEndARun) {
  const std::string ten = "ACDEFGHIKL";
  // Ten + J + ten: two runs of 10, nothing to scrub.
  EXPECT_EQ(ScrubSequences(ten + "J" + ten), ten + "J" + ten);
  EXPECT_EQ(ScrubSequences(ten + "1" + ten), ten + "1" + ten);
  // A case change ends a run: upper 10 + lower 10.
  EXPECT_EQ(ScrubSequences(ten + "acdefghikl"), ten + "acdefghikl");
}

TEST(ScrubSequencesTest, InvalidUtf8AndNonAsciiBytesAreCopied) {
  const std::string text = "\xff\xfe caf\xc3\xa9 " + std::string(20, 'W') + "\xc3";
  EXPECT_EQ(ScrubSequences(text), "\xff\xfe caf\xc3\xa9 [REDACTED_SEQUENCE len=20]\xc3");
}

TEST(SensitiveFieldNameTest, SecretsAndPersonalDataAreSensitive) {
  for (const std::string name : {"password",
                                 "REDIS_PASSWORD",
                                 "redisPassword",
                                 "passwd",
                                 "secret",
                                 "clientSecret",
                                 "GARAGE_SECRET_ACCESS_KEY",
                                 "GARAGE_ACCESS_KEY_ID",
                                 "accessKeyId",
                                 "authorization",
                                 "Authorization",
                                 "proxy-authorization",
                                 "token",
                                 "refresh_token",
                                 "x-api-key",
                                 "apiKey",
                                 "credentials",
                                 "Cookie",
                                 "set-cookie",
                                 "private_key",
                                 "email",
                                 "ip",
                                 "dsn",
                                 "SENTRY_DSN",
                                 "sequence",
                                 "Sequence",
                                 "seq"}) {
    EXPECT_TRUE(IsSensitiveFieldName(name)) << name;
  }
}

TEST(SensitiveFieldNameTest, OrdinaryFieldsAreNot) {
  for (const std::string name : {"jobId", "request_id", "model", "sequenceHash", "seqLen", "zip",
                                 "description", "host", "port", "err", "embeddingRef"}) {
    EXPECT_FALSE(IsSensitiveFieldName(name)) << name;
  }
}

TEST(RedactForLogTest, CensorsAtEveryDepthAndScrubsEveryString) {
  const std::string sequence(30, 'M');
  const nlohmann::json input = {
      {"jobId", "9"},
      {"config", {{"redis", {{"host", "r"}, {"password", "p"}}}}},
      {"list", {sequence, 3, {{"token", "t"}}}},
      {"count", 2},
  };
  const nlohmann::json expected = {
      {"jobId", "9"},
      {"config", {{"redis", {{"host", "r"}, {"password", "[Redacted]"}}}}},
      {"list", {"[REDACTED_SEQUENCE len=30]", 3, {{"token", "[Redacted]"}}}},
      {"count", 2},
  };
  EXPECT_EQ(RedactForLog(input), expected);
}

TEST(RedactForLogTest, SensitiveObjectsAreCensoredWhole) {
  const nlohmann::json input = {{"credentials", {{"user", "u"}, {"pass", "p"}}}};
  EXPECT_EQ(RedactForLog(input), (nlohmann::json{{"credentials", "[Redacted]"}}));
}

}  // namespace
}  // namespace protifer::obs

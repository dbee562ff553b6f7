// The two worker schemas: protifer's names, defaults and validation, the documented deviations,
// --describe, and LoadOrExit.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <sstream>
#include <string>

#include "config/config_error.h"
#include "config/describe.h"
#include "config/embedding_worker_config.h"
#include "config/environment.h"
#include "config/load_or_exit.h"
#include "config/prediction_worker_config.h"
#include "temp_files.h"

namespace protifer::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// What a protifer deployment sets at least (S3 driver).
EnvironmentMap S3Env() {
  return {{"TRITON_URL", "triton:8001"},
          {"REDIS_HOST", "redis"},
          {"REDIS_PASSWORD", "redis-pw-value"},
          {"GARAGE_ENDPOINT", "http://garage:3900"},
          {"GARAGE_REGION", "garage"},
          {"GARAGE_BUCKET", "embeddings"},
          {"GARAGE_ACCESS_KEY_ID", "GKaccess-key-value"},
          {"GARAGE_SECRET_ACCESS_KEY", "secret-key-value"}};
}

EnvironmentMap FilesystemEnv() {
  return {{"TRITON_URL", "triton:8001"},
          {"REDIS_HOST", "redis"},
          {"REDIS_PASSWORD", "redis-pw-value"},
          {"STORAGE_DRIVER", "filesystem"}};
}

EnvironmentMap With(EnvironmentMap env, const EnvironmentMap& overrides) {
  for (const auto& [key, value] : overrides) {
    env[key] = value;
  }
  return env;
}

template <typename Load>
std::string FailureOf(Load load) {
  try {
    load();
  } catch (const ConfigValidationError& error) {
    return error.what();
  }
  return "";
}

std::string PredictionFailure(const EnvironmentMap& env) {
  return FailureOf([&] { LoadPredictionWorkerConfig(MapEnvironment(env)); });
}
std::string EmbeddingFailure(const EnvironmentMap& env) {
  return FailureOf([&] { LoadEmbeddingWorkerConfig(MapEnvironment(env)); });
}

TEST(PredictionWorkerConfig, ProtifersDefaults) {
  const PredictionWorkerConfig c = LoadPredictionWorkerConfig(MapEnvironment(S3Env()));
  EXPECT_EQ(c.metrics.port, 9090);
  EXPECT_TRUE(c.metrics.enabled);
  EXPECT_EQ(c.triton.url, "triton:8001");
  EXPECT_EQ(c.triton.deadline, 90000ms);
  EXPECT_EQ(c.triton.max_inflight_infers, 8);
  EXPECT_EQ(c.triton.retry_max_attempts, 3);
  EXPECT_EQ(c.triton.retry_base_backoff, 100ms);
  EXPECT_EQ(c.redis.host, "redis");
  EXPECT_EQ(c.redis.port, 6379);
  EXPECT_EQ(c.redis.password, "redis-pw-value");
  EXPECT_EQ(c.storage.driver, StorageDriver::kS3);
  EXPECT_EQ(c.storage.path, "/data/objects");
  EXPECT_EQ(c.storage.endpoint, "http://garage:3900");
  EXPECT_EQ(c.storage.region, "garage");
  EXPECT_EQ(c.storage.bucket, "embeddings");
  EXPECT_EQ(c.storage.access_key_id, "GKaccess-key-value");
  EXPECT_EQ(c.storage.secret_access_key, "secret-key-value");
  // WORKER_DEFAULTS (contract 1.4) and the hard-coded channel settings (contract 11).
  EXPECT_EQ(c.worker.concurrency, 4);
  EXPECT_EQ(c.worker.lock_duration, 300000ms);
  EXPECT_EQ(c.worker.lock_renew_time, 30000ms);
  EXPECT_EQ(c.worker.stalled_interval, 30000ms);
  EXPECT_EQ(c.worker.max_stalled_count, 2);
  EXPECT_EQ(c.triton.max_message_bytes, 67108864);
  EXPECT_EQ(c.triton.keepalive_time, 30000ms);
  EXPECT_EQ(c.triton.keepalive_timeout, 10000ms);
  EXPECT_FALSE(c.triton.use_tls);
  EXPECT_EQ(c.triton.tls_root_certs_path, "");
  EXPECT_EQ(c.redis.db, 0);
  EXPECT_EQ(c.log.level, LogLevel::kInfo);
  // This project's additions.
  EXPECT_EQ(c.lifecycle.boot_timeout, 120000ms);
  EXPECT_EQ(c.lifecycle.boot_retry_interval, 2000ms);
  EXPECT_EQ(c.lifecycle.drain_timeout, 25000ms);
  EXPECT_EQ(c.prediction.max_embedding_bytes, 16384 * 2048);
  EXPECT_EQ(c.worker.max_job_data_bytes, 1048576);
}

// Keeps the struct initialisers and the schema defaults in step: whatever a default-constructed
// config holds is what an environment without overrides loads.
TEST(PredictionWorkerConfig, StructInitialisersMatchSchemaDefaults) {
  PredictionWorkerConfig expected;
  expected.triton.url = "triton:8001";
  expected.redis.host = "redis";
  expected.redis.password = "redis-pw-value";
  expected.storage.driver = StorageDriver::kFilesystem;
  EXPECT_EQ(LoadPredictionWorkerConfig(MapEnvironment(FilesystemEnv())), expected);
}

TEST(EmbeddingWorkerConfig, StructInitialisersMatchSchemaDefaults) {
  EmbeddingWorkerConfig expected;
  expected.triton.url = "triton:8001";
  expected.redis.host = "redis";
  expected.redis.password = "redis-pw-value";
  expected.storage.driver = StorageDriver::kFilesystem;
  EXPECT_EQ(LoadEmbeddingWorkerConfig(MapEnvironment(FilesystemEnv())), expected);
}

TEST(PredictionWorkerConfig, OverridesAreParsed) {
  const PredictionWorkerConfig c = LoadPredictionWorkerConfig(
      MapEnvironment(With(S3Env(), {{"TRITON_MAX_INFLIGHT_INFERS", "16"},
                                    {"TRITON_RETRY_MAX_ATTEMPTS", "5"},
                                    {"TRITON_RETRY_BASE_BACKOFF_MS", "250"},
                                    {"METRICS_ENABLED", "no"},
                                    {"WORKER_CONCURRENCY", "2"},
                                    {"LOG_LEVEL", "debug"},
                                    {"REDIS_DB", "3"},
                                    {"MAX_EMBEDDING_BYTES", "0x100000"}})));
  EXPECT_EQ(c.triton.max_inflight_infers, 16);
  EXPECT_EQ(c.triton.retry_max_attempts, 5);
  EXPECT_EQ(c.triton.retry_base_backoff, 250ms);
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.worker.concurrency, 2);
  EXPECT_EQ(c.log.level, LogLevel::kDebug);
  EXPECT_EQ(c.redis.db, 3);
  EXPECT_EQ(c.prediction.max_embedding_bytes, 1048576);
}

TEST(PredictionWorkerConfig, RejectsZeroInflight) {
  EXPECT_THAT(PredictionFailure(With(S3Env(), {{"TRITON_MAX_INFLIGHT_INFERS", "0"}})),
              HasSubstr("triton.maxInflightInfers [TRITON_MAX_INFLIGHT_INFERS]: Too small: "
                        "expected number to be >0"));
}

// protifer's config.test.ts: an empty environment names every required variable in one error.
TEST(PredictionWorkerConfig, EmptyEnvironmentNamesEveryRequiredVariable) {
  const std::string message = PredictionFailure({});
  for (const char* name :
       {"TRITON_URL", "REDIS_HOST", "REDIS_PASSWORD", "GARAGE_ENDPOINT", "GARAGE_REGION",
        "GARAGE_BUCKET", "GARAGE_ACCESS_KEY_ID", "GARAGE_SECRET_ACCESS_KEY"}) {
    EXPECT_THAT(message, HasSubstr(std::string("[") + name + "]")) << name;
  }
  EXPECT_THAT(message, HasSubstr("  \u2022 triton.url [TRITON_URL]: Missing required config "
                                 "value. Set TRITON_URL (or TRITON_URL_FILE) in the service "
                                 "environment.\n"));
  EXPECT_THAT(message, HasSubstr("  \u2022 redis.password [REDIS_PASSWORD]: Missing required "
                                 "secret. Set REDIS_PASSWORD_FILE or REDIS_PASSWORD.\n"));
  EXPECT_THAT(message, HasSubstr("  \u2022 storage.secretAccessKey [GARAGE_SECRET_ACCESS_KEY]: "
                                 "Missing required secret. Set GARAGE_SECRET_ACCESS_KEY_FILE or "
                                 "GARAGE_SECRET_ACCESS_KEY. Required when STORAGE_DRIVER=s3."));
}

TEST(PredictionWorkerConfig, FilesystemDriverDoesNotNeedGarage) {
  const PredictionWorkerConfig c = LoadPredictionWorkerConfig(
      MapEnvironment(With(FilesystemEnv(), {{"STORAGE_PATH", "/var/objects"}})));
  EXPECT_EQ(c.storage.driver, StorageDriver::kFilesystem);
  EXPECT_EQ(c.storage.path, "/var/objects");
  EXPECT_EQ(c.storage.endpoint, "");
  EXPECT_EQ(c.storage.secret_access_key, "");
}

TEST(PredictionWorkerConfig, S3DriverNeedsEveryGarageSetting) {
  EnvironmentMap env = With(FilesystemEnv(), {{"STORAGE_DRIVER", "s3"}});
  const std::string message = PredictionFailure(env);
  for (const char* name : {"GARAGE_ENDPOINT", "GARAGE_REGION", "GARAGE_BUCKET",
                           "GARAGE_ACCESS_KEY_ID", "GARAGE_SECRET_ACCESS_KEY"}) {
    EXPECT_THAT(message, HasSubstr(std::string("[") + name + "]: Missing required")) << name;
  }
  // The default driver is s3 too.
  env.erase("STORAGE_DRIVER");
  EXPECT_THAT(PredictionFailure(env), HasSubstr("[GARAGE_BUCKET]: Missing required"));
}

TEST(PredictionWorkerConfig, GarageValuesAreValidatedWhenGivenEvenForFilesystem) {
  EXPECT_THAT(PredictionFailure(With(FilesystemEnv(), {{"GARAGE_ENDPOINT", "not a url"}})),
              HasSubstr("storage.endpoint [GARAGE_ENDPOINT]: Invalid URL"));
  EXPECT_THAT(PredictionFailure(With(S3Env(), {{"STORAGE_DRIVER", "gcs"}})),
              HasSubstr("storage.driver [STORAGE_DRIVER]: Invalid option: expected one of "
                        "\"s3\"|\"filesystem\""));
}

TEST(PredictionWorkerConfig, SecretsComeFromFilesFirst) {
  testing::TempDir dir;
  const std::string file = dir.Write("redis_password", "pw-from-file\n");
  const PredictionWorkerConfig c =
      LoadPredictionWorkerConfig(MapEnvironment(With(S3Env(), {{"REDIS_PASSWORD_FILE", file}})));
  EXPECT_EQ(c.redis.password, "pw-from-file");
}

TEST(PredictionWorkerConfig, CrossFieldRules) {
  EXPECT_THAT(PredictionFailure(With(S3Env(), {{"BULLMQ_LOCK_DURATION_MS", "60000"}})),
              HasSubstr("worker.lockRenewTimeMs [BULLMQ_LOCK_RENEW_TIME_MS]: Must be less than "
                        "half of BULLMQ_LOCK_DURATION_MS (60000)"));
  EXPECT_EQ(PredictionFailure(With(S3Env(), {{"BULLMQ_LOCK_DURATION_MS", "60001"}})), "");
  testing::TempDir dir;
  const std::string pem = dir.Write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  EXPECT_THAT(PredictionFailure(With(S3Env(), {{"TRITON_TLS_ROOT_CERTS", pem}})),
              HasSubstr("triton.tlsRootCerts [TRITON_TLS_ROOT_CERTS]: Set, but TRITON_USE_TLS "
                        "is false"));
  const PredictionWorkerConfig c = LoadPredictionWorkerConfig(
      MapEnvironment(With(S3Env(), {{"TRITON_TLS_ROOT_CERTS", pem}, {"TRITON_USE_TLS", "true"}})));
  EXPECT_TRUE(c.triton.use_tls);
  EXPECT_EQ(c.triton.tls_root_certs_path, pem);
}

TEST(PredictionWorkerConfig, BoundsOfTheNewTunables) {
  EXPECT_THAT(PredictionFailure(With(S3Env(), {{"TRITON_MAX_MESSAGE_BYTES", "2147483648"}})),
              HasSubstr("[TRITON_MAX_MESSAGE_BYTES]: Too big: expected number to be "
                        "<=2147483647"));
  EXPECT_THAT(PredictionFailure(With(S3Env(), {{"LOG_LEVEL", "verbose"}})),
              HasSubstr("log.level [LOG_LEVEL]: Invalid option: expected one of "
                        "\"trace\"|\"debug\"|\"info\"|\"warn\"|\"error\"|\"fatal\"|\"silent\""));
  EXPECT_EQ(LoadPredictionWorkerConfig(MapEnvironment(With(S3Env(), {{"DRAIN_TIMEOUT_MS", "0"}})))
                .lifecycle.drain_timeout,
            0ms);
  EXPECT_THAT(PredictionFailure(With(S3Env(), {{"BOOT_TIMEOUT_MS", "0"}})),
              HasSubstr("boot.timeoutMs [BOOT_TIMEOUT_MS]: Too small: expected number to be >0"));
}

TEST(PredictionWorkerConfig, SelfTuningSettings) {
  const PredictionWorkerConfig c = LoadPredictionWorkerConfig(
      MapEnvironment(With(S3Env(), {{"TRITON_ADAPTIVE_CONCURRENCY", "true"},
                                    {"TRITON_ADAPTIVE_MIN_INFERS", "2"},
                                    {"TRITON_ADAPTIVE_MAX_INFERS", "64"},
                                    {"TRITON_ADAPTIVE_LATENCY_TOLERANCE_PERCENT", "150"},
                                    {"TRITON_MAX_INFLIGHT_BYTES", "100000000"},
                                    {"TRITON_RETRY_BUDGET_TOKENS", "0"},
                                    {"TRITON_RETRY_BUDGET_PERCENT", "5"},
                                    {"TRITON_CHANNELS", "4"},
                                    {"PREDICTION_RESULT_REUSE_TTL_MS", "0"}})));
  EXPECT_TRUE(c.triton.adaptive_concurrency);
  EXPECT_EQ(c.triton.adaptive_min_infers, 2);
  EXPECT_EQ(c.triton.adaptive_max_infers, 64);
  EXPECT_EQ(c.triton.adaptive_latency_tolerance_percent, 150);
  EXPECT_EQ(c.triton.max_inflight_bytes, 100000000);
  EXPECT_EQ(c.triton.retry_budget_tokens, 0);
  EXPECT_EQ(c.triton.retry_budget_percent, 5);
  EXPECT_EQ(c.triton.channels, 4);
  EXPECT_EQ(c.prediction.result_reuse_ttl_ms, 0);

  const std::string failure =
      PredictionFailure(With(S3Env(), {{"TRITON_ADAPTIVE_MIN_INFERS", "32"},
                                       {"TRITON_ADAPTIVE_MAX_INFERS", "16"},
                                       {"TRITON_ADAPTIVE_LATENCY_TOLERANCE_PERCENT", "100"},
                                       {"TRITON_CHANNELS", "65"},
                                       {"TRITON_RETRY_BUDGET_PERCENT", "0"}}));
  EXPECT_THAT(failure, HasSubstr("[TRITON_ADAPTIVE_MAX_INFERS]: Below TRITON_ADAPTIVE_MIN_INFERS "
                                 "(32)"));
  EXPECT_THAT(failure, HasSubstr("[TRITON_ADAPTIVE_LATENCY_TOLERANCE_PERCENT]"));
  EXPECT_THAT(failure, HasSubstr("[TRITON_CHANNELS]"));
  EXPECT_THAT(failure, HasSubstr("[TRITON_RETRY_BUDGET_PERCENT]"));
}

TEST(PredictionWorkerConfig, NoSecretValueAppearsInAnyMessage) {
  testing::TempDir dir;
  const std::string secret_file = dir.Write("key", "file-secret-value\n");
  const std::string missing = dir.PathOf("no-such-secret");
  const std::string message =
      PredictionFailure(With(S3Env(), {{"GARAGE_SECRET_ACCESS_KEY_FILE", missing},
                                       {"GARAGE_ACCESS_KEY_ID_FILE", secret_file},
                                       {"REDIS_PORT", "redis"},
                                       {"TRITON_DEADLINE_MS", "-1"},
                                       {"METRICS_ENABLED", "perhaps"}}));
  EXPECT_THAT(message, HasSubstr("Failed to read secret GARAGE_SECRET_ACCESS_KEY from " + missing +
                                 ": ENOENT"));
  for (const char* value :
       {"secret-key-value", "file-secret-value", "GKaccess-key-value", "redis-pw-value"}) {
    EXPECT_THAT(message, Not(HasSubstr(value))) << value;
  }
}

TEST(EmbeddingWorkerConfig, ProtifersFieldsAndDefaults) {
  const EmbeddingWorkerConfig c = LoadEmbeddingWorkerConfig(MapEnvironment(
      With(S3Env(), {{"STORAGE_MAX_BYTES", "1e9"}, {"STORAGE_SWEEP_INTERVAL_MS", "60000"}})));
  EXPECT_EQ(c.triton.deadline, 90000ms);
  EXPECT_EQ(c.eviction.max_bytes, 1000000000);
  EXPECT_EQ(c.eviction.sweep_interval, 60000ms);
  EXPECT_EQ(c.metrics.port, 9090);
  EXPECT_EQ(c.storage.bucket, "embeddings");
  const EmbeddingWorkerConfig d = LoadEmbeddingWorkerConfig(MapEnvironment(S3Env()));
  EXPECT_EQ(d.eviction.max_bytes, 0);
  EXPECT_EQ(d.eviction.sweep_interval, 300000ms);
}

TEST(EmbeddingWorkerConfig, IgnoresThePredictionOnlyTunables) {
  // One call per job: no fan-out to bound, no embedding to size-check.
  const EmbeddingWorkerConfig c = LoadEmbeddingWorkerConfig(MapEnvironment(
      With(S3Env(), {{"TRITON_MAX_INFLIGHT_INFERS", "0"}, {"MAX_EMBEDDING_BYTES", "-5"}})));
  EXPECT_EQ(c.triton.max_inflight_infers, 8);
}

TEST(EmbeddingWorkerConfig, ReadsTheRetrySettingsWithTheClientDefaults) {
  const EmbeddingWorkerConfig defaults = LoadEmbeddingWorkerConfig(MapEnvironment(S3Env()));
  EXPECT_EQ(defaults.triton.retry_max_attempts, 3);  // protifer's built-in client defaults
  EXPECT_EQ(defaults.triton.retry_base_backoff, 100ms);
  const EmbeddingWorkerConfig c = LoadEmbeddingWorkerConfig(MapEnvironment(With(
      S3Env(), {{"TRITON_RETRY_MAX_ATTEMPTS", "6"}, {"TRITON_RETRY_BASE_BACKOFF_MS", "250"}})));
  EXPECT_EQ(c.triton.retry_max_attempts, 6);
  EXPECT_EQ(c.triton.retry_base_backoff, 250ms);
  EXPECT_THAT(EmbeddingFailure(With(S3Env(), {{"TRITON_RETRY_MAX_ATTEMPTS", "junk"}})),
              HasSubstr("[TRITON_RETRY_MAX_ATTEMPTS]"));
}

TEST(EmbeddingWorkerConfig, ValidatesItsOwnSettings) {
  EXPECT_THAT(EmbeddingFailure(With(S3Env(), {{"STORAGE_MAX_BYTES", "-1"}})),
              HasSubstr("storage.maxBytes [STORAGE_MAX_BYTES]: Too small: expected number to be "
                        ">=0"));
  EXPECT_THAT(EmbeddingFailure(With(S3Env(), {{"STORAGE_SWEEP_INTERVAL_MS", "0"}})),
              HasSubstr("storage.sweepIntervalMs [STORAGE_SWEEP_INTERVAL_MS]: Too small"));
  EXPECT_EQ(EmbeddingFailure(FilesystemEnv()), "");
  EXPECT_THAT(EmbeddingFailure(With(FilesystemEnv(), {{"STORAGE_DRIVER", "s3"}})),
              HasSubstr("[GARAGE_ACCESS_KEY_ID]: Missing required secret."));
}

template <typename Config>
std::set<std::string> EnvNamesOf(const Schema<Config>& schema) {
  std::set<std::string> names;
  for (const FieldDoc& doc : schema.Describe()) {
    names.insert(doc.env_name);
  }
  return names;
}

TEST(Describe, ListsEveryVariableOfEachWorker) {
  const std::set<std::string> common = {"TRITON_URL",
                                        "TRITON_DEADLINE_MS",
                                        "TRITON_RETRY_MAX_ATTEMPTS",
                                        "TRITON_RETRY_BASE_BACKOFF_MS",
                                        "TRITON_MAX_MESSAGE_BYTES",
                                        "TRITON_KEEPALIVE_TIME_MS",
                                        "TRITON_KEEPALIVE_TIMEOUT_MS",
                                        "TRITON_CHANNELS",
                                        "TRITON_USE_TLS",
                                        "TRITON_TLS_ROOT_CERTS",
                                        "REDIS_HOST",
                                        "REDIS_PORT",
                                        "REDIS_PASSWORD",
                                        "REDIS_DB",
                                        "STORAGE_DRIVER",
                                        "STORAGE_PATH",
                                        "GARAGE_ENDPOINT",
                                        "GARAGE_REGION",
                                        "GARAGE_BUCKET",
                                        "GARAGE_ACCESS_KEY_ID",
                                        "GARAGE_SECRET_ACCESS_KEY",
                                        "METRICS_PORT",
                                        "METRICS_ENABLED",
                                        "WORKER_CONCURRENCY",
                                        "BULLMQ_LOCK_DURATION_MS",
                                        "BULLMQ_LOCK_RENEW_TIME_MS",
                                        "BULLMQ_STALLED_INTERVAL_MS",
                                        "BULLMQ_MAX_STALLED_COUNT",
                                        "MAX_JOB_DATA_BYTES",
                                        "BOOT_TIMEOUT_MS",
                                        "BOOT_RETRY_INTERVAL_MS",
                                        "DRAIN_TIMEOUT_MS",
                                        "LOG_LEVEL"};
  std::set<std::string> prediction = common;
  prediction.insert({"TRITON_MAX_INFLIGHT_INFERS", "MAX_EMBEDDING_BYTES",
                     "TRITON_RETRY_BUDGET_TOKENS", "TRITON_RETRY_BUDGET_PERCENT",
                     "TRITON_ADAPTIVE_CONCURRENCY", "TRITON_ADAPTIVE_MIN_INFERS",
                     "TRITON_ADAPTIVE_MAX_INFERS", "TRITON_ADAPTIVE_LATENCY_TOLERANCE_PERCENT",
                     "TRITON_MAX_INFLIGHT_BYTES", "PREDICTION_RESULT_REUSE_TTL_MS"});
  std::set<std::string> embedding = common;
  embedding.insert({"STORAGE_MAX_BYTES", "STORAGE_SWEEP_INTERVAL_MS"});
  EXPECT_EQ(EnvNamesOf(PredictionWorkerSchema()), prediction);
  EXPECT_EQ(EnvNamesOf(EmbeddingWorkerSchema()), embedding);

  const std::string table = FormatDescribeTable(PredictionWorkerSchema().Describe());
  for (const std::string& name : prediction) {
    EXPECT_THAT(table, HasSubstr(name + " ")) << name;
  }
}

TEST(Describe, ShowsKindTypeAndDefaultButNeverValues) {
  // Load real values first: nothing of them may leak into the description.
  LoadPredictionWorkerConfig(MapEnvironment(
      With(S3Env(), {{"TRITON_URL", "very-distinct-host:1234"}, {"METRICS_PORT", "4242"}})));
  const std::vector<FieldDoc> docs = PredictionWorkerSchema().Describe();
  const auto find = [&](const std::string& env) {
    for (const FieldDoc& doc : docs) {
      if (doc.env_name == env) {
        return doc;
      }
    }
    ADD_FAILURE() << env;
    return FieldDoc{};
  };
  EXPECT_EQ(find("GARAGE_ACCESS_KEY_ID").kind, FieldKind::kSecret);
  EXPECT_EQ(find("GARAGE_ACCESS_KEY_ID").requirement, "required if STORAGE_DRIVER=s3");
  EXPECT_EQ(find("TRITON_URL").kind, FieldKind::kConfig);
  EXPECT_EQ(find("TRITON_URL").requirement, "required");
  EXPECT_EQ(find("METRICS_PORT").default_repr, "9090");
  EXPECT_EQ(find("METRICS_PORT").type, "port 1..65535");
  EXPECT_EQ(find("STORAGE_DRIVER").default_repr, "\"s3\"");
  EXPECT_EQ(find("STORAGE_DRIVER").type, "enum s3|filesystem");
  EXPECT_EQ(find("METRICS_ENABLED").default_repr, "true");
  EXPECT_EQ(find("TRITON_TLS_ROOT_CERTS").requirement, "optional");
  EXPECT_EQ(find("TRITON_DEADLINE_MS").type, "ms 1..2147483647");
  EXPECT_FALSE(find("REDIS_PASSWORD").has_default);
  for (const FieldDoc& doc : docs) {
    EXPECT_FALSE(doc.description.empty()) << doc.env_name;
  }

  const std::string table = FormatDescribeTable(docs);
  for (const char* value : {"very-distinct-host", "4242", "redis-pw-value", "secret-key-value",
                            "GKaccess-key-value", "garage:3900"}) {
    EXPECT_THAT(table, Not(HasSubstr(value))) << value;
  }
  EXPECT_EQ(table.rfind("ENV ", 0), 0u);
  // Aligned: every row has its KIND column at the same offset as the header's.
  std::istringstream lines(table);
  std::string header;
  std::getline(lines, header);
  const std::size_t kind_column = header.find("KIND");
  std::string row;
  int rows = 0;
  while (std::getline(lines, row) && !row.empty()) {
    EXPECT_TRUE(row.compare(kind_column, 6, "config") == 0 ||
                row.compare(kind_column, 6, "secret") == 0)
        << row;
    ++rows;
  }
  EXPECT_EQ(rows, static_cast<int>(docs.size()));
}

TEST(LoadOrExit, WritesProtifersFatalBlock) {
  std::ostringstream out;
  WriteFatalConfigError(out, ConfigValidationError({{"a.b", "A_B", "broken"}}));
  EXPECT_EQ(out.str(), "\nFatal: Configuration validation failed:\n  \u2022 a.b [A_B]: broken\n\n");
}

TEST(LoadOrExit, ReturnsTheConfigWhenValid) {
  const PredictionWorkerConfig c =
      LoadOrExit([] { return LoadPredictionWorkerConfig(MapEnvironment(S3Env())); });
  EXPECT_EQ(c.triton.url, "triton:8001");
}

TEST(LoadOrExitDeathTest, ExitsWithStatusOneAndNoSecret) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EnvironmentMap env = S3Env();
  env.erase("TRITON_URL");
  EXPECT_EXIT(LoadOrExit([&] { return LoadPredictionWorkerConfig(MapEnvironment(env)); }),
              ::testing::ExitedWithCode(1),
              "Fatal: Configuration validation failed:\n  \u2022 triton.url \\[TRITON_URL\\]");
}

TEST(LoadOrExit, OtherErrorsPropagate) {
  EXPECT_THROW(LoadOrExit([]() -> int { throw std::runtime_error("bug"); }), std::runtime_error);
}

}  // namespace
}  // namespace protifer::config

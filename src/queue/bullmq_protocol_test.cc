// Protocol pieces of the BullMQ runtime that need no Redis: MessagePack payloads, job hash
// parsing, retry/backoff decisions, version checks, key names and the embedded script table.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <msgpack.hpp>
#include <regex>
#include <string>

#include "queue/fake_job_backend.h"
#include "queue/job.h"
#include "queue/job_record.h"
#include "queue/lua_scripts.h"
#include "queue/msgpack_args.h"
#include "queue/queue_keys.h"
#include "queue/retry_policy.h"
#include "queue/startup_checks.h"

namespace protifer::queue {
namespace {

std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char byte : bytes) {
    const auto c = static_cast<unsigned char>(byte);
    out += kDigits[c >> 4U];
    out += kDigits[c & 15U];
  }
  return out;
}

std::string HexOfText(const std::string& text) { return Hex(text); }

// Decodes MessagePack back to JSON to check payloads by meaning.
nlohmann::json Decode(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return nullptr;
    case msgpack::type::BOOLEAN:
      return o.via.boolean;
    case msgpack::type::POSITIVE_INTEGER:
      return o.via.u64;
    case msgpack::type::NEGATIVE_INTEGER:
      return o.via.i64;
    case msgpack::type::FLOAT64:
    case msgpack::type::FLOAT32:
      return o.via.f64;
    case msgpack::type::STR:
      return std::string(o.via.str.ptr, o.via.str.size);
    case msgpack::type::ARRAY: {
      nlohmann::json a = nlohmann::json::array();
      for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
        a.push_back(Decode(o.via.array.ptr[i]));
      }
      return a;
    }
    case msgpack::type::MAP: {
      nlohmann::json m = nlohmann::json::object();
      for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        m[std::string(kv.key.via.str.ptr, kv.key.via.str.size)] = Decode(kv.val);
      }
      return m;
    }
    default:
      return "unsupported";
  }
}

nlohmann::json Unpack(const std::string& bytes) {
  msgpack::object_handle handle = msgpack::unpack(bytes.data(), bytes.size());
  return Decode(handle.get());
}

TEST(MsgpackArgs, FetchOptsMatchTheProbeEncoding) {
  // spec section 4: "84 a5 token a3 "w:1" ac lockDuration cd 7530 a7 limiter c0 a4 name a9
  // "cpp-proto"" is what the reference encoder writes and the scripts accept.
  const std::string expected = "84a5" + HexOfText("token") + "a3" + HexOfText("w:1") + "ac" +
                               HexOfText("lockDuration") + "cd7530" + "a7" + HexOfText("limiter") +
                               "c0" + "a4" + HexOfText("name") + "a9" + HexOfText("cpp-proto");
  EXPECT_EQ(Hex(PackFetchOpts("w:1", 30000, std::nullopt, "cpp-proto")), expected);
}

TEST(MsgpackArgs, FetchOptsWithLimiterAndNoName) {
  const nlohmann::json decoded =
      Unpack(PackFetchOpts("tok", 300000, RateLimiter{20, std::chrono::milliseconds(1000)}, ""));
  EXPECT_EQ(decoded, (nlohmann::json{{"token", "tok"},
                                     {"lockDuration", 300000},
                                     {"limiter", {{"max", 20}, {"duration", 1000}}},
                                     {"name", nullptr}}));
}

TEST(MsgpackArgs, FinishOptsCarryEveryKeyTheScriptIndexes) {
  FinishOpts opts;
  opts.token = "abc:1";
  opts.keep_jobs = {{"count", 1000}};
  opts.lock_duration_ms = 5000;
  opts.attempts = 3;
  opts.fpof = true;
  const nlohmann::json decoded = Unpack(PackFinishOpts(opts));
  EXPECT_EQ(decoded["token"], "abc:1");
  EXPECT_TRUE(decoded["name"].is_null());
  EXPECT_EQ(decoded["keepJobs"], (nlohmann::json{{"count", 1000}}));
  EXPECT_TRUE(decoded["limiter"].is_null());
  EXPECT_EQ(decoded["lockDuration"], 5000);
  EXPECT_EQ(decoded["attempts"], 3);
  EXPECT_EQ(decoded["maxMetricsSize"], "");  // "" = metrics off; nil would crash the Lua
  EXPECT_EQ(decoded["fpof"], true);
  EXPECT_EQ(decoded["cpof"], false);
  EXPECT_EQ(decoded["idof"], false);
  EXPECT_EQ(decoded["rdof"], false);
  EXPECT_EQ(decoded.size(), 11U);
}

TEST(MsgpackArgs, FlatFieldsAndStringListsAreArraysOfStrings) {
  EXPECT_EQ(Unpack(PackFlatFields({{"failedReason", "boom"}, {"stacktrace", "[]"}})),
            (nlohmann::json{"failedReason", "boom", "stacktrace", "[]"}));
  EXPECT_EQ(Unpack(PackStrings({"1", "22"})), (nlohmann::json{"1", "22"}));
  EXPECT_EQ(Unpack(PackStrings({})), nlohmann::json::array());
}

TEST(MsgpackArgs, JsonValuesKeepTheirTypes) {
  const nlohmann::json value = {{"age", 3600}, {"count", -1}, {"ratio", 0.5}, {"on", true}};
  EXPECT_EQ(Unpack(PackJson(value)), value);
  // Strings of 32+ bytes need str8, which Lua's cmsgpack decodes like fixstr.
  const std::string long_text(40, 'x');
  EXPECT_EQ(Hex(PackJson(long_text)).substr(0, 4), "d928");
}

TEST(JobRecord, ParsesTheFieldsAWorkerNeeds) {
  const JobRecord job =
      ParseJobRecord("42", "w:7",
                     {"name",
                      "prediction",
                      "data",
                      R"({"a":1})",
                      "opts",
                      R"({"attempts":3,"backoff":{"type":"exponential","delay":1000},"kl":5,)"
                      R"("removeOnComplete":{"count":1000},"removeOnFail":true,"fpof":true})",
                      "timestamp",
                      "1700000000000",
                      "processedOn",
                      "1700000000100",
                      "atm",
                      "2",
                      "ats",
                      "3",
                      "defa",
                      "child bull:embedding:1 failed",
                      "parentKey",
                      "bull:p:1",
                      "stacktrace",
                      "[\"x\"]"});
  EXPECT_EQ(job.id, "42");
  EXPECT_EQ(job.token, "w:7");
  EXPECT_EQ(job.name, "prediction");
  EXPECT_EQ(job.data, R"({"a":1})");
  EXPECT_EQ(job.options.attempts, 3);
  ASSERT_TRUE(job.options.backoff.has_value());
  EXPECT_EQ(job.options.backoff->type, "exponential");
  EXPECT_EQ(job.options.backoff->delay_ms, 1000);
  EXPECT_EQ(job.options.keep_logs, 5);
  EXPECT_EQ(job.options.remove_on_complete, (nlohmann::json{{"count", 1000}}));
  EXPECT_EQ(job.options.remove_on_fail, true);
  EXPECT_TRUE(job.options.fail_parent_on_failure);
  EXPECT_FALSE(job.options.lifo);
  EXPECT_EQ(job.timestamp, 1700000000000);
  EXPECT_EQ(job.processed_on, 1700000000100);
  EXPECT_EQ(job.attempts_made, 2);
  EXPECT_EQ(job.attempts_started, 3);
  EXPECT_EQ(job.deferred_failure, "child bull:embedding:1 failed");
  EXPECT_EQ(job.parent_key, "bull:p:1");
  EXPECT_EQ(job.stacktrace, "[\"x\"]");
  EXPECT_FALSE(job.opts_error.has_value());
}

TEST(JobRecord, DefaultsAndBrokenOptsDoNotThrow) {
  const JobRecord bare = ParseJobRecord("1", "t", {"name", "x"});
  EXPECT_EQ(bare.data, "{}");  // Job.fromJSON: JSON.parse(json.data || '{}')
  EXPECT_EQ(bare.options.attempts, 0);
  EXPECT_FALSE(bare.options.backoff.has_value());
  EXPECT_EQ(bare.attempts_made, 0);

  const JobRecord broken = ParseJobRecord("2", "t", {"opts", "{not json", "data", "{also not"});
  EXPECT_TRUE(broken.opts_error.has_value());
  EXPECT_EQ(broken.options.attempts, 0);
  EXPECT_EQ(broken.data, "{also not");  // kept verbatim; the worker fails the job with a reason

  // Backoffs.normalize: a bare number is a fixed backoff; the legacy attemptsMade field wins.
  const JobRecord legacy =
      ParseJobRecord("3", "t", {"opts", R"({"backoff":250})", "attemptsMade", "4", "atm", "1"});
  ASSERT_TRUE(legacy.options.backoff.has_value());
  EXPECT_EQ(legacy.options.backoff->type, "fixed");
  EXPECT_EQ(legacy.options.backoff->delay_ms, 250);
  EXPECT_EQ(legacy.attempts_made, 4);
}

TEST(JobRecord, NumbersBeyondInt64AreClampedNotUndefined) {
  // Found by job_record_fuzz: converting 1e300 to int64 is undefined behaviour.
  const JobRecord huge = ParseJobRecord("4", "t", {"opts", R"({"attempts":1e300,"kl":-1e300})"});
  EXPECT_GT(huge.options.attempts, std::int64_t{9'000'000'000'000'000'000});
  ASSERT_TRUE(huge.options.keep_logs.has_value());
  EXPECT_LT(*huge.options.keep_logs, std::int64_t{-9'000'000'000'000'000'000});
}

TEST(JobRecord, KeepJobsFollowsScriptsGetKeepJobs) {
  const nlohmann::json none;
  EXPECT_EQ(NormalizeKeepJobs(none, none), (nlohmann::json{{"count", -1}}));
  EXPECT_EQ(NormalizeKeepJobs(true, none), (nlohmann::json{{"count", 0}}));
  EXPECT_EQ(NormalizeKeepJobs(false, none), (nlohmann::json{{"count", -1}}));
  EXPECT_EQ(NormalizeKeepJobs(100, none), (nlohmann::json{{"count", 100}}));
  const nlohmann::json object = {{"age", 3600}, {"count", 10}};
  EXPECT_EQ(NormalizeKeepJobs(object, none), object);
  // The job's own option wins over the worker's; the worker's applies when the job has none.
  EXPECT_EQ(NormalizeKeepJobs(5, true), (nlohmann::json{{"count", 5}}));
  EXPECT_EQ(NormalizeKeepJobs(none, 7), (nlohmann::json{{"count", 7}}));
}

TEST(RetryPolicy, ExponentialBackoffDoublesPerAttempt) {
  JobOptions options;
  options.attempts = 3;
  options.backoff = BackoffSpec{"exponential", 1000, 0};
  FailureDecision first = DecideFailure(options, 0, false, 0.5);
  EXPECT_EQ(first.action, FailureDecision::Action::kRetryAfterDelay);
  EXPECT_EQ(first.delay_ms, 1000);
  FailureDecision second = DecideFailure(options, 1, false, 0.5);
  EXPECT_EQ(second.action, FailureDecision::Action::kRetryAfterDelay);
  EXPECT_EQ(second.delay_ms, 2000);
  // attemptsMade + 1 == attempts: out of attempts.
  EXPECT_EQ(DecideFailure(options, 2, false, 0.5).action, FailureDecision::Action::kFail);
}

TEST(RetryPolicy, NoBackoffRetriesAtOnceAndUnrecoverableNeverRetries) {
  JobOptions options;
  options.attempts = 2;
  EXPECT_EQ(DecideFailure(options, 0, false, 0).action, FailureDecision::Action::kRetryNow);
  EXPECT_EQ(DecideFailure(options, 0, true, 0).action, FailureDecision::Action::kFail);
  options.attempts = 0;  // no attempts option: a single attempt
  EXPECT_EQ(DecideFailure(options, 0, false, 0).action, FailureDecision::Action::kFail);
  options.attempts = 1;
  EXPECT_EQ(DecideFailure(options, 0, false, 0).action, FailureDecision::Action::kFail);
}

TEST(RetryPolicy, JitterAndUnknownStrategies) {
  // fixed with jitter: floor(random * delay * jitter + delay * (1 - jitter))
  EXPECT_EQ(BackoffDelay({"fixed", 1000, 0.5}, 1, 0.0), 500);
  EXPECT_EQ(BackoffDelay({"fixed", 1000, 0.5}, 1, 0.999), 999);
  // exponential with jitter: the same formula on round(2^(n-1) * delay)
  EXPECT_EQ(BackoffDelay({"exponential", 100, 0.5}, 3, 0.0), 200);
  EXPECT_EQ(BackoffDelay({"exponential", 100, 0}, 3, 0.7), 400);
  EXPECT_FALSE(BackoffDelay({"my-custom", 100, 0}, 1, 0).has_value());

  JobOptions options;
  options.attempts = 5;
  options.backoff = BackoffSpec{"my-custom", 100, 0};
  const FailureDecision decision = DecideFailure(options, 0, false, 0);
  EXPECT_EQ(decision.action, FailureDecision::Action::kFail);
  EXPECT_EQ(decision.unsupported_backoff, "my-custom");

  options.backoff = BackoffSpec{"fixed", 0, 0};  // zero delay: immediate retry
  EXPECT_EQ(DecideFailure(options, 0, false, 0).action, FailureDecision::Action::kRetryNow);
}

TEST(RetryPolicy, StacktraceIsAppendedAndTrimmedLikeJobUpdateStacktrace) {
  EXPECT_EQ(AppendStacktrace("", "Error: a", std::nullopt), R"(["Error: a"])");
  EXPECT_EQ(AppendStacktrace("not json", "Error: a", std::nullopt), R"(["Error: a"])");
  EXPECT_EQ(AppendStacktrace(R"({"x":1})", "Error: a", std::nullopt), R"(["Error: a"])");
  EXPECT_EQ(AppendStacktrace(R"(["1","2"])", "3", std::nullopt), R"(["1","2","3"])");
  EXPECT_EQ(AppendStacktrace(R"(["1","2"])", "3", 2), R"(["2","3"])");
  EXPECT_EQ(AppendStacktrace(R"(["1","2"])", "3", 0), "[]");
  EXPECT_EQ(AppendStacktrace(R"(["1","2"])", "3", -1), R"(["2","3"])");  // slice(1)
}

TEST(StartupChecks, MetaVersionVerdicts) {
  using Status = MetaVersionCheck::Status;
  EXPECT_EQ(CheckMetaVersion("bullmq:5.81.5", "5.81.5").status, Status::kSame);
  EXPECT_EQ(CheckMetaVersion(std::nullopt, "5.81.5").status, Status::kMissing);
  EXPECT_EQ(CheckMetaVersion("bullmq:5.71.0", "5.81.5").status, Status::kOtherMinor);
  const MetaVersionCheck v6 = CheckMetaVersion("bullmq:6.7.0", "5.81.5");
  EXPECT_EQ(v6.status, Status::kOtherMajor);
  EXPECT_NE(v6.message.find("bullmq:6.7.0"), std::string::npos);
  EXPECT_EQ(CheckMetaVersion("bullmq:4.0.0", "5.81.5").status, Status::kOtherMajor);
  EXPECT_EQ(CheckMetaVersion("bullmq-pro:7.1.0", "5.81.5").status, Status::kUnrecognized);
  EXPECT_EQ(CheckMetaVersion("bullmq:five", "5.81.5").status, Status::kUnrecognized);
}

TEST(StartupChecks, RedisServerVersionAndEvictionPolicy) {
  const RedisServerCheck ok = CheckRedisServer(
      "# Server\r\nredis_version:7.0.15\r\n# Memory\r\nmaxmemory_policy:noeviction\r\n");
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.version, "7.0.15");
  EXPECT_TRUE(ok.eviction_warning.empty());
  const RedisServerCheck lru =
      CheckRedisServer("redis_version:6.2.14\r\nmaxmemory_policy:allkeys-lru\r\n");
  EXPECT_TRUE(lru.ok);
  EXPECT_NE(lru.eviction_warning.find("allkeys-lru"), std::string::npos);
  const RedisServerCheck old = CheckRedisServer("redis_version:5.0.7\r\n");
  EXPECT_FALSE(old.ok);
  EXPECT_NE(old.message.find("5.0.7"), std::string::npos);
  EXPECT_FALSE(CheckRedisServer("").ok);
}

TEST(QueueKeys, KeyLayoutAndWorkerConnectionNames) {
  const QueueKeys keys("bull", "prediction");
  EXPECT_EQ(keys.key_prefix(), "bull:prediction:");
  EXPECT_EQ(keys.wait(), "bull:prediction:wait");
  EXPECT_EQ(keys.stalled_check(), "bull:prediction:stalled-check");
  EXPECT_EQ(keys.JobLock("7"), "bull:prediction:7:lock");
  EXPECT_EQ(keys.JobProcessed("7"), "bull:prediction:7:processed");
  // Buffer.from('prediction').toString('base64') == 'cHJlZGljdGlvbg=='
  EXPECT_EQ(keys.WorkerConnectionName(""), "bull:cHJlZGljdGlvbg==");
  EXPECT_EQ(QueueKeys("bull", "q").WorkerConnectionName("cpp-proto"), "bull:cQ==:w:cpp-proto");
  EXPECT_EQ(Base64Encode("ab"), "YWI=");
  EXPECT_EQ(Base64Encode("abc"), "YWJj");
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_THROW(QueueKeys("bull", "a:b"), std::invalid_argument);
  EXPECT_THROW(QueueKeys("bull", ""), std::invalid_argument);
}

TEST(LuaScripts, TableComesFromThePinnedPackage) {
  EXPECT_EQ(BundledBullmqVersion(), PROTIFER_BULLMQ_PIN);
  const std::regex sha1("^[0-9a-f]{40}$");
  for (ScriptId id : kAllScripts) {
    const LuaScript& script = GetLuaScript(id);
    EXPECT_TRUE(std::regex_match(std::string(script.sha1), sha1)) << script.name;
    EXPECT_GT(script.body.size(), 100U) << script.name;
    // Flattened: no include directive is left for Redis to choke on.
    EXPECT_EQ(script.body.find("@include"), std::string_view::npos) << script.name;
  }
  EXPECT_EQ(GetLuaScript(ScriptId::kMoveToActive).name, "moveToActive");
  EXPECT_EQ(GetLuaScript(ScriptId::kMoveToActive).num_keys, 11);
  EXPECT_EQ(GetLuaScript(ScriptId::kMoveToFinished).num_keys, 14);
  EXPECT_EQ(GetLuaScript(ScriptId::kMoveToDelayed).num_keys, 12);
  EXPECT_EQ(GetLuaScript(ScriptId::kMoveStalledJobsToWait).num_keys, 9);
  EXPECT_EQ(GetLuaScript(ScriptId::kExtendLocks).num_keys, 1);
}

TEST(Job, ProgressLogsAndChildrenValuesGoThroughTheBackend) {
  FakeJobBackend backend;
  const JobRecord record = MakeTestJobRecord("p1", "prediction", R"({"sequence":"MKV"})");
  Job job(record, nlohmann::json::parse(record.data), backend);
  EXPECT_EQ(job.id(), "p1");
  EXPECT_EQ(job.data()["sequence"], "MKV");

  job.UpdateProgress(10);
  job.UpdateProgress({{"pct", 0.5}, {"bad", std::nan("")}});
  EXPECT_EQ(backend.progress(), (std::vector<std::string>{"10", R"({"bad":null,"pct":0.5})"}));
  EXPECT_EQ(job.Log("one"), 1);
  EXPECT_EQ(job.Log("two"), 2);
  EXPECT_EQ(backend.logs(), (std::vector<std::string>{"one", "two"}));

  EXPECT_EQ(job.GetChildrenValues(), nlohmann::json::object());
  backend.SetChildValue("bull:embedding:e1", R"({"embeddingRef":"emb/a"})");
  EXPECT_EQ(job.GetChildrenValues(),
            (nlohmann::json{{"bull:embedding:e1", {{"embeddingRef", "emb/a"}}}}));
  backend.SetChildValue("bull:embedding:e2", "{broken");
  EXPECT_THROW(job.GetChildrenValues(), std::runtime_error);
}

TEST(Job, JsonTextIsWhatJsonParseAccepts) {
  EXPECT_EQ(ToJsonText(nlohmann::json()), "null");
  EXPECT_EQ(ToJsonText(nlohmann::json::parse("{oops", nullptr, false)), "null");
  EXPECT_EQ(ToJsonText(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(ToJsonText(std::string("caf\xc3")), "\"caf\xef\xbf\xbd\"");  // invalid UTF-8 replaced
}

}  // namespace
}  // namespace protifer::queue

// prediction-worker and embedding-worker as processes: command line, configuration errors, the
// boot gate, start-up refusals, and the SIGTERM drain. The pipeline itself (jobs from a Node
// gateway through both workers) is the end-to-end suite's (tests/e2e).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "apps/exit_codes.h"
#include "apps/tests/child_process.h"
#include "kserve-stub/server.h"
#include "queue/test_support/node_script.h"
#include "queue/test_support/redis_server.h"

namespace protifer::apps {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ChildProcess;
using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;
using Env = std::map<std::string, std::string>;

constexpr auto kStartTimeout = seconds(60);

// The process's JSON log lines whose `msg` is `msg`, in order.
std::vector<json> LogsWithMessage(const ChildProcess& process, const std::string& msg) {
  std::vector<json> found;
  for (const auto& line : process.StdoutLines()) {
    json parsed = json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.value("msg", "") == msg) {
      found.push_back(std::move(parsed));
    }
  }
  return found;
}

json LastLogWithMessage(const ChildProcess& process, const std::string& msg) {
  const std::vector<json> found = LogsWithMessage(process, msg);
  return found.empty() ? json() : found.back();
}

class WorkerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kserve_stub::StubOptions options;
    options.time_scale = 0.01;
    stub_ = kserve_stub::StubServer::Start(std::move(options));
    store_ = std::filesystem::temp_directory_path() /
             ("worker-process-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(store_);
  }
  void TearDown() override { std::filesystem::remove_all(store_); }

  // A complete, valid environment for either worker, without Redis unless one is started.
  Env BaseEnv() const {
    return {{"TRITON_URL", stub_->address()},
            {"REDIS_HOST", "127.0.0.1"},
            {"REDIS_PORT", redis_ ? std::to_string(redis_->port()) : "1"},
            {"REDIS_PASSWORD", redis_ ? redis_->password() : "unused"},
            {"STORAGE_DRIVER", "filesystem"},
            {"STORAGE_PATH", store_.string()},
            {"METRICS_ENABLED", "false"},
            {"BOOT_TIMEOUT_MS", "20000"},
            {"BOOT_RETRY_INTERVAL_MS", "100"},
            {"BULLMQ_STALLED_INTERVAL_MS", "1000"}};
  }

  void StartRedis() { redis_ = std::make_unique<queue::test_support::RedisServer>(); }

  json AddJobs(const std::string& queue, const json& jobs) {
    return queue::test_support::RunBullmqCli("add", {{"port", redis_->port()},
                                                     {"password", redis_->password()},
                                                     {"queue", queue},
                                                     {"jobs", jobs}})["ids"];
  }

  // One embedding job for a short sequence; returns its id.
  std::string AddEmbeddingJob(const std::string& sequence_hash) {
    const json ids = AddJobs(
        "embedding", {{{"name", "embedding"},
                       {"data",
                        {{"sequence", "MKTAYIAK"},
                         {"sequenceHash", sequence_hash},
                         {"embeddingModel", {{"name", "prott5_xl_u50"}, {"version", "dev"}}}}}}});
    return ids[0].get<std::string>();
  }

  // The job's state in BullMQ's words ("completed", "active", ...), read by a Node client.
  std::string EmbeddingJobState(const std::string& job_id) {
    const json described =
        queue::test_support::RunBullmqCli("describe", {{"port", redis_->port()},
                                                       {"password", redis_->password()},
                                                       {"queue", "embedding"},
                                                       {"ids", json::array({job_id})}});
    return described["jobs"][job_id]["state"].get<std::string>();
  }

  std::unique_ptr<kserve_stub::StubServer> stub_;
  std::unique_ptr<queue::test_support::RedisServer> redis_;
  std::filesystem::path store_;
};

TEST_F(WorkerProcessTest, DescribeListsEverySettingAndNoValue) {
  Env env = BaseEnv();
  env["REDIS_PASSWORD"] = "do-not-print-me";
  ChildProcess worker(PREDICTION_WORKER_BIN, {"--describe"}, env);
  ASSERT_EQ(worker.WaitForExit(kStartTimeout), kExitOk);
  EXPECT_THAT(worker.Stdout(), HasSubstr("TRITON_MAX_INFLIGHT_INFERS"));
  EXPECT_THAT(worker.Stdout(), HasSubstr("DRAIN_TIMEOUT_MS"));
  EXPECT_THAT(worker.Stdout(), Not(HasSubstr("do-not-print-me")));
}

TEST_F(WorkerProcessTest, AnUnknownFlagIsAUsageError) {
  ChildProcess worker(EMBEDDING_WORKER_BIN, {"--concurrency=3"}, BaseEnv());
  ASSERT_EQ(worker.WaitForExit(kStartTimeout), kExitUsage);
  EXPECT_THAT(worker.Stderr(), HasSubstr("unexpected argument '--concurrency=3'"));
}

TEST_F(WorkerProcessTest, BadConfigurationExitsOneListingEveryProblemButNoSecret) {
  Env env = BaseEnv();
  env.erase("TRITON_URL");
  env["REDIS_PORT"] = "99999";
  env["WORKER_CONCURRENCY"] = "0";
  env["REDIS_PASSWORD"] = "hunter2-secret";
  ChildProcess worker(PREDICTION_WORKER_BIN, {}, env);
  ASSERT_EQ(worker.WaitForExit(kStartTimeout), kExitFailure);
  const std::string err = worker.Stderr();
  EXPECT_THAT(err, HasSubstr("Fatal: Configuration validation failed:"));
  EXPECT_THAT(err, HasSubstr("[TRITON_URL]"));
  EXPECT_THAT(err, HasSubstr("[REDIS_PORT]"));
  EXPECT_THAT(err, HasSubstr("[WORKER_CONCURRENCY]"));
  EXPECT_THAT(err, Not(HasSubstr("hunter2-secret")));
  EXPECT_EQ(worker.Stdout(), "");
}

TEST_F(WorkerProcessTest, BootGateGivesUpNamingTheModelThatIsNotReady) {
  ASSERT_TRUE(stub_->Control("not-ready seth").ok());
  Env env = BaseEnv();
  env["BOOT_TIMEOUT_MS"] = "1500";
  ChildProcess worker(PREDICTION_WORKER_BIN, {}, env);
  ASSERT_EQ(worker.WaitForExit(kStartTimeout), kExitFailure);
  const json timeout = LastLogWithMessage(worker, "Boot gate timed out — exiting");
  ASSERT_TRUE(timeout.is_object()) << worker.Stdout();
  // Strict readiness: one model that is not ready keeps ServerReady false.
  EXPECT_EQ(timeout["lastProblem"], "ServerReady is false");
  stub_->Control("server-ready");
}

TEST_F(WorkerProcessTest, BootGateWaitsForALateModelThenConsumes) {
  StartRedis();
  ASSERT_TRUE(stub_->Control("not-ready prot_t5_pipeline").ok());
  ChildProcess worker(EMBEDDING_WORKER_BIN, {}, BaseEnv());
  ASSERT_TRUE(worker.WaitForLogMessage("Triton not ready — waiting", kStartTimeout))
      << worker.Stdout();
  ASSERT_TRUE(stub_->Control("ready prot_t5_pipeline").ok());
  ASSERT_TRUE(worker.WaitForLogMessage("embedding-worker consuming", kStartTimeout))
      << worker.Stdout();
  EXPECT_EQ(LastLogWithMessage(worker, "ModelReady ok")["model"], "prot_t5_pipeline");
  worker.Signal(SIGTERM);
  EXPECT_EQ(worker.WaitForExit(kStartTimeout), kExitOk);
}

TEST_F(WorkerProcessTest, SigtermDuringTheBootGateExitsCleanly) {
  ASSERT_TRUE(stub_->Control("server-not-ready").ok());
  ChildProcess worker(EMBEDDING_WORKER_BIN, {}, BaseEnv());
  ASSERT_TRUE(worker.WaitForLogMessage("Triton not ready — waiting", kStartTimeout));
  worker.Signal(SIGTERM);
  EXPECT_EQ(worker.WaitForExit(kStartTimeout), kExitOk);
  EXPECT_TRUE(LastLogWithMessage(worker, "SIGTERM received during the boot gate").is_object());
}

TEST_F(WorkerProcessTest, AWrongRedisPasswordIsAStartupFailure) {
  StartRedis();
  Env env = BaseEnv();
  env["REDIS_PASSWORD"] = "not-the-password";
  ChildProcess worker(EMBEDDING_WORKER_BIN, {}, env);
  ASSERT_EQ(worker.WaitForExit(kStartTimeout), kExitFailure) << worker.Stdout();
  const json fatal = LastLogWithMessage(worker, "Cannot consume the queue — exiting");
  ASSERT_TRUE(fatal.is_object()) << worker.Stdout();
  EXPECT_EQ(fatal["level"], 60);
  EXPECT_THAT(worker.Stdout(), Not(HasSubstr("not-the-password")));
}

TEST_F(WorkerProcessTest, ATakenMetricsPortIsAStartupFailure) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  Env env = BaseEnv();
  env["METRICS_ENABLED"] = "true";
  env["METRICS_PORT"] = std::to_string(ntohs(address.sin_port));
  ChildProcess worker(PREDICTION_WORKER_BIN, {}, env);
  EXPECT_EQ(worker.WaitForExit(kStartTimeout), kExitFailure);
  ::close(listener);
  const json fatal = LastLogWithMessage(worker, "Cannot start prediction-worker — exiting");
  ASSERT_TRUE(fatal.is_object()) << worker.Stdout();
  EXPECT_THAT(fatal["err"]["message"].get<std::string>(), HasSubstr("cannot listen"));
}

TEST_F(WorkerProcessTest, SigtermLetsTheRunningJobFinishThenStops) {
  StartRedis();
  ASSERT_TRUE(stub_->Control("latency prot_t5_pipeline 1500").ok());
  ChildProcess worker(EMBEDDING_WORKER_BIN, {}, BaseEnv());
  ASSERT_TRUE(worker.WaitForLogMessage("embedding-worker consuming", kStartTimeout))
      << worker.Stdout();
  const std::string job_id = AddEmbeddingJob("a1b2");
  ASSERT_TRUE(worker.WaitForLogMessage("Processing embedding job", kStartTimeout));
  worker.Signal(SIGTERM);
  ASSERT_EQ(worker.WaitForExit(kStartTimeout), kExitOk) << worker.Stdout();
  const json completed = LastLogWithMessage(worker, "embedding-worker job completed");
  ASSERT_TRUE(completed.is_object()) << worker.Stdout();
  EXPECT_EQ(completed["jobId"], job_id);
  EXPECT_EQ(LastLogWithMessage(worker, "embedding-worker stopped")["abandonedJobs"], 0);
  EXPECT_EQ(EmbeddingJobState(job_id), "completed");
}

TEST_F(WorkerProcessTest, EmbeddingWorkerRetriesAsManyTimesAsConfigured) {
  StartRedis();
  // Four transport failures in a row: more than the default 3 attempts survive.
  ASSERT_TRUE(stub_->Control("fail prot_t5_pipeline 4 UNAVAILABLE Connection reset by peer").ok());
  Env env = BaseEnv();
  env["TRITON_RETRY_MAX_ATTEMPTS"] = "5";
  env["TRITON_RETRY_BASE_BACKOFF_MS"] = "1";
  ChildProcess worker(EMBEDDING_WORKER_BIN, {}, env);
  ASSERT_TRUE(worker.WaitForLogMessage("embedding-worker consuming", kStartTimeout))
      << worker.Stdout();
  const std::string job_id = AddEmbeddingJob("e5f6");
  ASSERT_TRUE(worker.WaitForLogMessage("embedding-worker job completed", kStartTimeout))
      << worker.Stdout();
  EXPECT_EQ(LogsWithMessage(worker, "Triton call failed — retrying").size(), 4u) << worker.Stdout();
  EXPECT_EQ(LastLogWithMessage(worker, "embedding-worker job completed")["jobId"], job_id);
  worker.Signal(SIGTERM);
  EXPECT_EQ(worker.WaitForExit(kStartTimeout), kExitOk) << worker.Stdout();
}

TEST_F(WorkerProcessTest, DrainDeadlineLeavesTheJobActiveAndExitsWithoutWaitingForTriton) {
  StartRedis();
  // Far longer than the drain deadline, shorter than the test's patience only if cancelled.
  ASSERT_TRUE(stub_->Control("latency prot_t5_pipeline 300000").ok());
  Env env = BaseEnv();
  env["DRAIN_TIMEOUT_MS"] = "300";
  ChildProcess worker(EMBEDDING_WORKER_BIN, {}, env);
  ASSERT_TRUE(worker.WaitForLogMessage("embedding-worker consuming", kStartTimeout));
  const std::string job_id = AddEmbeddingJob("c3d4");
  ASSERT_TRUE(worker.WaitForLogMessage("Processing embedding job", kStartTimeout));
  worker.Signal(SIGTERM);
  ASSERT_EQ(worker.WaitForExit(kStartTimeout), kExitOk) << worker.Stdout();
  EXPECT_EQ(LastLogWithMessage(worker, "embedding-worker stopped")["abandonedJobs"], 1);
  // Not failed, not completed: still active with its lock, for the stalled checker.
  EXPECT_EQ(EmbeddingJobState(job_id), "active");
  stub_->Control("clear");
}

}  // namespace
}  // namespace protifer::apps

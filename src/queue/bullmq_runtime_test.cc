// The C++ worker against a real redis-server (one per test) and the real Node bullmq: Node
// produces the jobs and reads back what a Node user would see (tests/node/bullmq_cli.js).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "queue/bullmq_worker.h"
#include "queue/redis_connection.h"
#include "queue/test_support/node_script.h"
#include "queue/test_support/redis_server.h"

namespace protifer::queue {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kWorkerName = "cpp-test";

// Waits for pred with a generous bound; the bound only keeps a broken test from hanging.
template <typename Pred>
bool WaitFor(Pred pred, milliseconds limit = milliseconds(20000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

// Outcomes reported by a worker's hook, in order.
class OutcomeLog {
 public:
  WorkerHooks Hooks() {
    WorkerHooks hooks;
    hooks.on_outcome = [this](const JobOutcome& outcome) {
      std::lock_guard lock(mutex_);
      outcomes_.push_back(outcome);
    };
    return hooks;
  }
  std::vector<JobOutcome> Snapshot() const {
    std::lock_guard lock(mutex_);
    return outcomes_;
  }
  std::size_t Count(JobOutcome::Kind kind) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(std::count_if(
        outcomes_.begin(), outcomes_.end(), [&](const JobOutcome& o) { return o.kind == kind; }));
  }

 private:
  mutable std::mutex mutex_;
  std::vector<JobOutcome> outcomes_;
};

// A gate processors wait on until the test opens it.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, seconds(30), [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

class BullmqRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override { StartRedis({}); }

  void StartRedis(test_support::RedisServer::Options options) {
    redis_.reset();
    redis_ = std::make_unique<test_support::RedisServer>(std::move(options));
  }

  json Cli(const std::string& command, json args) {
    args["port"] = redis_->port();
    args["password"] = redis_->password();
    return test_support::RunBullmqCli(command, args);
  }

  std::vector<std::string> Add(const std::string& queue, const json& jobs) {
    return Cli("add", {{"queue", queue}, {"jobs", jobs}})["ids"].get<std::vector<std::string>>();
  }

  json Wait(const std::string& queue, const std::vector<std::string>& ids,
            json extra = json::object()) {
    extra["queue"] = queue;
    extra["ids"] = ids;
    return Cli("wait", extra);
  }

  // Short timings so stalls and retries resolve within a test.
  static WorkerOptions FastOptions(const std::string& queue) {
    WorkerOptions options;
    options.queue_name = queue;
    options.worker_name = kWorkerName;
    options.concurrency = 2;
    options.lock_duration = milliseconds(5000);
    options.lock_renew_time = milliseconds(1000);
    options.stalled_interval = milliseconds(1000);
    options.drain_delay = milliseconds(1000);
    options.limiter.reset();
    options.reconnect_backoff_min = milliseconds(20);
    options.reconnect_backoff_max = milliseconds(300);
    return options;
  }

  std::unique_ptr<test_support::RedisServer> redis_;
};

TEST_F(BullmqRuntimeTest, CompletesAJobAsANodeWorkerWould) {
  const auto ids = Add("q", json::array({{{"name", "x"}, {"data", {{"a", 1}}}}}));
  const json expected = {{"ok", true}, {"sum", 2}, {"nested", {{"v", {1, 2, 3}}}}};
  BullmqWorker worker(redis_->endpoint(), FastOptions("q"), [](Job& job) {
    job.UpdateProgress(42);
    job.UpdateProgress({{"pct", 50}, {"stage", "embed"}});
    EXPECT_EQ(job.Log("hello from c++"), 1);
    EXPECT_EQ(job.Log("second line"), 2);
    EXPECT_EQ(job.name(), "x");
    EXPECT_EQ(job.attempts_made(), 0);
    // ordered_json: the stored text keeps this key order, as a Node processor's object would.
    return nlohmann::ordered_json{
        {"ok", true}, {"sum", job.data()["a"].get<int>() + 1}, {"nested", {{"v", {1, 2, 3}}}}};
  });
  worker.Start();

  const json out = Wait("q", ids, {{"listenEvents", true}});
  const json& job = out["jobs"][ids[0]];
  EXPECT_EQ(job["state"], "completed");
  EXPECT_EQ(job["returnvalue"], expected);
  EXPECT_EQ(job["progress"], (json{{"pct", 50}, {"stage", "embed"}}));
  EXPECT_EQ(job["logs"], (json{"hello from c++", "second line"}));
  EXPECT_EQ(job["attemptsMade"], 1);
  EXPECT_EQ(job["attemptsStarted"], 1);
  EXPECT_EQ(job["processedBy"], kWorkerName);
  EXPECT_GE(job["finishedOn"].get<std::int64_t>(), job["processedOn"].get<std::int64_t>());
  EXPECT_EQ(job["hash"].count("lock"), 0U);
  EXPECT_EQ(job["hash"]["returnvalue"], R"({"ok":true,"sum":2,"nested":{"v":[1,2,3]}})");
  EXPECT_EQ(job["events"],
            (json{"added", "waiting", "active", "progress", "progress", "completed"}));

  // What a QueueEvents listener receives: the completed event with the parsed returnvalue,
  // and both progress values.
  const json& seen = out["queueEvents"][ids[0]];
  std::vector<json> progress;
  json completed;
  for (const json& e : seen) {
    if (e["event"] == "progress") {
      progress.push_back(e["data"]);
    } else if (e["event"] == "completed") {
      completed = e;
    }
  }
  EXPECT_EQ(completed["returnvalue"], expected);
  EXPECT_EQ(completed["prev"], "active");
  EXPECT_EQ(progress, (std::vector<json>{42, {{"pct", 50}, {"stage", "embed"}}}));
  EXPECT_EQ(worker.Close(seconds(5)), 0U);
}

TEST_F(BullmqRuntimeTest, ExponentialBackoffRetriesThenFailsAfterThreeAttempts) {
  const auto ids = Add(
      "q",
      json::array(
          {{{"name", "y"},
            {"data", json::object()},
            {"opts", {{"attempts", 3}, {"backoff", {{"type", "exponential"}, {"delay", 50}}}}}}}));
  OutcomeLog outcomes;
  BullmqWorker worker(
      redis_->endpoint(), FastOptions("q"),
      [](Job& job) -> json {
        throw std::runtime_error("boom " + std::to_string(job.attempts_made() + 1));
      },
      outcomes.Hooks());
  worker.Start();

  const json out = Wait("q", ids, {{"listenEvents", true}});
  const json& job = out["jobs"][ids[0]];
  EXPECT_EQ(job["state"], "failed");
  EXPECT_EQ(job["failedReason"], "boom 3");
  EXPECT_EQ(job["attemptsMade"], 3);
  EXPECT_EQ(job["attemptsStarted"], 3);
  EXPECT_EQ(job["stacktrace"], (json{"Error: boom 1", "Error: boom 2", "Error: boom 3"}));
  EXPECT_EQ(job["events"], (json{"added", "waiting", "active", "delayed", "waiting", "active",
                                 "delayed", "waiting", "active", "failed", "retries-exhausted"}));
  bool saw_failed_event = false;
  for (const json& e : out["queueEvents"][ids[0]]) {
    if (e["event"] == "failed") {
      saw_failed_event = true;
      EXPECT_EQ(e["failedReason"], "boom 3");
    }
  }
  EXPECT_TRUE(saw_failed_event);

  worker.Close(seconds(5));
  const auto log = outcomes.Snapshot();
  ASSERT_EQ(log.size(), 3U);
  EXPECT_EQ(log[0].kind, JobOutcome::Kind::kRetryScheduled);
  EXPECT_EQ(log[0].retry_delay_ms, 50);  // 2^0 * 50
  EXPECT_EQ(log[1].kind, JobOutcome::Kind::kRetryScheduled);
  EXPECT_EQ(log[1].retry_delay_ms, 100);  // 2^1 * 50
  EXPECT_EQ(log[2].kind, JobOutcome::Kind::kFailed);
  EXPECT_EQ(log[2].attempts_made, 3);
}

TEST_F(BullmqRuntimeTest, UnrecoverableErrorFailsAtOnceDespiteAttemptsLeft) {
  const auto ids = Add(
      "q", json::array(
               {{{"name", "u"},
                 {"data", json::object()},
                 {"opts", {{"attempts", 5}, {"backoff", {{"type", "fixed"}, {"delay", 10}}}}}}}));
  BullmqWorker worker(redis_->endpoint(), FastOptions("q"), [](Job&) -> json {
    throw UnrecoverableError("invalid job data: field 'sequence' is missing");
  });
  worker.Start();
  const json job = Wait("q", ids)["jobs"][ids[0]];
  EXPECT_EQ(job["state"], "failed");
  EXPECT_EQ(job["failedReason"], "invalid job data: field 'sequence' is missing");
  EXPECT_EQ(job["attemptsMade"], 1);
  EXPECT_EQ(job["stacktrace"],
            (json{"UnrecoverableError: invalid job data: field 'sequence' is missing"}));
  worker.Close(seconds(5));
}

TEST_F(BullmqRuntimeTest, OversizedDataFailsUnprocessedAndTheWorkerGoesOn) {
  const auto ids = Add("q", json::array({{{"name", "big"},
                                          {"data", {{"sequence", std::string(4000, 'A')}}},
                                          {"opts", {{"attempts", 3}}}},
                                         {{"name", "small"}, {"data", {{"sequence", "MKV"}}}}}));
  WorkerOptions options = FastOptions("q");
  options.max_data_bytes = 1000;
  std::atomic<int> processed{0};
  BullmqWorker worker(redis_->endpoint(), options, [&](Job& job) -> json {
    ++processed;
    return job.data()["sequence"];
  });
  worker.Start();
  const json out = Wait("q", ids);
  const json& big = out["jobs"][ids[0]];
  EXPECT_EQ(big["state"], "failed");
  EXPECT_EQ(big["failedReason"],
            "Job data is 4015 bytes, more than this worker accepts (1000 bytes)");
  EXPECT_EQ(big["attemptsMade"], 1);
  EXPECT_EQ(out["jobs"][ids[1]]["state"], "completed");
  EXPECT_EQ(out["jobs"][ids[1]]["returnvalue"], "MKV");
  EXPECT_EQ(processed.load(), 1);
  worker.Close(seconds(5));
}

TEST_F(BullmqRuntimeTest, AFailureReasonIsStoredAsValidUtf8) {
  const auto ids = Add("q", json::array({{{"name", "u"}, {"data", json::object()}}}));
  BullmqWorker worker(redis_->endpoint(), FastOptions("q"), [](Job&) -> json {
    throw std::runtime_error("label \xff\xfe from the server");
  });
  worker.Start();
  const json job = Wait("q", ids)["jobs"][ids[0]];
  EXPECT_EQ(job["failedReason"], "label \xef\xbf\xbd\xef\xbf\xbd from the server");
  EXPECT_EQ(job["hash"]["failedReason"], "label \xef\xbf\xbd\xef\xbf\xbd from the server");
  worker.Close(seconds(5));
}

TEST_F(BullmqRuntimeTest, RetriesAtOnceWithoutBackoff) {
  const auto ids = Add("q", json::array({{{"name", "z"}, {"opts", {{"attempts", 2}}}}}));
  BullmqWorker worker(redis_->endpoint(), FastOptions("q"), [](Job& job) -> json {
    if (job.attempts_made() == 0) {
      throw std::runtime_error("transient");
    }
    return 7;
  });
  worker.Start();
  const json job = Wait("q", ids)["jobs"][ids[0]];
  EXPECT_EQ(job["state"], "completed");
  EXPECT_EQ(job["returnvalue"], 7);
  EXPECT_EQ(job["attemptsMade"], 2);
  EXPECT_EQ(job["stacktrace"], (json{"Error: transient"}));
  EXPECT_EQ(job["events"], (json{"added", "waiting", "active", "waiting", "active", "completed"}));
  worker.Close(seconds(5));
}

TEST_F(BullmqRuntimeTest, TakesWaitingJobsThenPrioritiesLowestFirst) {
  const auto ids = Add("q", json::array({
                                {{"name", "w1"}},
                                {{"name", "c"}, {"opts", {{"priority", 3}}}},
                                {{"name", "a"}, {"opts", {{"priority", 1}}}},
                                {{"name", "b"}, {"opts", {{"priority", 2}}}},
                                {{"name", "a2"}, {"opts", {{"priority", 1}}}},
                                {{"name", "w2"}},
                            }));
  std::mutex mutex;
  std::vector<std::string> order;
  WorkerOptions options = FastOptions("q");
  options.concurrency = 1;
  BullmqWorker worker(redis_->endpoint(), options, [&](Job& job) {
    std::lock_guard lock(mutex);
    order.push_back(job.name());
    return json();
  });
  worker.Start();
  const json out = Wait("q", ids);
  for (const auto& id : ids) {
    EXPECT_EQ(out["jobs"][id]["state"], "completed");
    EXPECT_EQ(out["jobs"][id]["returnvalue"], nullptr);
  }
  worker.Close(seconds(5));
  EXPECT_EQ(order, (std::vector<std::string>{"w1", "w2", "a", "a2", "b", "c"}));
}

TEST_F(BullmqRuntimeTest, NeverRunsMoreThanConcurrencyJobsAtOnce) {
  json jobs = json::array();
  for (int i = 0; i < 9; ++i) {
    jobs.push_back({{"name", "c"}, {"data", {{"i", i}}}});
  }
  const auto ids = Add("q", jobs);
  std::mutex mutex;
  std::condition_variable cv;
  int running = 0;
  int most = 0;
  bool filled = false;
  WorkerOptions options = FastOptions("q");
  options.concurrency = 3;
  BullmqWorker worker(redis_->endpoint(), options, [&](Job& job) {
    std::unique_lock lock(mutex);
    ++running;
    most = std::max(most, running);
    filled = filled || running >= 3;
    cv.notify_all();
    // The first jobs wait until the pool has been full once; every job then holds its slot a
    // little, so the pool stays saturated and a fourth job would get in if the worker let it.
    cv.wait_for(lock, seconds(5), [&] { return filled; });
    lock.unlock();
    std::this_thread::sleep_for(milliseconds(20));
    lock.lock();
    --running;
    return job.data()["i"];
  });
  worker.Start();
  const json out = Wait("q", ids);
  EXPECT_EQ(worker.Close(seconds(5)), 0U);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(out["jobs"][ids[i]]["state"], "completed");
    EXPECT_EQ(out["jobs"][ids[i]]["returnvalue"], static_cast<int>(i));
  }
  EXPECT_EQ(most, 3);
}

// The same jobs through a real Node Worker (queue np) and through the C++ worker (queue nr):
// the job hashes, logs and per-job event streams must be the same (the probe's parity check).
TEST_F(BullmqRuntimeTest, LeavesTheSameJobStateAsANodeWorker) {
  const json jobs =
      json::array({{{"name", "ok"}, {"data", {{"v", 1}}}, {"opts", json::object()}},
                   {{"name", "retry"},
                    {"data", {{"v", 2}}},
                    {"opts", {{"attempts", 2}, {"backoff", {{"type", "fixed"}, {"delay", 100}}}}}},
                   {{"name", "flaky"}, {"data", {{"v", 3}}}, {"opts", {{"attempts", 2}}}}});
  const auto node_ids =
      Cli("nodeWorker", {{"queue", "np"}, {"workerName", kWorkerName}, {"jobs", jobs}})["ids"]
          .get<std::vector<std::string>>();
  const auto cpp_ids = Add("nr", jobs);
  WorkerOptions options = FastOptions("nr");
  options.concurrency = 1;
  BullmqWorker worker(redis_->endpoint(), options, [](Job& job) -> json {
    job.UpdateProgress(42);
    job.Log("l1");
    if (job.name() == "retry") {
      throw std::runtime_error("always");
    }
    if (job.name() == "flaky" && job.attempts_made() == 0) {
      throw std::runtime_error("once");
    }
    return json{{"ok", job.data()["v"]}};
  });
  worker.Start();
  const json cpp = Wait("nr", cpp_ids)["jobs"];
  worker.Close(seconds(5));
  const json node = Cli("describe", {{"queue", "np"}, {"ids", node_ids}})["jobs"];

  for (std::size_t i = 0; i < node_ids.size(); ++i) {
    const json& n = node[node_ids[i]];
    const json& c = cpp[cpp_ids[i]];
    SCOPED_TRACE(n["name"].get<std::string>());
    std::vector<std::string> node_fields;
    std::vector<std::string> cpp_fields;
    for (const auto& [field, value] : n["hash"].items()) {
      node_fields.push_back(field);
    }
    for (const auto& [field, value] : c["hash"].items()) {
      cpp_fields.push_back(field);
    }
    EXPECT_EQ(cpp_fields, node_fields);
    for (const char* field : {"name", "data", "opts", "progress", "returnvalue", "failedReason",
                              "atm", "ats", "pb", "delay", "priority"}) {
      EXPECT_EQ(c["hash"].value(field, "<absent>"), n["hash"].value(field, "<absent>")) << field;
    }
    EXPECT_EQ(c["state"], n["state"]);
    EXPECT_EQ(c["stacktrace"].size(), n["stacktrace"].size());
    EXPECT_EQ(c["logs"], n["logs"]);
    EXPECT_EQ(c["eventDetails"], n["eventDetails"]);
  }
}

TEST_F(BullmqRuntimeTest, FlowParentRunsOnlyAfterItsChildAndSeesItsValue) {
  // protifer's gateway flow (contract 1.2): parent `prediction`, one child `embedding` with
  // failParentOnFailure, deterministic ids, a priority on both.
  const json flow = Cli(
      "flow", {{"parent",
                {{"queue", "prediction"},
                 {"name", "prediction"},
                 {"data", {{"sequence", "MKV"}}},
                 {"opts", {{"jobId", "pred-1"}, {"priority", 2}}}}},
               {"child",
                {{"queue", "embedding"},
                 {"name", "embedding"},
                 {"data", {{"sequence", "MKV"}}},
                 {"opts", {{"jobId", "emb-1"}, {"failParentOnFailure", true}, {"priority", 2}}}}}});
  ASSERT_EQ(flow["parentId"], "pred-1");
  ASSERT_EQ(flow["childId"], "emb-1");

  RedisConnection probe(redis_->endpoint());
  std::atomic<bool> parent_was_waiting_children{false};
  std::atomic<bool> child_was_completed{false};
  json seen_children;
  std::mutex seen_mutex;
  const json embedding_result = {{"embeddingRef", "emb/prott5_xl_u50/dev/abc"},
                                 {"computedAt", "2026-06-01T00:00:00.000Z"}};

  BullmqWorker prediction(redis_->endpoint(), FastOptions("prediction"), [&](Job& job) {
    child_was_completed = !probe.Command({"ZSCORE", "bull:embedding:completed", "emb-1"}).IsNil();
    json children = job.GetChildrenValues();
    {
      std::lock_guard lock(seen_mutex);
      seen_children = children;
    }
    return json{{"predictionRef", "pred/x/abc"}, {"children", children}};
  });
  prediction.Start();  // idle until the child completes: the parent is in waiting-children

  BullmqWorker embedding(redis_->endpoint(), FastOptions("embedding"), [&](Job& job) {
    parent_was_waiting_children =
        !probe.Command({"ZSCORE", "bull:prediction:waiting-children", "pred-1"}).IsNil();
    EXPECT_EQ(job.parent_key(), "bull:prediction:pred-1");
    return embedding_result;
  });
  embedding.Start();

  const json parent = Wait("prediction", {"pred-1"})["jobs"]["pred-1"];
  const json expected_children = {{"bull:embedding:emb-1", embedding_result}};
  EXPECT_EQ(parent["state"], "completed");
  EXPECT_TRUE(parent_was_waiting_children);
  EXPECT_TRUE(child_was_completed);
  {
    std::lock_guard lock(seen_mutex);
    EXPECT_EQ(seen_children, expected_children);
  }
  // Node's job.getChildrenValues() agrees with what the C++ processor saw.
  EXPECT_EQ(parent["childrenValues"], expected_children);
  EXPECT_EQ(parent["returnvalue"]["children"], expected_children);
  const json child = Cli("describe", {{"queue", "embedding"}, {"ids", {"emb-1"}}})["jobs"]["emb-1"];
  EXPECT_EQ(child["state"], "completed");
  EXPECT_EQ(child["returnvalue"], embedding_result);
  embedding.Close(seconds(5));
  prediction.Close(seconds(5));
}

TEST_F(BullmqRuntimeTest, FailingChildWithFailParentOnFailureFailsTheParent) {
  Cli("flow", {{"parent",
                {{"queue", "prediction"},
                 {"name", "prediction"},
                 {"data", json::object()},
                 {"opts", {{"jobId", "pred-2"}, {"priority", 1}}}}},
               {"child",
                {{"queue", "embedding"},
                 {"name", "embedding"},
                 {"data", json::object()},
                 {"opts", {{"jobId", "emb-2"}, {"failParentOnFailure", true}, {"priority", 1}}}}}});
  std::atomic<int> parent_runs{0};
  BullmqWorker prediction(redis_->endpoint(), FastOptions("prediction"), [&](Job&) {
    ++parent_runs;
    return json();
  });
  BullmqWorker embedding(redis_->endpoint(), FastOptions("embedding"),
                         [](Job&) -> json { throw std::runtime_error("embedding exploded"); });
  prediction.Start();
  embedding.Start();

  const json child = Wait("embedding", {"emb-2"})["jobs"]["emb-2"];
  EXPECT_EQ(child["state"], "failed");
  EXPECT_EQ(child["failedReason"], "embedding exploded");
  const json parent = Wait("prediction", {"pred-2"})["jobs"]["pred-2"];
  EXPECT_EQ(parent["state"], "failed");
  EXPECT_EQ(parent["failedReason"], "child bull:embedding:emb-2 failed");
  EXPECT_EQ(parent_runs, 0);
  embedding.Close(seconds(5));
  prediction.Close(seconds(5));
}

TEST_F(BullmqRuntimeTest, MalformedDataFailsWithAReadableReasonAndTheWorkerGoesOn) {
  const auto ids = Add(
      "q", json::array({
               {{"name", "bad"}, {"rawData", "{\"sequence\": MKV"}, {"opts", {{"attempts", 3}}}},
               {{"name", "good"}, {"data", {{"n", 1}}}},
           }));
  std::atomic<int> runs{0};
  WorkerOptions options = FastOptions("q");
  options.concurrency = 1;
  BullmqWorker worker(redis_->endpoint(), options, [&](Job& job) {
    ++runs;
    return job.data();
  });
  worker.Start();
  const json out = Wait("q", ids);
  const json& bad = out["jobs"][ids[0]];
  EXPECT_EQ(bad["state"], "failed");
  const std::string reason = bad["failedReason"];
  EXPECT_EQ(reason.rfind("Job data is not valid JSON: ", 0), 0U) << reason;
  EXPECT_NE(reason.find("parse error"), std::string::npos) << reason;
  EXPECT_EQ(reason.find("MKV"), std::string::npos) << "the data must not be quoted: " << reason;
  EXPECT_EQ(bad["attemptsMade"], 1);  // retrying cannot repair the data
  // Node's own Job.fromId cannot parse such a job either; the worker must not choke on it.
  EXPECT_TRUE(bad.contains("unreadableByNode"));
  EXPECT_EQ(out["jobs"][ids[1]]["state"], "completed");
  EXPECT_EQ(out["jobs"][ids[1]]["returnvalue"], (json{{"n", 1}}));
  EXPECT_EQ(runs, 1);
  worker.Close(seconds(5));
}

TEST_F(BullmqRuntimeTest, JobOfAVanishedWorkerIsRecoveredByTheStalledChecker) {
  const auto ids = Add("q", json::array({{{"name", "s"}, {"data", {{"k", "v"}}}}}));
  // A Node worker takes the job with a 600 ms lock and disappears without finishing it.
  const json stalled = Cli("stall", {{"queue", "q"}, {"lockDuration", 600}});
  ASSERT_EQ(stalled["jobId"], ids[0]);
  ASSERT_EQ(Cli("describe", {{"queue", "q"}, {"ids", ids}})["jobs"][ids[0]]["state"], "active");

  WorkerOptions options = FastOptions("q");
  options.stalled_interval = milliseconds(300);
  BullmqWorker worker(redis_->endpoint(), options, [](Job& job) { return job.data(); });
  worker.Start();
  const json job = Wait("q", ids)["jobs"][ids[0]];
  EXPECT_EQ(job["state"], "completed");
  EXPECT_EQ(job["returnvalue"], (json{{"k", "v"}}));
  EXPECT_EQ(job["stalledCounter"], 1);
  EXPECT_EQ(job["attemptsStarted"], 2);
  EXPECT_EQ(job["attemptsMade"], 1);
  EXPECT_EQ(job["processedBy"], kWorkerName);
  const json& events = job["events"];
  EXPECT_NE(std::find(events.begin(), events.end(), "stalled"), events.end()) << events.dump();
  worker.Close(seconds(5));
}

TEST_F(BullmqRuntimeTest, SurvivesARedisRestartAndCompletesEveryJobOnce) {
  test_support::RedisServer::Options server;
  server.append_only = true;  // the restarted server must come back with the queue
  StartRedis(server);
  json jobs = json::array();
  for (int i = 0; i < 6; ++i) {
    jobs.push_back({{"name", "r"}, {"data", {{"n", i}}}});
  }
  const auto ids = Add("q", jobs);

  OutcomeLog outcomes;
  std::atomic<int> runs{0};
  WorkerOptions options = FastOptions("q");
  options.lock_duration = milliseconds(4000);
  options.stalled_interval = milliseconds(500);
  BullmqWorker worker(
      redis_->endpoint(), options,
      [&](Job& job) {
        ++runs;
        std::this_thread::sleep_for(milliseconds(150));
        return json{{"n", job.data()["n"]}};
      },
      outcomes.Hooks());
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return outcomes.Count(JobOutcome::Kind::kCompleted) >= 1; }));
  redis_->Kill();
  std::this_thread::sleep_for(milliseconds(300));
  redis_->Start();

  const json out = Wait("q", ids, {{"timeoutMs", 30000}});
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const json& job = out["jobs"][ids[i]];
    EXPECT_EQ(job["state"], "completed") << ids[i];
    EXPECT_EQ(job["returnvalue"], (json{{"n", static_cast<int>(i)}})) << ids[i];
    EXPECT_EQ(job["attemptsMade"], 1) << ids[i];  // finished exactly once
  }
  EXPECT_GE(runs, 6);
  EXPECT_EQ(worker.Close(seconds(5)), 0U);
}

TEST_F(BullmqRuntimeTest, QueueGetWorkersListsTheWorkerUntilItCloses) {
  BullmqWorker worker(redis_->endpoint(), FastOptions("q"), [](Job&) { return json(); });
  worker.Start();
  EXPECT_EQ(worker.connection_name(), "bull:cQ==:w:cpp-test");
  const json listed = Cli("workers", {{"queue", "q"}})["workers"];
  EXPECT_EQ(listed, (json{"bull:cQ==:w:cpp-test"}));
  worker.Close(seconds(5));
  EXPECT_EQ(Cli("workers", {{"queue", "q"}})["workers"], json::array());
}

TEST_F(BullmqRuntimeTest, CloseLetsTheActiveJobFinishAndTakesNoMore) {
  const auto ids = Add("q", json::array({{{"name", "1"}}, {{"name", "2"}}, {{"name", "3"}}}));
  Gate gate;
  std::atomic<int> started{0};
  WorkerOptions options = FastOptions("q");
  options.concurrency = 1;
  BullmqWorker worker(redis_->endpoint(), options, [&](Job& job) {
    ++started;
    gate.Wait();
    return json(job.name());
  });
  worker.Start();
  ASSERT_TRUE(WaitFor([&] { return started == 1; }));
  auto closed = std::async(std::launch::async, [&] { return worker.Close(seconds(20)); });
  ASSERT_TRUE(WaitFor([&] { return worker.closing(); }));
  gate.Open();
  EXPECT_EQ(closed.get(), 0U);
  EXPECT_EQ(started, 1);

  const json out = Cli("describe", {{"queue", "q"}, {"ids", ids}});
  EXPECT_EQ(out["jobs"][ids[0]]["state"], "completed");
  EXPECT_EQ(out["jobs"][ids[0]]["returnvalue"], "1");
  EXPECT_EQ(out["jobs"][ids[1]]["state"], "waiting");
  EXPECT_EQ(out["jobs"][ids[2]]["state"], "waiting");
}

TEST_F(BullmqRuntimeTest, CloseDeadlineLeavesAnUnfinishedJobToTheStalledChecker) {
  const auto ids = Add("q", json::array({{{"name", "slow"}}}));
  Gate gate;
  std::atomic<int> started{0};
  OutcomeLog outcomes;
  auto worker = std::make_unique<BullmqWorker>(
      redis_->endpoint(), FastOptions("q"),
      [&](Job&) {
        ++started;
        gate.Wait();
        return json("too late");
      },
      outcomes.Hooks());
  worker->Start();
  ASSERT_TRUE(WaitFor([&] { return started == 1; }));
  EXPECT_EQ(worker->Close(milliseconds(50)), 1U);
  gate.Open();
  ASSERT_TRUE(WaitFor([&] { return outcomes.Count(JobOutcome::Kind::kAbandoned) == 1; }));
  worker.reset();
  const json job = Cli("describe", {{"queue", "q"}, {"ids", ids}})["jobs"][ids[0]];
  EXPECT_EQ(job["state"], "active");  // still locked by the closed worker, never completed
  EXPECT_EQ(job["returnvalue"], nullptr);
}

TEST_F(BullmqRuntimeTest, RateLimiterSpacesOutJobStarts) {
  json jobs = json::array();
  for (int i = 0; i < 4; ++i) {
    jobs.push_back({{"name", "l"}});
  }
  const auto ids = Add("q", jobs);
  WorkerOptions options = FastOptions("q");
  options.concurrency = 4;
  options.limiter = RateLimiter{2, milliseconds(600)};
  BullmqWorker worker(redis_->endpoint(), options, [](Job&) { return json(); });
  worker.Start();
  const json out = Wait("q", ids);
  worker.Close(seconds(5));
  std::vector<std::int64_t> started;
  for (const auto& id : ids) {
    EXPECT_EQ(out["jobs"][id]["state"], "completed");
    started.push_back(out["jobs"][id]["processedOn"].get<std::int64_t>());
  }
  std::sort(started.begin(), started.end());
  // Two jobs per 600 ms window: the third start waits for the limiter key to expire. The bound
  // is loose (the window opens a little after the first job's timestamp is taken).
  EXPECT_GE(started[2] - started[0], 400);
}

TEST_F(BullmqRuntimeTest, RefusesAQueueWrittenByAnotherBullmqMajor) {
  RedisConnection admin(redis_->endpoint());
  admin.Command({"HSET", "bull:q:meta", "version", "bullmq:6.7.0"});
  BullmqWorker worker(redis_->endpoint(), FastOptions("q"), [](Job&) { return json(); });
  try {
    worker.Start();
    FAIL() << "Start() accepted a bullmq 6 queue";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bullmq:6.7.0"), std::string::npos) << e.what();
  }
}

TEST_F(BullmqRuntimeTest, RejectsOptionsThatCannotWork) {
  const auto processor = [](Job&) { return json(); };
  WorkerOptions options = FastOptions("q");
  options.lock_renew_time = options.lock_duration;
  EXPECT_THROW(static_cast<void>(BullmqWorker(redis_->endpoint(), options, processor)),
               std::invalid_argument);
  options = FastOptions("q");
  options.concurrency = 0;
  EXPECT_THROW(static_cast<void>(BullmqWorker(redis_->endpoint(), options, processor)),
               std::invalid_argument);
  EXPECT_THROW(static_cast<void>(BullmqWorker(redis_->endpoint(), FastOptions("a:b"), processor)),
               std::invalid_argument);
  EXPECT_THROW(static_cast<void>(BullmqWorker(redis_->endpoint(), FastOptions("q"), nullptr)),
               std::invalid_argument);
}

TEST_F(BullmqRuntimeTest, WrongPasswordIsAClearStartupError) {
  RedisEndpoint endpoint = redis_->endpoint();
  endpoint.password = "not-the-password";
  BullmqWorker worker(endpoint, FastOptions("q"), [](Job&) { return json(); });
  try {
    worker.Start();
    FAIL() << "Start() connected with a wrong password";
  } catch (const RedisHandshakeError& e) {
    EXPECT_NE(std::string(e.what()).find("AUTH failed"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace protifer::queue

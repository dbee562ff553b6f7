// Client against the in-process scripted server on 127.0.0.1 (label: integration).
//
// Timing is asserted only where the property is about time (backoff lower bounds, fresh
// per-attempt deadlines, prompt cancellation), always with generous upper bounds; everything
// else is counted: attempts reported by the client, calls seen by the server, and the maximum
// number of calls the server had in service at once.
#include "triton/client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "concurrency/fifo_semaphore.h"
#include "triton/testing/scripted_inference_server.h"

namespace protifer::triton {
namespace {

using grpc::StatusCode;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using testing::ScriptedInferenceServer;
using testing::ScriptedOutcome;

constexpr milliseconds kWaitLimit(10000);

std::shared_ptr<const inference::ModelInferRequest> MakeRequest(const std::string& model,
                                                                const std::string& id,
                                                                const std::string& payload = "") {
  auto request = std::make_shared<inference::ModelInferRequest>();
  request->set_model_name(model);
  request->set_id(id);
  auto* input = request->add_inputs();
  input->set_name("INPUT0");
  input->set_datatype("UINT8");
  input->add_shape(static_cast<std::int64_t>(payload.size()));
  request->add_raw_input_contents(payload);
  return request;
}

ClientOptions OptionsFor(const std::string& target) {
  ClientOptions options;
  options.target = target;
  options.infer_deadline = milliseconds(5000);
  options.probe_deadline = milliseconds(2000);
  options.retry.max_attempts = 3;
  options.retry.base_backoff = milliseconds(2);
  return options;
}

// An address nobody listens on: a server's port, after that server is gone.
std::string UnusedAddress() {
  ScriptedInferenceServer server;
  return server.address();
}

// Collects async results delivered on gRPC threads.
class Results {
 public:
  InferCallback Callback() {
    return [this](InferResult result) {
      std::lock_guard lock(mutex_);
      results_.push_back(std::move(result));
      threads_.push_back(std::this_thread::get_id());
      changed_.notify_all();
    };
  }
  bool WaitFor(std::size_t count, milliseconds limit = kWaitLimit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return results_.size() >= count; });
  }
  std::vector<InferResult> Take() {
    std::lock_guard lock(mutex_);
    return std::move(results_);
  }
  std::vector<std::thread::id> threads() {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<InferResult> results_;
  std::vector<std::thread::id> threads_;
};

// Records what the on_attempt observer reports.
class AttemptLog {
 public:
  std::function<void(const AttemptRecord&)> Observer() {
    return [this](const AttemptRecord& record) {
      std::lock_guard lock(mutex_);
      records_.push_back(record);
      changed_.notify_all();
    };
  }
  std::vector<AttemptRecord> records() {
    std::lock_guard lock(mutex_);
    return records_;
  }
  bool WaitFor(std::size_t count, milliseconds limit = kWaitLimit) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return records_.size() >= count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<AttemptRecord> records_;
};

class ClientTest : public ::testing::Test {
 protected:
  ScriptedInferenceServer server_;
};

TEST_F(ClientTest, SuccessReturnsTheServersResponse) {
  Client client(OptionsFor(server_.address()));
  const InferResult result = client.ModelInfer(MakeRequest("m1", "req-1", "payload"));
  ASSERT_TRUE(result.ok()) << result.error().what();
  EXPECT_EQ(result.attempts(), 1);
  const inference::ModelInferResponse& response = result.value();
  EXPECT_EQ(response.model_name(), "m1");
  EXPECT_EQ(response.id(), "req-1");
  ASSERT_EQ(response.raw_output_contents_size(), 1);
  EXPECT_EQ(response.raw_output_contents(0), "payload");
  EXPECT_EQ(response.parameters().at("arrival").int64_param(), 1);
  EXPECT_EQ(server_.infer_calls(), 1);
}

TEST_F(ClientTest, ModelVersionIsSentOnlyWhenTheCallerSetIt) {
  Client client(OptionsFor(server_.address()));
  ASSERT_TRUE(client.ModelInfer(MakeRequest("m1", "a")).ok());
  auto versioned = std::make_shared<inference::ModelInferRequest>(*MakeRequest("m1", "b"));
  versioned->set_model_version("2");
  ASSERT_TRUE(client.ModelInfer(versioned).ok());
  const auto requests = server_.received_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].model_version(), "");
  EXPECT_EQ(requests[1].model_version(), "2");
}

TEST_F(ClientTest, DoneRunsOnAGrpcThreadNotInsideModelInferAsync) {
  Results results;  // declared first: the client's destructor waits for callbacks using it
  Client client(OptionsFor(server_.address()));
  client.ModelInferAsync(MakeRequest("m1", "a"), results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_NE(results.threads().at(0), std::this_thread::get_id());
}

TEST_F(ClientTest, SlowServerGivesDeadlineExceededAfterExactlyOneAttempt) {
  server_.SetReplyDelay(milliseconds(1500));
  AttemptLog log;
  ClientOptions options = OptionsFor(server_.address());
  options.infer_deadline = milliseconds(150);
  options.on_attempt = log.Observer();
  Client client(options);
  const InferResult result = client.ModelInfer(MakeRequest("m1", "slow"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(result.attempts(), 1);
  EXPECT_FALSE(result.error().transient());
  EXPECT_EQ(server_.infer_calls(), 1);
  const auto records = log.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].code, StatusCode::DEADLINE_EXCEEDED);
  EXPECT_FALSE(records[0].will_retry);
  EXPECT_GE(records[0].rpc_duration, milliseconds(140));
}

TEST_F(ClientTest, EachAttemptGetsAFreshDeadline) {
  // Two 400 ms attempts exceed one 700 ms deadline together but not each on its own.
  server_.EnqueueOutcome({StatusCode::UNAVAILABLE, "Socket closed", milliseconds(400)});
  server_.EnqueueOutcome({StatusCode::OK, "", milliseconds(400)});
  ClientOptions options = OptionsFor(server_.address());
  options.infer_deadline = milliseconds(700);
  Client client(options);
  const InferResult result = client.ModelInfer(MakeRequest("m1", "fresh"));
  ASSERT_TRUE(result.ok()) << result.error().what();
  EXPECT_EQ(result.attempts(), 2);
}

TEST_F(ClientTest, UnavailableTwiceThenOkSucceedsOnTheThirdAttempt) {
  server_.FailNext(2, StatusCode::UNAVAILABLE, "Connection dropped");
  Client client(OptionsFor(server_.address()));
  const InferResult result = client.ModelInfer(MakeRequest("m1", "flaky"));
  ASSERT_TRUE(result.ok()) << result.error().what();
  EXPECT_EQ(result.attempts(), 3);
  EXPECT_EQ(server_.infer_calls(), 3);
  EXPECT_EQ(result.value().parameters().at("request_arrival").int64_param(), 3);
}

TEST_F(ClientTest, InternalBandwidthExhaustedThenOkTakesTwoAttempts) {
  server_.FailNext(1, StatusCode::INTERNAL, "Bandwidth exhausted or memory limit exceeded");
  Client client(OptionsFor(server_.address()));
  const InferResult result = client.ModelInfer(MakeRequest("m1", "bw"));
  ASSERT_TRUE(result.ok()) << result.error().what();
  EXPECT_EQ(result.attempts(), 2);
  EXPECT_EQ(server_.infer_calls(), 2);
}

TEST_F(ClientTest, ResourceExhaustedRstStream11ThenOkTakesTwoAttempts) {
  server_.FailNext(1, StatusCode::RESOURCE_EXHAUSTED, "Received RST_STREAM with error code 11");
  Client client(OptionsFor(server_.address()));
  const InferResult result = client.ModelInfer(MakeRequest("m1", "rst"));
  ASSERT_TRUE(result.ok()) << result.error().what();
  EXPECT_EQ(result.attempts(), 2);
  EXPECT_EQ(server_.infer_calls(), 2);
}

struct PermanentCase {
  StatusCode code;
  const char* details;
};

class PermanentErrorTest : public ClientTest,
                           public ::testing::WithParamInterface<PermanentCase> {};

TEST_P(PermanentErrorTest, FailsAfterExactlyOneAttemptWithCodeAndDetailsKept) {
  const PermanentCase& c = GetParam();
  server_.FailNext(1, c.code, c.details);
  Client client(OptionsFor(server_.address()));
  const InferResult result = client.ModelInfer(MakeRequest("m1", "permanent"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), c.code);
  EXPECT_EQ(result.error().details(), c.details);
  EXPECT_EQ(result.attempts(), 1);
  EXPECT_FALSE(result.error().transient());
  EXPECT_FALSE(result.error().local());
  EXPECT_EQ(server_.infer_calls(), 1);
}

INSTANTIATE_TEST_SUITE_P(
    NeverRetried, PermanentErrorTest,
    ::testing::Values(
        PermanentCase{StatusCode::INTERNAL, "internal model assertion failed"},
        PermanentCase{StatusCode::INVALID_ARGUMENT, "unexpected shape for input 'INPUT0'"},
        PermanentCase{StatusCode::NOT_FOUND, "Request for unknown model: 'm1' is not found"},
        PermanentCase{StatusCode::UNAVAILABLE,
                      "This protocol is restricted, expecting header 'triton-grpc-protocol-x'"},
        PermanentCase{StatusCode::RESOURCE_EXHAUSTED,
                      "Received message larger than max (70000000 vs. 67108864)"}));

TEST_F(ClientTest, PersistentUnavailableWithTwoAttemptsFailsAfterTwo) {
  server_.FailNext(10, StatusCode::UNAVAILABLE, "Socket closed");
  ClientOptions options = OptionsFor(server_.address());
  options.retry.max_attempts = 2;
  Client client(options);
  const InferResult result = client.ModelInfer(MakeRequest("m1", "down"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), StatusCode::UNAVAILABLE);
  EXPECT_EQ(result.attempts(), 2);
  EXPECT_EQ(result.error().attempts(), 2);
  EXPECT_TRUE(result.error().transient());
  EXPECT_EQ(server_.infer_calls(), 2);
}

TEST_F(ClientTest, PersistentFailureSurfacesTheLastError) {
  server_.FailNext(1, StatusCode::UNAVAILABLE, "GOAWAY received");
  server_.FailNext(1, StatusCode::INTERNAL, "Received RST_STREAM with error code 2");
  server_.FailNext(1, StatusCode::UNAVAILABLE, "keepalive watchdog timeout");
  Client client(OptionsFor(server_.address()));
  const InferResult result = client.ModelInfer(MakeRequest("m1", "down"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.attempts(), 3);
  EXPECT_EQ(result.error().code(), StatusCode::UNAVAILABLE);
  EXPECT_EQ(result.error().details(), "keepalive watchdog timeout");
  EXPECT_STREQ(result.error().what(), "UNAVAILABLE: keepalive watchdog timeout");
  EXPECT_EQ(server_.infer_calls(), 3);
}

TEST_F(ClientTest, MaxAttemptsOneDisablesRetry) {
  server_.FailNext(1, StatusCode::UNAVAILABLE, "Socket closed");
  ClientOptions options = OptionsFor(server_.address());
  options.retry.max_attempts = 1;
  Client client(options);
  const InferResult result = client.ModelInfer(MakeRequest("m1", "once"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.attempts(), 1);
  EXPECT_EQ(server_.infer_calls(), 1);
}

// With the jitter pinned, the chosen delays are exact, and the server sees the retries no
// sooner than those delays (gRPC timers never fire early; 2 ms allows for clock granularity).
void CheckBackoff(ScriptedInferenceServer& server, double jitter, milliseconds first,
                  milliseconds second) {
  server.FailNext(2, StatusCode::UNAVAILABLE, "Socket closed");
  AttemptLog log;
  ClientOptions options = OptionsFor(server.address());
  options.retry.base_backoff = milliseconds(40);
  options.jitter = [jitter] { return jitter; };
  options.on_attempt = log.Observer();
  Client client(options);
  const InferResult result = client.ModelInfer(MakeRequest("m1", "backoff"));
  ASSERT_TRUE(result.ok()) << result.error().what();

  const auto records = log.records();
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(records[static_cast<std::size_t>(i)].attempt, i + 1);
    EXPECT_EQ(records[static_cast<std::size_t>(i)].model_name, "m1");
  }
  EXPECT_EQ(records[0].code, StatusCode::UNAVAILABLE);
  EXPECT_TRUE(records[0].will_retry);
  EXPECT_EQ(records[0].backoff, first);
  EXPECT_TRUE(records[1].will_retry);
  EXPECT_EQ(records[1].backoff, second);
  EXPECT_EQ(records[2].code, StatusCode::OK);
  EXPECT_FALSE(records[2].will_retry);
  EXPECT_EQ(records[2].backoff, milliseconds(0));

  const auto arrivals = server.infer_arrivals();
  ASSERT_EQ(arrivals.size(), 3u);
  const auto gap1 = arrivals[1] - arrivals[0];
  const auto gap2 = arrivals[2] - arrivals[1];
  EXPECT_GE(gap1, first - milliseconds(2));
  EXPECT_GE(gap2, second - milliseconds(2));
  EXPECT_LT(gap1, first + milliseconds(3000));
  EXPECT_LT(gap2, second + milliseconds(3000));
}

TEST(ClientBackoffTest, MidJitterWaitsThreeQuartersOfE) {
  ScriptedInferenceServer server;
  CheckBackoff(server, 0.5, milliseconds(30), milliseconds(60));
}

TEST(ClientBackoffTest, ZeroJitterWaitsHalfOfE) {
  ScriptedInferenceServer server;
  CheckBackoff(server, 0.0, milliseconds(20), milliseconds(40));
}

TEST(ClientBackoffTest, MaximalJitterWaitsAllOfE) {
  ScriptedInferenceServer server;
  CheckBackoff(server, 0.999999, milliseconds(40), milliseconds(80));
}

TEST_F(ClientTest, DefaultJitterKeepsEveryBackoffWithinHalfAndFullE) {
  server_.FailFirstArrivalsOfEachRequest(2, StatusCode::UNAVAILABLE, "Broken pipe");
  AttemptLog log;
  ClientOptions options = OptionsFor(server_.address());
  options.retry.base_backoff = milliseconds(10);
  options.on_attempt = log.Observer();
  Results results;
  Client client(options);
  constexpr int kCalls = 20;
  for (int i = 0; i < kCalls; ++i) {
    client.ModelInferAsync(MakeRequest("m1", "r" + std::to_string(i)), results.Callback());
  }
  ASSERT_TRUE(results.WaitFor(kCalls));
  for (const InferResult& result : results.Take()) {
    ASSERT_TRUE(result.ok()) << result.error().what();
    EXPECT_EQ(result.attempts(), 3);
  }
  std::set<long long> distinct;
  for (const AttemptRecord& record : log.records()) {
    if (!record.will_retry) {
      continue;
    }
    const long long ceiling = 10LL << (record.attempt - 1);
    EXPECT_GE(record.backoff.count(), ceiling / 2);
    EXPECT_LE(record.backoff.count(), ceiling);
    distinct.insert(record.backoff.count() * 100 + record.attempt);
  }
  // 40 random draws over [5, 10] and [10, 20]: the jitter is not a constant.
  EXPECT_GT(distinct.size(), 4u);
}

TEST_F(ClientTest, OversizedRequestFailsLocallyWithoutSendingAnything) {
  AttemptLog log;
  ClientOptions options = OptionsFor(server_.address());
  options.max_message_bytes = 1024;
  options.on_attempt = log.Observer();
  Results results;
  Client client(options);
  const auto request = MakeRequest("big_model", "big", std::string(2000, 'x'));
  const auto size = request->ByteSizeLong();
  client.ModelInferAsync(request, results.Callback());
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_NE(results.threads().at(0), std::this_thread::get_id());
  const InferResult result = std::move(results.Take().at(0));
  ASSERT_FALSE(result.ok());
  const TritonError& error = result.error();
  EXPECT_EQ(error.code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(error.details(), "ModelInfer request for model 'big_model' is " + std::to_string(size) +
                                 " bytes, above the 1024-byte message limit "
                                 "(TRITON_MAX_MESSAGE_BYTES)");
  EXPECT_TRUE(error.local());
  EXPECT_FALSE(error.transient());
  EXPECT_EQ(result.attempts(), 0);
  EXPECT_EQ(server_.infer_calls(), 0);
  EXPECT_TRUE(log.records().empty());
}

TEST_F(ClientTest, RequestAtTheLimitIsSentAndAnOversizedResponseIsNotRetried) {
  const auto request = MakeRequest("m1", "edge", std::string(100, 'x'));
  ClientOptions options = OptionsFor(server_.address());
  options.max_message_bytes = static_cast<std::int64_t>(request->ByteSizeLong());
  Client client(options);
  const InferResult result = client.ModelInfer(request);
  EXPECT_EQ(server_.infer_calls(), 1);
  // The echo reply is larger than the request, so the receive limit (the same value) rejects
  // it; resending would fail the same way.
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(result.error().details(), HasSubstr("Received message larger than max"));
  EXPECT_FALSE(result.error().transient());
  EXPECT_EQ(result.attempts(), 1);
}

TEST_F(ClientTest, ReadinessAndMetadata) {
  server_.SetModelReady("ready_model", true);
  server_.SetModelReady("loading_model", false);
  Client client(OptionsFor(server_.address()));
  EXPECT_TRUE(client.ServerLive());
  EXPECT_TRUE(client.ServerReady());
  EXPECT_TRUE(client.ModelReady("ready_model"));
  EXPECT_FALSE(client.ModelReady("loading_model"));
  EXPECT_FALSE(client.ModelReady("unknown_model"));

  server_.SetServerReady(false);
  EXPECT_FALSE(client.ServerReady());
  const CallResult<bool> probe = client.ProbeServerReady();
  ASSERT_TRUE(probe.ok()) << "not ready is an answer, not an error";
  EXPECT_FALSE(probe.value());

  const auto metadata = client.ModelMetadata("ready_model");
  ASSERT_TRUE(metadata.ok()) << metadata.error().what();
  EXPECT_EQ(metadata.value().name(), "ready_model");
  const auto missing = client.ModelMetadata("unknown_model");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::NOT_FOUND);
  EXPECT_EQ(server_.probe_calls(), 9);
}

TEST(ClientUnreachableTest, ReadinessIsFalseWhenTheServerIsDown) {
  Client client(OptionsFor(UnusedAddress()));
  EXPECT_FALSE(client.ServerLive());
  EXPECT_FALSE(client.ServerReady());
  EXPECT_FALSE(client.ModelReady("m1"));
  const CallResult<bool> probe = client.ProbeServerReady();
  ASSERT_FALSE(probe.ok());
  EXPECT_EQ(probe.error().code(), StatusCode::UNAVAILABLE);
  EXPECT_FALSE(client.ModelMetadata("m1").ok());
}

TEST(ClientUnreachableTest, ModelInferGivesUnavailableAfterMaxAttempts) {
  AttemptLog log;
  ClientOptions options = OptionsFor(UnusedAddress());
  options.on_attempt = log.Observer();
  Client client(options);
  const InferResult result = client.ModelInfer(MakeRequest("m1", "nowhere"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), StatusCode::UNAVAILABLE);
  EXPECT_TRUE(result.error().transient());
  EXPECT_FALSE(result.error().local());
  EXPECT_EQ(result.attempts(), 3);
  EXPECT_EQ(log.records().size(), 3u);
}

// The mission: 3 concurrent jobs fan out 8 calls each through one FIFO semaphore of 2 permits.
// The first arrival of every call fails with UNAVAILABLE, so every call retries, and the retry
// happens while its permit is held: the server never has more than 2 calls in service.
struct FanOutOutcome {
  int ok = 0;
  int failed = 0;
  int max_attempts_seen = 0;
};

FanOutOutcome RunThreeJobs(Client& client, concurrency::FifoSemaphore* semaphore) {
  constexpr int kJobs = 3;
  constexpr int kModels = 8;
  std::mutex mutex;
  std::condition_variable all_done;
  FanOutOutcome outcome;
  int finished = 0;
  auto record = [&](const InferResult& result) {
    std::lock_guard lock(mutex);
    (result.ok() ? outcome.ok : outcome.failed) += 1;
    outcome.max_attempts_seen = std::max(outcome.max_attempts_seen, result.attempts());
    if (++finished == kJobs * kModels) {
      all_done.notify_all();
    }
  };
  std::vector<std::thread> jobs;
  for (int job = 0; job < kJobs; ++job) {
    jobs.emplace_back([&, job] {
      for (int model = 0; model < kModels; ++model) {
        auto request = MakeRequest("model_" + std::to_string(model),
                                   "job" + std::to_string(job) + "-m" + std::to_string(model));
        if (semaphore == nullptr) {
          client.ModelInferAsync(request, [&](InferResult result) { record(result); });
          continue;
        }
        semaphore->Acquire([&client, &record, request](concurrency::FifoSemaphore::Permit permit) {
          // The permit travels with the call and is released when `done` runs.
          auto held = std::make_shared<concurrency::FifoSemaphore::Permit>(std::move(permit));
          client.ModelInferAsync(request, [held, &record](InferResult result) {
            held->Release();
            record(result);
          });
        });
      }
    });
  }
  for (auto& job : jobs) {
    job.join();
  }
  std::unique_lock lock(mutex);
  const bool done =
      all_done.wait_for(lock, kWaitLimit, [&] { return finished == kJobs * kModels; });
  EXPECT_TRUE(done) << "only " << finished << " calls finished";
  return outcome;
}

TEST_F(ClientTest, RetriesHappenInsideTheHeldPermit) {
  server_.FailFirstArrivalsOfEachRequest(1, StatusCode::UNAVAILABLE, "Socket closed");
  server_.SetReplyDelay(milliseconds(15));
  Client client(OptionsFor(server_.address()));
  concurrency::FifoSemaphore semaphore(2);
  const FanOutOutcome outcome = RunThreeJobs(client, &semaphore);
  EXPECT_EQ(outcome.ok, 24);
  EXPECT_EQ(outcome.failed, 0);
  EXPECT_EQ(outcome.max_attempts_seen, 2);
  EXPECT_EQ(server_.infer_calls(), 48);
  EXPECT_LE(server_.max_concurrent_infer_calls(), 2);
  EXPECT_GE(server_.max_concurrent_infer_calls(), 1);
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.waiters(), 0u);
}

TEST_F(ClientTest, WithoutTheSemaphoreTheSameFanOutFloodsTheServer) {
  // Control for the test above: it could fail if the client serialised calls by itself.
  server_.FailFirstArrivalsOfEachRequest(1, StatusCode::UNAVAILABLE, "Socket closed");
  server_.SetReplyDelay(milliseconds(100));
  Client client(OptionsFor(server_.address()));
  const FanOutOutcome outcome = RunThreeJobs(client, nullptr);
  EXPECT_EQ(outcome.ok, 24);
  EXPECT_GT(server_.max_concurrent_infer_calls(), 2);
}

TEST_F(ClientTest, ManyConcurrentCallersAllSucceed) {
  server_.FailFirstArrivalsOfEachRequest(1, StatusCode::UNAVAILABLE, "GOAWAY received");
  Results results;  // declared first: the client's destructor waits for callbacks using it
  ClientOptions options = OptionsFor(server_.address());
  // 200 attempts through one in-process server: under a sanitizer the queue alone can take
  // longer than the usual 5 s, and this test is about every call succeeding, not speed.
  options.infer_deadline = milliseconds(60000);
  Client client(options);
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 25;
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        client.ModelInferAsync(
            MakeRequest("m1", std::to_string(t) + "-" + std::to_string(i), "abc"),
            results.Callback());
      }
    });
  }
  for (auto& caller : callers) {
    caller.join();
  }
  // Waits as long as a call may take: the default 10 s ran out under TSan beside another test.
  ASSERT_TRUE(results.WaitFor(static_cast<std::size_t>(kThreads) * kCallsPerThread,
                              options.infer_deadline));
  for (const InferResult& result : results.Take()) {
    ASSERT_TRUE(result.ok()) << result.error().what();
    EXPECT_EQ(result.attempts(), 2);
    EXPECT_EQ(result.value().raw_output_contents(0), "abc");
  }
  EXPECT_EQ(server_.infer_calls(), 2 * kThreads * kCallsPerThread);
  // A call stops being pending just after its `done` returns, so poll briefly.
  for (int i = 0; i < 500 && client.pending_calls() != 0; ++i) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_EQ(client.pending_calls(), 0u);
}

TEST_F(ClientTest, DestroyingTheClientCancelsInFlightCallsAndRunsEachDoneOnce) {
  server_.SetReplyDelay(milliseconds(5000));
  Results results;
  constexpr int kCalls = 5;
  const auto started = std::chrono::steady_clock::now();
  {
    Client client(OptionsFor(server_.address()));
    for (int i = 0; i < kCalls; ++i) {
      client.ModelInferAsync(MakeRequest("m1", "c" + std::to_string(i)), results.Callback());
    }
    // Let the calls reach the server so that they are really in flight.
    for (int i = 0; i < 200 && server_.infer_calls() < kCalls; ++i) {
      std::this_thread::sleep_for(milliseconds(10));
    }
    ASSERT_EQ(server_.infer_calls(), kCalls);
    EXPECT_EQ(client.pending_calls(), static_cast<std::size_t>(kCalls));
  }
  // The destructor returned only after every done ran.
  const std::vector<InferResult> taken = results.Take();
  ASSERT_EQ(taken.size(), static_cast<std::size_t>(kCalls));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(4000));
  for (const InferResult& result : taken) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), StatusCode::CANCELLED);
    EXPECT_THAT(result.error().details(), HasSubstr("shutting down"));
    EXPECT_EQ(result.attempts(), 1);
  }
}

TEST_F(ClientTest, CancelAllEndsCallsInFlightAndRefusesLaterOnes) {
  // The reply delay is far beyond kWaitLimit: only the cancellation can deliver the result.
  server_.SetReplyDelay(kWaitLimit * 4);
  Results results;
  Client client(OptionsFor(server_.address()));
  client.ModelInferAsync(MakeRequest("m1", "in-flight"), results.Callback());
  for (int i = 0; i < 500 && server_.infer_calls() < 1; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(server_.infer_calls(), 1);
  client.CancelAll();
  ASSERT_TRUE(results.WaitFor(1));
  client.ModelInferAsync(MakeRequest("m1", "after"), results.Callback());
  ASSERT_TRUE(results.WaitFor(2));
  const std::vector<InferResult> taken = results.Take();
  for (const InferResult& result : taken) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), StatusCode::CANCELLED);
    EXPECT_THAT(result.error().details(), HasSubstr("shutting down"));
  }
  EXPECT_EQ(taken[1].attempts(), 0);
  EXPECT_EQ(server_.infer_calls(), 1);
}

TEST_F(ClientTest, DestroyingTheClientCutsABackoffShort) {
  server_.FailNext(1, StatusCode::UNAVAILABLE, "Socket closed");
  AttemptLog log;
  Results results;
  ClientOptions options = OptionsFor(server_.address());
  options.retry.base_backoff = milliseconds(20000);
  options.on_attempt = log.Observer();
  const auto started = std::chrono::steady_clock::now();
  {
    Client client(options);
    client.ModelInferAsync(MakeRequest("m1", "waiting"), results.Callback());
    ASSERT_TRUE(log.WaitFor(1));
    ASSERT_TRUE(log.records().at(0).will_retry);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(5000));
  const std::vector<InferResult> taken = results.Take();
  ASSERT_EQ(taken.size(), 1u);
  ASSERT_FALSE(taken[0].ok());
  EXPECT_EQ(taken[0].error().code(), StatusCode::CANCELLED);
  EXPECT_THAT(taken[0].error().details(),
              HasSubstr("previous attempt: UNAVAILABLE: Socket closed"));
  EXPECT_EQ(taken[0].attempts(), 1);
  EXPECT_EQ(server_.infer_calls(), 1);
}

TEST_F(ClientTest, DestructorWaitsForARunningDoneToReturn) {
  std::atomic<bool> done_returned{false};
  std::atomic<bool> done_entered{false};
  {
    Client client(OptionsFor(server_.address()));
    client.ModelInferAsync(MakeRequest("m1", "slow-done"), [&](InferResult) {
      done_entered = true;
      std::this_thread::sleep_for(milliseconds(200));  // only a test may do this in `done`
      done_returned = true;
    });
    while (!done_entered) {
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
  EXPECT_TRUE(done_returned);
}

TEST_F(ClientTest, DoneMayStartTheNextCall) {
  Results results;  // declared first: the client's destructor waits for callbacks using it
  Client client(OptionsFor(server_.address()));
  auto second = results.Callback();
  client.ModelInferAsync(MakeRequest("m1", "first"), [&client, second](InferResult first) {
    ASSERT_TRUE(first.ok());
    client.ModelInferAsync(MakeRequest("m1", "second"), second);
  });
  ASSERT_TRUE(results.WaitFor(1));
  EXPECT_TRUE(results.Take().at(0).ok());
  EXPECT_EQ(server_.infer_calls(), 2);
}

// ---- Retry budget ------------------------------------------------------------------------------

ClientOptions BudgetOptionsFor(const std::string& target, double tokens, double ratio) {
  ClientOptions options = OptionsFor(target);
  options.retry_budget.max_tokens = tokens;
  options.retry_budget.token_ratio = ratio;
  return options;
}

TEST_F(ClientTest, RetryBudgetStopsRetryingWhileEveryAttemptFails) {
  // 10 tokens, 3 attempts per call, calls one after the other: the first call retries twice
  // (9, 8 tokens left) and ends out of attempts (7); the second retries at 6 and is refused at
  // 5, half of the bucket; every later call ends after its first attempt.
  server_.FailFirstArrivalsOfEachRequest(1000, StatusCode::UNAVAILABLE, "Socket closed");
  AttemptLog log;
  ClientOptions options = BudgetOptionsFor(server_.address(), 10, 0.1);
  options.on_attempt = log.Observer();
  Client client(options);
  EXPECT_EQ(client.retry_tokens(), 10.0);
  constexpr int kCalls = 10;
  std::vector<int> attempts;
  for (int i = 0; i < kCalls; ++i) {
    const InferResult result = client.ModelInfer(MakeRequest("m1", "down-" + std::to_string(i)));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), StatusCode::UNAVAILABLE);
    EXPECT_EQ(result.error().details(), "Socket closed") << "the call ends with its last error";
    EXPECT_TRUE(result.error().transient());
    attempts.push_back(result.attempts());
  }
  EXPECT_EQ(attempts, (std::vector<int>{3, 2, 1, 1, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(server_.infer_calls(), kCalls + 3);
  EXPECT_EQ(client.retry_tokens(), 0.0);

  const auto records = log.records();
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kCalls + 3));
  int throttled = 0;
  for (const AttemptRecord& record : records) {
    EXPECT_TRUE(record.transient);
    if (record.retry_throttled) {
      ++throttled;
      EXPECT_FALSE(record.will_retry);
      EXPECT_EQ(record.backoff, milliseconds(0));
    }
  }
  EXPECT_FALSE(records[2].retry_throttled) << "the retry policy, not the budget, ended call 1";
  EXPECT_TRUE(records[3].will_retry);
  EXPECT_TRUE(records[4].retry_throttled);
  EXPECT_EQ(throttled, kCalls - 1);
}

TEST_F(ClientTest, RetryBudgetBoundsTheAttemptsOfConcurrentFailingCalls) {
  server_.FailFirstArrivalsOfEachRequest(1000, StatusCode::UNAVAILABLE, "Socket closed");
  AttemptLog log;
  Results results;  // declared first: the client's destructor waits for callbacks using it
  ClientOptions options = BudgetOptionsFor(server_.address(), 10, 0.1);
  options.on_attempt = log.Observer();
  Client client(options);
  constexpr int kCalls = 20;
  for (int i = 0; i < kCalls; ++i) {
    client.ModelInferAsync(MakeRequest("m1", "down-" + std::to_string(i)), results.Callback());
  }
  ASSERT_TRUE(results.WaitFor(kCalls));
  int total = 0;
  int single = 0;
  int ended_early = 0;
  for (const InferResult& result : results.Take()) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), StatusCode::UNAVAILABLE);
    total += result.attempts();
    single += result.attempts() == 1 ? 1 : 0;
    ended_early += result.attempts() < 3 ? 1 : 0;
  }
  // Retries are allowed only while more than 5 of the 10 tokens are left: at most 5 retries in
  // all, however the failures interleave.
  EXPECT_LE(total, kCalls + 5);
  EXPECT_GE(single, kCalls - 5);
  EXPECT_EQ(server_.infer_calls(), total);
  const auto records = log.records();
  EXPECT_EQ(records.size(), static_cast<std::size_t>(total));
  // Every call that ended before its third attempt was ended by the budget, and said so.
  EXPECT_EQ(std::count_if(records.begin(), records.end(),
                          [](const AttemptRecord& record) { return record.retry_throttled; }),
            ended_early);
  EXPECT_EQ(client.retry_tokens(), 0.0);
}

TEST_F(ClientTest, WithoutARetryBudgetEveryFailingCallMakesMaxAttempts) {
  // Control for the test above: the same outage without a budget.
  server_.FailFirstArrivalsOfEachRequest(1000, StatusCode::UNAVAILABLE, "Socket closed");
  AttemptLog log;
  Results results;
  ClientOptions options = OptionsFor(server_.address());
  options.on_attempt = log.Observer();
  Client client(options);
  constexpr int kCalls = 20;
  for (int i = 0; i < kCalls; ++i) {
    client.ModelInferAsync(MakeRequest("m1", "down-" + std::to_string(i)), results.Callback());
  }
  ASSERT_TRUE(results.WaitFor(kCalls));
  for (const InferResult& result : results.Take()) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.attempts(), 3);
  }
  EXPECT_EQ(server_.infer_calls(), kCalls * 3);
  for (const AttemptRecord& record : log.records()) {
    EXPECT_TRUE(record.transient);
    EXPECT_FALSE(record.retry_throttled);
  }
  EXPECT_EQ(client.retry_tokens(), 0.0);
}

TEST_F(ClientTest, SuccessesRefillTheRetryBudget) {
  // 4 tokens (retries while more than 2 are left), a success puts 1 back, 2 attempts per call.
  AttemptLog log;
  ClientOptions options = BudgetOptionsFor(server_.address(), 4, 1);
  options.retry.max_attempts = 2;
  options.on_attempt = log.Observer();
  Client client(options);

  server_.FailNext(2, StatusCode::UNAVAILABLE, "Socket closed");
  const InferResult drained = client.ModelInfer(MakeRequest("m1", "drained"));
  ASSERT_FALSE(drained.ok());
  EXPECT_EQ(drained.attempts(), 2);  // retried at 3 tokens, out of attempts at 2
  EXPECT_EQ(client.retry_tokens(), 2.0);

  server_.FailNext(1, StatusCode::UNAVAILABLE, "Socket closed");
  const InferResult refused = client.ModelInfer(MakeRequest("m1", "refused"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.attempts(), 1);
  EXPECT_TRUE(log.records().back().retry_throttled);
  EXPECT_EQ(client.retry_tokens(), 1.0);

  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(client.ModelInfer(MakeRequest("m1", "ok-" + std::to_string(i))).ok());
  }
  EXPECT_EQ(client.retry_tokens(), 4.0);  // 2, 3, 4, then capped

  server_.FailNext(1, StatusCode::UNAVAILABLE, "Socket closed");
  const InferResult retried = client.ModelInfer(MakeRequest("m1", "retried"));
  ASSERT_TRUE(retried.ok()) << retried.error().what();
  EXPECT_EQ(retried.attempts(), 2);
  const auto records = log.records();
  EXPECT_TRUE(records[records.size() - 2].will_retry);
  EXPECT_FALSE(records[records.size() - 2].retry_throttled);
  EXPECT_EQ(client.retry_tokens(), 4.0);  // 3 after the failure, 4 after the success
}

TEST_F(ClientTest, PermanentErrorsDoNotDrainTheRetryBudget) {
  server_.FailNext(5, StatusCode::INVALID_ARGUMENT, "unexpected shape for input 'INPUT0'");
  AttemptLog log;
  ClientOptions options = BudgetOptionsFor(server_.address(), 4, 1);
  options.on_attempt = log.Observer();
  Client client(options);
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(client.ModelInfer(MakeRequest("m1", "bad-" + std::to_string(i))).ok());
  }
  EXPECT_EQ(client.retry_tokens(), 4.0);
  for (const AttemptRecord& record : log.records()) {
    EXPECT_FALSE(record.transient);
    EXPECT_FALSE(record.retry_throttled);
  }
}

// ---- Channel pool ------------------------------------------------------------------------------

ClientOptions PoolOptionsFor(const std::string& target, int channels) {
  ClientOptions options = OptionsFor(target);
  options.channels = channels;
  return options;
}

// Test setup, not an assertion: polls until the server has seen `count` ModelInfer calls.
bool WaitForArrivals(const ScriptedInferenceServer& server, int count) {
  const auto limit = std::chrono::steady_clock::now() + kWaitLimit;
  while (server.infer_calls() < count) {
    if (std::chrono::steady_clock::now() > limit) {
      return false;
    }
    std::this_thread::sleep_for(milliseconds(2));
  }
  return true;
}

TEST_F(ClientTest, EachPooledChannelIsItsOwnConnection) {
  AttemptLog log;
  ClientOptions options = PoolOptionsFor(server_.address(), 4);
  options.on_attempt = log.Observer();
  Client client(options);
  constexpr int kCalls = 12;
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(client.ModelInfer(MakeRequest("m1", "seq-" + std::to_string(i))).ok());
  }
  // One call at a time: record i and arrival i are the same attempt.
  const auto records = log.records();
  const auto peers = server_.infer_peers();
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kCalls));
  ASSERT_EQ(peers.size(), static_cast<std::size_t>(kCalls));
  std::map<int, std::set<std::string>> peers_by_channel;
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].channel, static_cast<int>(i % 4)) << "idle channels take turns";
    peers_by_channel[records[i].channel].insert(peers[i]);
  }
  ASSERT_EQ(peers_by_channel.size(), 4u);
  std::set<std::string> distinct;
  for (const auto& [channel, channel_peers] : peers_by_channel) {
    EXPECT_EQ(channel_peers.size(), 1u) << "channel " << channel << " kept its connection";
    distinct.insert(channel_peers.begin(), channel_peers.end());
  }
  EXPECT_EQ(distinct.size(), 4u) << "four channels, four client ports";

  EXPECT_TRUE(client.ServerLive());
  EXPECT_TRUE(client.ServerReady());
  EXPECT_FALSE(client.ModelReady("m1"));
  EXPECT_FALSE(client.ModelMetadata("m1").ok());
  const auto probe_peers = server_.probe_peers();
  ASSERT_EQ(probe_peers.size(), 4u);
  for (const std::string& peer : probe_peers) {
    EXPECT_EQ(peer, *peers_by_channel[0].begin()) << "probes use channel 0";
  }
}

TEST_F(ClientTest, OneChannelIsOneConnection) {
  // Control for the test above: the default client uses a single connection for everything.
  AttemptLog log;
  ClientOptions options = OptionsFor(server_.address());
  options.on_attempt = log.Observer();
  Client client(options);
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(client.ModelInfer(MakeRequest("m1", "seq-" + std::to_string(i))).ok());
  }
  EXPECT_TRUE(client.ServerLive());
  for (const AttemptRecord& record : log.records()) {
    EXPECT_EQ(record.channel, 0);
  }
  std::set<std::string> distinct;
  for (const std::string& peer : server_.infer_peers()) {
    distinct.insert(peer);
  }
  ASSERT_EQ(distinct.size(), 1u);
  EXPECT_EQ(server_.probe_peers(), std::vector<std::string>{*distinct.begin()});
}

TEST_F(ClientTest, ConcurrentCallsSpreadEvenlyOverTheChannels) {
  // Replies are held far beyond the test, so all eight attempts are in flight together and
  // only the in-flight counts decide: two per channel.
  server_.SetReplyDelay(kWaitLimit * 4);
  AttemptLog log;
  Results results;
  constexpr int kCalls = 8;
  {
    ClientOptions options = PoolOptionsFor(server_.address(), 4);
    options.on_attempt = log.Observer();
    Client client(options);
    for (int i = 0; i < kCalls; ++i) {
      client.ModelInferAsync(MakeRequest("m1", "c" + std::to_string(i)), results.Callback());
    }
    ASSERT_TRUE(WaitForArrivals(server_, kCalls));
    EXPECT_EQ(server_.infer_calls_in_service(), kCalls);
  }  // cancels the calls
  std::map<std::string, int> per_peer;
  for (const std::string& peer : server_.infer_peers()) {
    ++per_peer[peer];
  }
  EXPECT_EQ(per_peer.size(), 4u);
  for (const auto& [peer, count] : per_peer) {
    EXPECT_EQ(count, 2) << peer;
  }
  std::map<int, int> per_channel;
  for (const AttemptRecord& record : log.records()) {
    ++per_channel[record.channel];
  }
  EXPECT_EQ(per_channel, (std::map<int, int>{{0, 2}, {1, 2}, {2, 2}, {3, 2}}));
  EXPECT_EQ(results.Take().size(), static_cast<std::size_t>(kCalls));
}

TEST_F(ClientTest, AnAttemptGoesToTheChannelWithTheFewestAttemptsInFlight) {
  // Two slow calls hold channels 0 and 1; every quick call then goes to channel 2, where taking
  // turns would send two of three quick calls behind the slow ones.
  server_.EnqueueOutcome({StatusCode::OK, "", kWaitLimit * 4});
  server_.EnqueueOutcome({StatusCode::OK, "", kWaitLimit * 4});
  AttemptLog log;
  Results slow;
  ClientOptions options = PoolOptionsFor(server_.address(), 3);
  options.on_attempt = log.Observer();
  Client client(options);
  client.ModelInferAsync(MakeRequest("m1", "slow-1"), slow.Callback());
  client.ModelInferAsync(MakeRequest("m1", "slow-2"), slow.Callback());
  ASSERT_TRUE(WaitForArrivals(server_, 2));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.ModelInfer(MakeRequest("m1", "quick-" + std::to_string(i))).ok());
  }
  const auto records = log.records();  // the slow calls have not reported yet
  ASSERT_EQ(records.size(), 3u);
  for (const AttemptRecord& record : records) {
    EXPECT_EQ(record.channel, 2);
  }
  const auto peers = server_.infer_peers();
  ASSERT_EQ(peers.size(), 5u);
  EXPECT_NE(peers[0], peers[1]);
  for (std::size_t i = 2; i < peers.size(); ++i) {
    EXPECT_NE(peers[i], peers[0]);
    EXPECT_NE(peers[i], peers[1]);
    EXPECT_EQ(peers[i], peers[2]);
  }
}

TEST_F(ClientTest, ARetryAvoidsTheChannelItsAttemptFailedOn) {
  // A slow call holds channel 0. The next call goes to channel 1 and fails there; channel 1 is
  // then still the least busy one, but the retry goes to channel 0.
  server_.EnqueueOutcome({StatusCode::OK, "", kWaitLimit * 4});
  AttemptLog log;
  Results slow;
  ClientOptions options = PoolOptionsFor(server_.address(), 2);
  options.on_attempt = log.Observer();
  Client client(options);
  client.ModelInferAsync(MakeRequest("m1", "slow"), slow.Callback());
  ASSERT_TRUE(WaitForArrivals(server_, 1));
  server_.FailNext(1, StatusCode::UNAVAILABLE, "Connection reset by peer");
  const InferResult result = client.ModelInfer(MakeRequest("m1", "retried"));
  ASSERT_TRUE(result.ok()) << result.error().what();
  EXPECT_EQ(result.attempts(), 2);
  const auto records = log.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].channel, 1);
  EXPECT_EQ(records[0].code, StatusCode::UNAVAILABLE);
  EXPECT_TRUE(records[0].will_retry);
  EXPECT_EQ(records[1].channel, 0);
  EXPECT_EQ(records[1].code, StatusCode::OK);
  const auto peers = server_.infer_peers();
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_NE(peers[1], peers[0]);
  EXPECT_EQ(peers[2], peers[0]);
}

TEST_F(ClientTest, ABrokenConnectionFailsOnlyTheAttemptsSentOnIt) {
  AttemptLog log;
  Results results;
  ClientOptions options = PoolOptionsFor(server_.address(), 3);
  options.retry.max_attempts = 2;
  options.on_attempt = log.Observer();
  Client client(options);
  // Idle channels take turns: call i goes to channel i, which tells its connection.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.ModelInfer(MakeRequest("m1", "warm-" + std::to_string(i))).ok());
  }
  ASSERT_EQ(log.records().at(1).channel, 1);
  const std::string broken = server_.infer_peers().at(1);
  server_.FailCallsFromPeer(broken, StatusCode::UNAVAILABLE, "Connection reset by peer");

  constexpr int kCalls = 30;
  for (int i = 0; i < kCalls; ++i) {
    client.ModelInferAsync(MakeRequest("m1", "c" + std::to_string(i)), results.Callback());
  }
  ASSERT_TRUE(results.WaitFor(kCalls));
  int retried = 0;
  for (const InferResult& result : results.Take()) {
    ASSERT_TRUE(result.ok()) << result.error().what();
    retried += result.attempts() == 2 ? 1 : 0;
  }
  const auto records = log.records();
  ASSERT_EQ(records.size(), static_cast<std::size_t>(3 + kCalls + retried));
  int failed_on_broken = 0;
  for (std::size_t i = 3; i < records.size(); ++i) {
    if (records[i].channel == 1) {
      ++failed_on_broken;
      EXPECT_EQ(records[i].code, StatusCode::UNAVAILABLE);
      EXPECT_EQ(records[i].attempt, 1) << "a retry never goes back to the broken channel";
    } else {
      EXPECT_EQ(records[i].code, StatusCode::OK) << "channel " << records[i].channel;
    }
  }
  // The second call found channel 1 idle and its turn: the broken connection did get calls.
  EXPECT_GT(failed_on_broken, 0);
  EXPECT_EQ(retried, failed_on_broken);
  const auto peers = server_.infer_peers();
  EXPECT_EQ(std::count(peers.begin(), peers.end(), broken), 1 + failed_on_broken);
}

TEST(ClientDeathTest, DestroyingTheClientInsideItsOwnDoneAbortsInsteadOfDeadlocking) {
  // "threadsafe" re-executes the test binary for the child, so gRPC's threads are not forked.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ScriptedInferenceServer server;
        auto* client = new Client(OptionsFor(server.address()));
        client->ModelInferAsync(MakeRequest("m1", "suicide"),
                                [client](InferResult) { delete client; });
        std::this_thread::sleep_for(milliseconds(5000));
      },
      "destroyed from inside its own callback");
}

}  // namespace
}  // namespace protifer::triton

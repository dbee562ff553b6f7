#include "prediction/dispatch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "adapters/adapter_errors.h"
#include "concurrency/fifo_semaphore.h"
#include "prediction/tests/dispatch_test_support.h"
#include "triton/testing/scripted_inference_client.h"

namespace protifer::prediction {
namespace {

using concurrency::FifoSemaphore;
using ::testing::ElementsAre;
using testing::FakeRegistry;
using testing::GateClient;
using testing::RecordingObserver;
using testing::RegistryNames;
using triton::testing::ScriptedInferenceClient;

constexpr auto kWait = std::chrono::milliseconds(10000);

// A fixed wall clock, so failedAt is known: 2026-06-20T12:34:56.789Z.
DispatchOptions FixedClock() {
  DispatchOptions options;
  options.clock = [] {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(1781958896789));
  };
  return options;
}

// A job's inputs: an all-zero embedding of `seq_len` rows (the fakes only read seq_len).
struct JobInput {
  explicit JobInput(std::size_t seq_len)
      : embedding(seq_len * adapters::kEmbeddingDim), mask(seq_len, 1.0f) {
    context = adapters::AdapterContext{embedding, seq_len, mask, "MK"};
  }
  std::vector<float> embedding;
  std::vector<float> mask;
  adapters::AdapterContext context;
};

std::vector<std::string> Keys(const nlohmann::ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) {
    keys.push_back(item.key());
  }
  return keys;
}

std::vector<std::string> OutputKeys(std::initializer_list<std::size_t> registry_indices) {
  std::vector<std::string> keys;
  for (std::size_t index : registry_indices) {
    keys.push_back(RegistryNames()[index].second);
  }
  return keys;
}

// Answers per model: a failure for the models listed, the echo otherwise.
ScriptedInferenceClient::Responder FailModels(
    std::map<std::string, std::pair<grpc::StatusCode, std::string>> failures) {
  return [failures = std::move(failures)](const inference::ModelInferRequest& request) {
    const auto it = failures.find(request.model_name());
    if (it != failures.end()) {
      return ScriptedInferenceClient::Failure(it->second.first, it->second.second);
    }
    return ScriptedInferenceClient::Echo(request);
  };
}

// "YYYY-MM-DDTHH:mm:ss.sssZ" (std::regex is avoided: GCC 12 warns inside it under ASan).
bool IsIsoTimestamp(const std::string& text) {
  const std::string pattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != pattern.size()) {
    return false;
  }
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const bool ok = pattern[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == pattern[i];
    if (!ok) {
      return false;
    }
  }
  return true;
}

void ExpectAllPermitsBack(const FifoSemaphore& semaphore, std::int64_t capacity) {
  EXPECT_EQ(semaphore.in_use(), 0);
  EXPECT_EQ(semaphore.available(), capacity);
  EXPECT_EQ(semaphore.waiters(), 0u);
}

TEST(DispatchAll, AllEightSucceedGivesEightOutputsInRegistryOrderAndNoErrors) {
  FakeRegistry registry;
  ScriptedInferenceClient client;
  FifoSemaphore semaphore(8);
  RecordingObserver observer;
  JobInput job(3);

  const DispatchResult result =
      DispatchAll(job.context, registry.adapters(), client, semaphore, observer);

  EXPECT_EQ(Keys(result.outputs), OutputKeys({0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(result.outputs["tmbed"], "tmbed:ok");
  EXPECT_TRUE(result.model_errors.empty());
  EXPECT_FALSE(result.AllFailed());
  EXPECT_EQ(client.infer_calls(), 8);
  ExpectAllPermitsBack(semaphore, 8);

  const auto calls = observer.model_calls();
  ASSERT_EQ(calls.size(), 8u);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].model, RegistryNames()[i].first);
    EXPECT_EQ(calls[i].status, "success");
    EXPECT_GE(calls[i].seconds, 0.0);
  }
  EXPECT_EQ(observer.permit_waits().size(), 8u);
  EXPECT_EQ(observer.infer_calls().size(), 8u);
  ASSERT_EQ(observer.fan_outs().size(), 1u);
  EXPECT_EQ(observer.fan_outs()[0].status, "success");
}

TEST(DispatchAll, FiveSucceedThreeFailKeepsOutputsAndRecordsEachError) {
  FakeRegistry registry;
  ScriptedInferenceClient client(FailModels(
      {{"vespag", {grpc::StatusCode::UNAVAILABLE, "Connection dropped"}},
       {"light_attention_subcell", {grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"}},
       {"light_attention_membrane", {grpc::StatusCode::INTERNAL, "model assertion failed"}}}));
  FifoSemaphore semaphore(8);
  RecordingObserver observer;
  JobInput job(2);

  const DispatchResult result =
      DispatchAll(job.context, registry.adapters(), client, semaphore, observer, FixedClock());

  EXPECT_EQ(Keys(result.outputs), OutputKeys({0, 1, 2, 3, 4}));
  ASSERT_EQ(result.model_errors.size(), 3u);
  EXPECT_EQ(result.model_errors[0].output_key, "variation");
  EXPECT_EQ(result.model_errors[0].model_name, "vespag");
  EXPECT_EQ(result.model_errors[0].code, ModelErrorCode::kUnavailable);
  EXPECT_EQ(result.model_errors[0].message, "Connection dropped");
  EXPECT_EQ(result.model_errors[1].output_key, "light_attention_subcellular");
  EXPECT_EQ(result.model_errors[1].code, ModelErrorCode::kDeadlineExceeded);
  EXPECT_EQ(result.model_errors[1].message, "Deadline Exceeded");
  EXPECT_EQ(result.model_errors[2].output_key, "light_attention_membrane");
  EXPECT_EQ(result.model_errors[2].code, ModelErrorCode::kInternal);
  EXPECT_EQ(result.model_errors[2].message, "model assertion failed");
  for (const ModelFailure& failure : result.model_errors) {
    EXPECT_EQ(failure.failed_at, "2026-06-20T12:34:56.789Z");
  }
  ExpectAllPermitsBack(semaphore, 8);

  const auto calls = observer.model_calls();
  ASSERT_EQ(calls.size(), 8u);
  EXPECT_EQ(calls[4].status, "success");
  EXPECT_EQ(calls[5].status, "UNAVAILABLE");
  EXPECT_EQ(calls[6].status, "DEADLINE_EXCEEDED");
  EXPECT_EQ(calls[7].status, "INTERNAL");
  EXPECT_EQ(observer.fan_outs().at(0).status, "success");
}

TEST(DispatchAll, OneSuccessAndSevenFailuresReturnsNormally) {
  FakeRegistry registry;
  ScriptedInferenceClient client([](const inference::ModelInferRequest& request) {
    if (request.model_name() == "seth") {
      return ScriptedInferenceClient::Echo(request);
    }
    return ScriptedInferenceClient::Failure(grpc::StatusCode::UNAVAILABLE, "down");
  });
  FifoSemaphore semaphore(4);
  JobInput job(1);

  const DispatchResult result = DispatchAll(job.context, registry.adapters(), client, semaphore);

  EXPECT_EQ(Keys(result.outputs), OutputKeys({2}));
  EXPECT_EQ(result.model_errors.size(), 7u);
  EXPECT_FALSE(result.AllFailed());
}

TEST(DispatchAll, AllFailedGivesEmptyOutputsEightErrorsAndAFailureFanOut) {
  FakeRegistry registry;
  ScriptedInferenceClient client([](const inference::ModelInferRequest&) {
    return ScriptedInferenceClient::Failure(grpc::StatusCode::UNAVAILABLE, "Connection dropped", 3);
  });
  FifoSemaphore semaphore(8);
  RecordingObserver observer;
  JobInput job(1);

  const DispatchResult result =
      DispatchAll(job.context, registry.adapters(), client, semaphore, observer, FixedClock());

  EXPECT_TRUE(result.outputs.empty());
  EXPECT_TRUE(result.outputs.is_object());
  EXPECT_TRUE(result.AllFailed());
  ASSERT_EQ(result.model_errors.size(), 8u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(result.model_errors[i].output_key, RegistryNames()[i].second);
    EXPECT_EQ(result.model_errors[i].code, ModelErrorCode::kUnavailable);
    EXPECT_TRUE(IsIsoTimestamp(result.model_errors[i].failed_at))
        << result.model_errors[i].failed_at;
  }
  EXPECT_EQ(result.FailureSummary(),
            "prott5_secondary_structure(UNAVAILABLE): Connection dropped | "
            "tmbed(UNAVAILABLE): Connection dropped | seth(UNAVAILABLE): Connection dropped | "
            "bindembed(UNAVAILABLE): Connection dropped | "
            "prott5_conservation(UNAVAILABLE): Connection dropped | "
            "variation(UNAVAILABLE): Connection dropped | "
            "light_attention_subcellular(UNAVAILABLE): Connection dropped | "
            "light_attention_membrane(UNAVAILABLE): Connection dropped");
  for (const auto& call : observer.model_calls()) {
    EXPECT_EQ(call.status, "UNAVAILABLE");
  }
  EXPECT_EQ(observer.model_calls().size(), 8u);
  EXPECT_EQ(observer.fan_outs().at(0).status, "failure");
  ExpectAllPermitsBack(semaphore, 8);
}

TEST(DispatchAll, DecodeErrorsAreClassifiedPerAdapterErrorClass) {
  FakeRegistry registry;
  registry.adapter("seth").set_decode_hook(
      [](const inference::ModelInferResponse&) -> nlohmann::ordered_json {
        throw adapters::ShapeError("wrong shape");
      });
  registry.adapter("tmbed").set_decode_hook(
      [](const inference::ModelInferResponse&) -> nlohmann::ordered_json {
        throw adapters::DecodeError("tmbed: response missing 'labels' output");
      });
  registry.adapter("vespag").set_decode_hook(
      [](const inference::ModelInferResponse&) -> nlohmann::ordered_json {
        throw adapters::DtypeError("vespag: dtype");
      });
  ScriptedInferenceClient client;
  FifoSemaphore semaphore(2);
  RecordingObserver observer;
  JobInput job(1);

  const DispatchResult result =
      DispatchAll(job.context, registry.adapters(), client, semaphore, observer);

  EXPECT_EQ(Keys(result.outputs), OutputKeys({0, 3, 4, 6, 7}));
  ASSERT_EQ(result.model_errors.size(), 3u);
  EXPECT_EQ(result.model_errors[0].output_key, "tmbed");
  EXPECT_EQ(result.model_errors[0].code, ModelErrorCode::kDecodeError);
  EXPECT_EQ(result.model_errors[1].output_key, "seth");
  EXPECT_EQ(result.model_errors[1].code, ModelErrorCode::kShapeMismatch);
  EXPECT_EQ(result.model_errors[1].message, "wrong shape");
  EXPECT_EQ(result.model_errors[2].code, ModelErrorCode::kDtypeMismatch);
  // The call itself succeeded; only the model timer carries the decode failure.
  EXPECT_EQ(observer.infer_calls().at(2).status, "success");
  EXPECT_EQ(observer.model_calls().at(2).status, "SHAPE_MISMATCH");
  ExpectAllPermitsBack(semaphore, 2);
}

TEST(DispatchAll, AnAnswerCoveringTheWrongNumberOfResiduesIsAShapeMismatch) {
  FakeRegistry registry;
  registry.adapter("seth").set_decoded_residues(8);         // the model answered [1, 2L, 1]
  registry.adapter("vespag").set_decoded_residues(4);       // right
  registry.adapter("prott5_cons").set_decoded_residues(0);  // an empty answer
  ScriptedInferenceClient client;
  FifoSemaphore semaphore(8);
  JobInput job(4);

  const DispatchResult result = DispatchAll(job.context, registry.adapters(), client, semaphore);

  EXPECT_FALSE(result.outputs.contains("seth"));
  EXPECT_FALSE(result.outputs.contains("prott5_conservation"));
  EXPECT_TRUE(result.outputs.contains("variation"));
  ASSERT_EQ(result.model_errors.size(), 2u);
  EXPECT_EQ(result.model_errors[0].output_key, "seth");
  EXPECT_EQ(result.model_errors[0].code, ModelErrorCode::kShapeMismatch);
  EXPECT_EQ(result.model_errors[0].message,
            "seth: output covers 8 residues, expected 4 (the embedding's length)");
  EXPECT_EQ(result.model_errors[1].output_key, "prott5_conservation");
  EXPECT_EQ(result.model_errors[1].message,
            "prott5_cons: output covers 0 residues, expected 4 (the embedding's length)");
}

TEST(DispatchAll, DecodeRunsOnTheJobThreadNotOnTheClientThread) {
  FakeRegistry registry;
  std::mutex mutex;
  std::vector<std::thread::id> decode_threads;
  for (const auto& [model, key] : RegistryNames()) {
    registry.adapter(model).set_decode_hook(
        [&, key = key](const inference::ModelInferResponse&) -> nlohmann::ordered_json {
          std::lock_guard lock(mutex);
          decode_threads.push_back(std::this_thread::get_id());
          return key;
        });
  }
  ScriptedInferenceClient client;
  FifoSemaphore semaphore(3);
  JobInput job(1);

  const DispatchResult result = DispatchAll(job.context, registry.adapters(), client, semaphore);

  EXPECT_EQ(result.outputs.size(), 8u);
  ASSERT_EQ(decode_threads.size(), 8u);
  for (const std::thread::id id : decode_threads) {
    EXPECT_EQ(id, std::this_thread::get_id());
  }
}

TEST(DispatchAll, BuildsEveryRequestBeforeTheFirstCallIsSent) {
  FakeRegistry registry;
  std::mutex mutex;
  std::vector<std::string> events;
  for (const auto& [model, key] : RegistryNames()) {
    registry.adapter(model).set_build_hook([&](std::string_view name) {
      std::lock_guard lock(mutex);
      events.push_back("build " + std::string(name));
    });
  }
  ScriptedInferenceClient scripted;
  GateClient client(scripted);
  client.set_on_call([&](const inference::ModelInferRequest& request) {
    std::lock_guard lock(mutex);
    events.push_back("infer " + request.model_name());
  });
  FifoSemaphore semaphore(8);
  JobInput job(1);

  DispatchAll(job.context, registry.adapters(), client, semaphore);

  ASSERT_EQ(events.size(), 16u);
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(events[i], "build " + RegistryNames()[i].first);
    EXPECT_EQ(events[8 + i], "infer " + RegistryNames()[i].first);
  }
}

TEST(DispatchAll, ABuildFailureFailsOnlyThatModelAndTakesNoPermit) {
  FakeRegistry registry;
  registry.adapter("bind_embed").set_build_hook([](std::string_view) {
    throw std::invalid_argument("embedding has 5 floats, expected seq_len * 1024");
  });
  ScriptedInferenceClient client;
  FifoSemaphore semaphore(1);
  RecordingObserver observer;
  JobInput job(1);

  const DispatchResult result =
      DispatchAll(job.context, registry.adapters(), client, semaphore, observer);

  EXPECT_EQ(result.outputs.size(), 7u);
  ASSERT_EQ(result.model_errors.size(), 1u);
  EXPECT_EQ(result.model_errors[0].output_key, "bindembed");
  EXPECT_EQ(result.model_errors[0].code, ModelErrorCode::kDecodeError);
  EXPECT_EQ(result.model_errors[0].message, "embedding has 5 floats, expected seq_len * 1024");
  EXPECT_EQ(client.infer_calls(), 7);
  EXPECT_EQ(observer.permit_waits().size(), 7u);  // no permit asked for bind_embed
  EXPECT_EQ(observer.model_calls().at(3).status, "DECODE_ERROR");
  ExpectAllPermitsBack(semaphore, 1);
}

// A client that refuses every call by throwing from ModelInferAsync.
class ThrowingClient final : public triton::InferenceClient {
 public:
  void ModelInferAsync(std::shared_ptr<const inference::ModelInferRequest>,
                       triton::InferCallback) override {
    ++calls;
    throw std::runtime_error("client refused the call");
  }
  triton::CallResult<bool> ProbeServerReady() override { return triton::CallResult<bool>(true, 1); }
  triton::CallResult<bool> ProbeModelReady(const std::string&, const std::string&) override {
    return triton::CallResult<bool>(true, 1);
  }
  std::atomic<int> calls{0};
};

TEST(DispatchAll, AThrowingClientLeaksNoPermit) {
  FakeRegistry registry;
  ThrowingClient client;
  FifoSemaphore semaphore(4);
  JobInput job(1);

  const DispatchResult result = DispatchAll(job.context, registry.adapters(), client, semaphore);

  EXPECT_EQ(client.calls.load(), 8);
  EXPECT_TRUE(result.AllFailed());
  ASSERT_EQ(result.model_errors.size(), 8u);
  for (const ModelFailure& failure : result.model_errors) {
    EXPECT_EQ(failure.code, ModelErrorCode::kDecodeError);
    EXPECT_EQ(failure.message, "client refused the call");
  }
  ExpectAllPermitsBack(semaphore, 4);
}

TEST(DispatchAll, FailedCallsAndThrowingDecodersLeakNoPermit) {
  FakeRegistry registry;
  for (const auto& [model, key] : RegistryNames()) {
    registry.adapter(model).set_decode_hook(
        [](const inference::ModelInferResponse&) -> nlohmann::ordered_json {
          throw std::runtime_error("decoder exploded");
        });
  }
  ScriptedInferenceClient client(
      FailModels({{"tmbed", {grpc::StatusCode::INVALID_ARGUMENT, "bad input"}}}));
  FifoSemaphore semaphore(2);
  JobInput job(1);

  const DispatchResult result = DispatchAll(job.context, registry.adapters(), client, semaphore);

  EXPECT_TRUE(result.AllFailed());
  EXPECT_EQ(result.model_errors.at(1).code, ModelErrorCode::kInvalidArgument);
  EXPECT_EQ(result.model_errors.at(0).message, "decoder exploded");
  ExpectAllPermitsBack(semaphore, 2);
}

TEST(DispatchAll, WithThreePermitsExactlyThreeCallsStartThenAllEight) {
  FakeRegistry registry;
  ScriptedInferenceClient scripted;
  scripted.HoldCalls(true);
  FifoSemaphore semaphore(3);
  JobInput job(1);

  auto pending = std::async(std::launch::async, [&] {
    return DispatchAll(job.context, registry.adapters(), scripted, semaphore);
  });
  ASSERT_TRUE(scripted.WaitForHeldCalls(3, kWait));
  // The job has asked for all its permits: 3 granted, 5 queued; no fourth call was sent.
  ASSERT_TRUE(testing::Eventually([&] { return semaphore.waiters() == 5; }));
  EXPECT_EQ(scripted.infer_calls(), 3);
  EXPECT_EQ(semaphore.in_use(), 3);

  std::size_t released = 0;
  while (released < 8) {
    ASSERT_TRUE(scripted.WaitForHeldCalls(1, kWait)) << "after " << released << " releases";
    released += scripted.ReleaseHeldCalls(1);
  }
  const DispatchResult result = pending.get();
  EXPECT_EQ(result.outputs.size(), 8u);
  EXPECT_EQ(scripted.infer_calls(), 8);
  ExpectAllPermitsBack(semaphore, 3);
}

TEST(DispatchAll, ThreeConcurrentJobsNeverExceedTheSharedCap) {
  constexpr std::int64_t kCap = 2;
  constexpr int kJobs = 3;
  FakeRegistry registry;
  ScriptedInferenceClient scripted;
  GateClient client(scripted);
  client.set_park(true);
  FifoSemaphore semaphore(kCap);
  // Every input exists before any job starts: the jobs read them concurrently.
  std::vector<std::unique_ptr<JobInput>> inputs;
  for (int j = 0; j < kJobs; ++j) {
    inputs.push_back(std::make_unique<JobInput>(static_cast<std::size_t>(j + 1)));
  }
  std::vector<std::future<DispatchResult>> jobs;
  for (const auto& input : inputs) {
    jobs.push_back(std::async(std::launch::async, [&, job = input.get()] {
      return DispatchAll(job->context, registry.adapters(), client, semaphore);
    }));
  }

  // Let the calls through one at a time from this thread; each completes on the scripted
  // client's worker thread, which is also where the next waiter's call gets started.
  ASSERT_TRUE(client.WaitForParked(kCap, kWait));
  ASSERT_TRUE(testing::Eventually([&] { return semaphore.waiters() == 8 * kJobs - kCap; }));
  EXPECT_EQ(client.in_flight(), kCap);
  for (int released = 0; released < 8 * kJobs; ++released) {
    ASSERT_TRUE(client.WaitForParked(1, kWait)) << "after " << released << " releases";
    EXPECT_LE(client.in_flight(), kCap);
    client.ReleaseParked(0);
  }
  for (auto& job : jobs) {
    EXPECT_EQ(job.get().outputs.size(), 8u);
  }
  EXPECT_EQ(scripted.infer_calls(), 8 * kJobs);
  EXPECT_EQ(client.max_in_flight(), kCap);
  ExpectAllPermitsBack(semaphore, kCap);
}

TEST(DispatchAll, ALaterJobsCallsQueueBehindAnEarlierJobsCalls) {
  FakeRegistry registry;
  ScriptedInferenceClient scripted;
  scripted.HoldCalls(true);
  FifoSemaphore semaphore(2);
  JobInput first(1);   // requests of the first job have shape [1, 1]
  JobInput second(2);  // ... of the second job [1, 2]

  auto first_job = std::async(std::launch::async, [&] {
    return DispatchAll(first.context, registry.adapters(), scripted, semaphore);
  });
  ASSERT_TRUE(testing::Eventually([&] { return semaphore.waiters() == 6; }));
  auto second_job = std::async(std::launch::async, [&] {
    return DispatchAll(second.context, registry.adapters(), scripted, semaphore);
  });
  ASSERT_TRUE(testing::Eventually([&] { return semaphore.waiters() == 14; }));

  for (std::size_t released = 0; released < 16;) {
    ASSERT_TRUE(scripted.WaitForHeldCalls(1, kWait));
    released += scripted.ReleaseHeldCalls(1);
  }
  first_job.get();
  second_job.get();

  const auto requests = scripted.requests();
  ASSERT_EQ(requests.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) {
    const std::int64_t expected_seq_len = i < 8 ? 1 : 2;
    EXPECT_EQ(requests[i].inputs(0).shape(1), expected_seq_len) << "call " << i;
    EXPECT_EQ(requests[i].model_name(), RegistryNames()[i % 8].first) << "call " << i;
  }
  ExpectAllPermitsBack(semaphore, 2);
}

TEST(DispatchAll, OutputsFollowRegistryOrderWhateverTheCompletionOrder) {
  FakeRegistry registry;
  ScriptedInferenceClient scripted(
      FailModels({{"prott5_sec", {grpc::StatusCode::NOT_FOUND, "unknown model"}},
                  {"seth", {grpc::StatusCode::UNAVAILABLE, "down"}}}));
  GateClient client(scripted);
  client.set_park(true);
  FifoSemaphore semaphore(8);
  JobInput job(1);

  auto pending = std::async(std::launch::async, [&] {
    return DispatchAll(job.context, registry.adapters(), client, semaphore);
  });
  ASSERT_TRUE(client.WaitForParked(8, kWait));
  for (std::size_t left = 8; left > 0; --left) {
    client.ReleaseParked(left - 1);  // newest first: the reverse of registry order
  }
  const DispatchResult result = pending.get();

  EXPECT_EQ(Keys(result.outputs), OutputKeys({1, 3, 4, 5, 6, 7}));
  ASSERT_EQ(result.model_errors.size(), 2u);
  EXPECT_EQ(result.model_errors[0].output_key, "prott5_secondary_structure");
  EXPECT_EQ(result.model_errors[0].code, ModelErrorCode::kNotFound);
  EXPECT_EQ(result.model_errors[1].output_key, "seth");
}

TEST(DispatchAll, ErrorMessagesAreCutTo200Utf16Units) {
  FakeRegistry registry;
  registry.adapter("seth").set_decode_hook(
      [](const inference::ModelInferResponse&) -> nlohmann::ordered_json {
        throw adapters::ShapeError(std::string(500, 'x'));
      });
  ScriptedInferenceClient client(
      FailModels({{"tmbed", {grpc::StatusCode::UNAVAILABLE, std::string(500, 'y')}}}));
  FifoSemaphore semaphore(8);
  JobInput job(1);

  const DispatchResult result = DispatchAll(job.context, registry.adapters(), client, semaphore);

  ASSERT_EQ(result.model_errors.size(), 2u);
  EXPECT_EQ(result.model_errors[0].message, std::string(200, 'y'));
  EXPECT_EQ(result.model_errors[1].message, std::string(200, 'x'));
}

TEST(DispatchAll, ResultsKeptFromAnEarlierAttemptAreNotComputedAgain) {
  FakeRegistry registry;
  JobInput job(2);
  const std::string failing = RegistryNames()[5].first;

  // Attempt 1: seven models succeed, one fails; each success is handed over as it is decoded.
  ScriptedInferenceClient first(
      FailModels({{failing, {grpc::StatusCode::INVALID_ARGUMENT, "no"}}}));
  FifoSemaphore semaphore(8);
  DispatchOptions keep = FixedClock();
  std::unordered_map<std::string, nlohmann::ordered_json> kept;
  keep.on_result = [&kept](const std::string& key, const nlohmann::ordered_json& value) {
    EXPECT_TRUE(kept.emplace(key, value).second) << key << " handed over twice";
  };
  const DispatchResult attempt1 =
      DispatchAll(job.context, registry.adapters(), first, semaphore, NoopDispatchObserver(), keep);
  ASSERT_EQ(attempt1.model_errors.size(), 1u);
  ASSERT_EQ(kept.size(), 7u);
  EXPECT_FALSE(kept.contains(RegistryNames()[5].second));

  // Attempt 2: only the model that failed is called.
  ScriptedInferenceClient second;
  RecordingObserver observer;
  DispatchOptions reuse = FixedClock();
  reuse.reused = kept;
  const DispatchResult attempt2 =
      DispatchAll(job.context, registry.adapters(), second, semaphore, observer, reuse);
  EXPECT_EQ(second.infer_calls(), 1);
  EXPECT_TRUE(attempt2.model_errors.empty());
  EXPECT_EQ(observer.model_calls().size(), 1u);
  ExpectAllPermitsBack(semaphore, 8);

  // Identical to a clean run, key order included.
  ScriptedInferenceClient clean;
  const DispatchResult fresh = DispatchAll(job.context, registry.adapters(), clean, semaphore);
  EXPECT_EQ(attempt2.outputs.dump(), fresh.outputs.dump());
}

TEST(DispatchAll, PermitsAreWeightedByRequestBytes) {
  FakeRegistry registry;
  ScriptedInferenceClient scripted;
  scripted.HoldCalls(true);
  JobInput job(1);
  // Room for the bytes of the smallest request only: no two requests fit together (a larger one
  // runs alone), so the fan-out runs one call at a time.
  std::int64_t smallest = std::numeric_limits<std::int64_t>::max();
  for (const adapters::Adapter* adapter : registry.adapters()) {
    smallest = std::min(
        smallest, static_cast<std::int64_t>(adapter->BuildRequest(job.context).ByteSizeLong()));
  }
  FifoSemaphore semaphore(8, smallest);

  auto pending = std::async(std::launch::async, [&] {
    return DispatchAll(job.context, registry.adapters(), scripted, semaphore);
  });
  ASSERT_TRUE(scripted.WaitForHeldCalls(1, kWait));
  ASSERT_TRUE(testing::Eventually([&] { return semaphore.waiters() == 7; }));
  EXPECT_EQ(scripted.infer_calls(), 1);
  EXPECT_GE(semaphore.bytes_in_use(), smallest);
  std::size_t released = 0;
  while (released < 8) {
    ASSERT_TRUE(scripted.WaitForHeldCalls(1, kWait)) << "after " << released << " releases";
    EXPECT_EQ(semaphore.in_use(), 1);
    released += scripted.ReleaseHeldCalls(1);
  }
  EXPECT_EQ(pending.get().outputs.size(), 8u);
  EXPECT_EQ(semaphore.bytes_in_use(), 0);
}

TEST(DispatchAll, NoAdaptersGivesAnEmptyResult) {
  ScriptedInferenceClient client;
  FifoSemaphore semaphore(1);
  JobInput job(1);
  const DispatchResult result = DispatchAll(job.context, {}, client, semaphore);
  EXPECT_TRUE(result.outputs.empty());
  EXPECT_TRUE(result.model_errors.empty());
  EXPECT_EQ(client.infer_calls(), 0);
}

}  // namespace
}  // namespace protifer::prediction

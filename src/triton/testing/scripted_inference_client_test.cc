// The InferenceClient test double behaves like the real client where callers can tell: `done`
// once, on another thread; and it can hold calls so a caller can be observed mid-flight.
#include "triton/testing/scripted_inference_client.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace protifer::triton::testing {
namespace {

using std::chrono::milliseconds;

std::shared_ptr<const inference::ModelInferRequest> Request(const std::string& model,
                                                            const std::string& id) {
  auto request = std::make_shared<inference::ModelInferRequest>();
  request->set_model_name(model);
  request->set_id(id);
  return request;
}

TEST(ScriptedInferenceClient, EchoesOnItsOwnThread) {
  ScriptedInferenceClient client;
  std::promise<std::thread::id> thread;
  std::promise<InferResult> result;
  client.ModelInferAsync(Request("m", "1"), [&](InferResult r) {
    thread.set_value(std::this_thread::get_id());
    result.set_value(std::move(r));
  });
  const InferResult answer = result.get_future().get();
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer.value().model_name(), "m");
  EXPECT_EQ(answer.value().id(), "1");
  EXPECT_NE(thread.get_future().get(), std::this_thread::get_id());
  EXPECT_EQ(client.infer_calls(), 1);
}

TEST(ScriptedInferenceClient, ResponderScriptsFailures) {
  ScriptedInferenceClient client([](const inference::ModelInferRequest& request) {
    if (request.model_name() == "bad") {
      return ScriptedInferenceClient::Failure(grpc::StatusCode::UNAVAILABLE, "Socket closed", 3);
    }
    return ScriptedInferenceClient::Echo(request);
  });
  EXPECT_TRUE(client.ModelInfer(Request("good", "a")).ok());
  const InferResult failed = client.ModelInfer(Request("bad", "b"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(failed.attempts(), 3);
  EXPECT_TRUE(failed.error().transient());
}

TEST(ScriptedInferenceClient, HeldCallsWaitUntilReleasedInOrder) {
  ScriptedInferenceClient client;
  client.HoldCalls(true);
  std::mutex mutex;
  std::vector<std::string> order;
  for (const char* id : {"1", "2", "3"}) {
    client.ModelInferAsync(Request("m", id), [&](InferResult r) {
      std::lock_guard lock(mutex);
      order.push_back(r.value().id());
    });
  }
  ASSERT_TRUE(client.WaitForHeldCalls(3, milliseconds(5000)));
  EXPECT_EQ(client.outstanding_calls(), 3);
  EXPECT_EQ(client.max_outstanding_calls(), 3);
  EXPECT_EQ(client.ReleaseHeldCalls(2), 2u);
  EXPECT_EQ(client.held_calls(), 1u);
  client.HoldCalls(false);
  EXPECT_EQ(client.ReleaseHeldCalls(), 1u);
  ASSERT_TRUE(client.WaitUntilIdle(milliseconds(5000)));
  std::lock_guard lock(mutex);
  EXPECT_EQ(order, (std::vector<std::string>{"1", "2", "3"}));
}

TEST(ScriptedInferenceClient, DestructionCancelsHeldCallsExactlyOnce) {
  int calls = 0;
  std::optional<grpc::StatusCode> code;
  {
    ScriptedInferenceClient client;
    client.HoldCalls(true);
    client.ModelInferAsync(Request("m", "held"), [&](InferResult r) {
      ++calls;
      code = r.error().code();
    });
    ASSERT_TRUE(client.WaitForHeldCalls(1, milliseconds(5000)));
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(code, grpc::StatusCode::CANCELLED);
}

TEST(ScriptedInferenceClient, Readiness) {
  ScriptedInferenceClient client;
  EXPECT_TRUE(client.ServerReady());
  client.SetModelReady("m", true);
  EXPECT_TRUE(client.ModelReady("m"));
  EXPECT_FALSE(client.ModelReady("other"));
  client.SetServerReady(false);
  EXPECT_FALSE(client.ServerReady());
  client.SetProbeError(TritonError::FromStatus(
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect to all addresses"), 1));
  EXPECT_FALSE(client.ModelReady("m"));
  EXPECT_EQ(client.ProbeModelReady("m").error().code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace protifer::triton::testing

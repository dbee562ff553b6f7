// What the project's client sees when the connection to a Triton-like server breaks for real:
// kserve-stub serves, faultproxy sits between it and the client and cuts, closes, stalls or
// refuses the TCP connection. The statuses asserted are those measured for gRPC C++ 1.51 in
// spec/transport-failures.md; these tests pin that our classification and retry act on them.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/seth.h"
#include "faultproxy/fault_proxy.h"
#include "kserve-stub/server.h"
#include "triton/client.h"

namespace {

using namespace std::chrono_literals;
using protifer::triton::Client;
using protifer::triton::ClientOptions;
using protifer::triton::InferResult;

constexpr std::size_t kSeqLen = 32;

// A valid `seth` request for a small synthetic embedding.
std::shared_ptr<const inference::ModelInferRequest> SethRequest() {
  static const std::vector<float> embedding = [] {
    std::vector<float> values(kSeqLen * 1024);
    for (std::size_t i = 0; i < values.size(); ++i) {
      values[i] = static_cast<float>(i % 97) / 97.0f;
    }
    return values;
  }();
  static const std::vector<float> mask(kSeqLen, 1.0f);
  protifer::adapters::AdapterContext context{embedding, kSeqLen, mask, ""};
  return std::make_shared<const inference::ModelInferRequest>(
      protifer::adapters::SethAdapter().BuildRequest(context));
}

class TransportFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    protifer::kserve_stub::StubOptions stub_options;
    stub_options.time_scale = 0.01;
    stub_options.shutdown_grace = 100ms;
    stub_ = protifer::kserve_stub::StubServer::Start(std::move(stub_options));

    protifer::faultproxy::FaultProxyOptions proxy_options;
    proxy_options.upstream_host = "127.0.0.1";
    proxy_options.upstream_port = static_cast<std::uint16_t>(stub_->port());
    proxy_options.enable_control = false;
    proxy_options.event_sink = [](std::string_view) {};
    proxy_ = std::make_unique<protifer::faultproxy::FaultProxy>(std::move(proxy_options));
    proxy_->Start();
  }

  ClientOptions Options(int max_attempts) const {
    ClientOptions options;
    options.target = "127.0.0.1:" + std::to_string(proxy_->listen_port());
    options.infer_deadline = 20s;
    options.retry.max_attempts = max_attempts;
    options.retry.base_backoff = 20ms;
    return options;
  }

  // Starts a call that the stub holds for `hold`, injects `fault` once the call is on the
  // wire, and returns the call's outcome.
  InferResult CallWithFault(Client& client, const std::string& fault,
                            std::chrono::milliseconds hold) {
    WarmUp(client);
    EXPECT_TRUE(stub_->Control("latency seth " + std::to_string(hold.count())).ok());
    std::promise<InferResult> outcome;
    client.ModelInferAsync(SethRequest(),
                           [&](InferResult result) { outcome.set_value(std::move(result)); });
    // Inject only once the stub holds the request (a fixed sleep raced a loaded machine).
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (stub_->metrics().Snapshot("seth").inflight < 1 &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(5ms);
    }
    EXPECT_EQ(proxy_->Execute(fault).rfind("ok", 0), 0u) << fault;
    EXPECT_TRUE(stub_->Control("latency seth 0").ok());
    return outcome.get_future().get();
  }

  // One successful call first, so the HTTP/2 connection exists before the fault.
  static void WarmUp(Client& client) {
    const InferResult warmup = client.ModelInfer(SethRequest());
    ASSERT_TRUE(warmup.ok()) << warmup.error().what();
  }

  std::unique_ptr<protifer::kserve_stub::StubServer> stub_;
  std::unique_ptr<protifer::faultproxy::FaultProxy> proxy_;
};

TEST_F(TransportFaultsTest, ConnectionResetInFlightIsUnavailableAndTransient) {
  Client client(Options(1));
  const InferResult result = CallWithFault(client, "reset", 3000ms);
  ASSERT_FALSE(result.ok());
  RecordProperty("observed", result.error().what());
  EXPECT_EQ(result.error().code(), grpc::StatusCode::UNAVAILABLE) << result.error().what();
  EXPECT_TRUE(result.error().transient());
  EXPECT_EQ(result.attempts(), 1);
}

TEST_F(TransportFaultsTest, ConnectionResetInFlightIsRetriedOnANewConnection) {
  Client client(Options(3));
  const InferResult result = CallWithFault(client, "reset", 3000ms);
  ASSERT_TRUE(result.ok()) << result.error().what();
  EXPECT_EQ(result.attempts(), 2);
  EXPECT_GE(proxy_->Status().accepted_connections, 2u);
}

TEST_F(TransportFaultsTest, ConnectionClosedInFlightIsUnavailable) {
  Client client(Options(1));
  const InferResult result = CallWithFault(client, "close", 3000ms);
  ASSERT_FALSE(result.ok());
  RecordProperty("observed", result.error().what());
  EXPECT_EQ(result.error().code(), grpc::StatusCode::UNAVAILABLE) << result.error().what();
  EXPECT_TRUE(result.error().transient());
}

TEST_F(TransportFaultsTest, HalfOpenPeerIsDetectedByKeepalive) {
  ClientOptions options = Options(1);
  options.keepalive_time = 1000ms;
  options.keepalive_timeout = 1000ms;
  Client client(options);
  WarmUp(client);
  ASSERT_EQ(proxy_->Execute("stall").rfind("ok", 0), 0u);
  const auto started = std::chrono::steady_clock::now();
  const InferResult result = client.ModelInfer(SethRequest());
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result.ok());
  RecordProperty("observed", result.error().what());
  // Keepalive (1 s ping, 1 s watchdog) ends the call long before its 20 s deadline, as
  // UNAVAILABLE "keepalive watchdog timeout" or the kernel's TCP_USER_TIMEOUT.
  EXPECT_EQ(result.error().code(), grpc::StatusCode::UNAVAILABLE) << result.error().what();
  EXPECT_LT(waited, 15s);
}

TEST_F(TransportFaultsTest, HalfOpenPeerWithoutKeepaliveEndsAtTheDeadlineAndIsNotRetried) {
  ClientOptions options = Options(3);
  options.keepalive_time = 600s;
  options.infer_deadline = 1500ms;
  Client client(options);
  WarmUp(client);
  ASSERT_EQ(proxy_->Execute("stall").rfind("ok", 0), 0u);
  const InferResult result = client.ModelInfer(SethRequest());
  ASSERT_FALSE(result.ok());
  RecordProperty("observed", result.error().what());
  EXPECT_EQ(result.error().code(), grpc::StatusCode::DEADLINE_EXCEEDED) << result.error().what();
  EXPECT_FALSE(result.error().transient());
  EXPECT_EQ(result.attempts(), 1);
}

TEST_F(TransportFaultsTest, AttemptsKeepOffAPooledChannelThatCannotReconnect) {
  ClientOptions options = Options(3);
  options.channels = 2;
  Client client(options);
  // Sequential calls alternate between the idle channels: both connect.
  for (int i = 0; i < 4; ++i) WarmUp(client);
  ASSERT_EQ(proxy_->Status().accepted_connections, 2u);
  // New connections are refused, then one of the two connections is reset: its channel can no
  // longer reconnect, the other still works.
  ASSERT_EQ(proxy_->Execute("refuse").rfind("ok", 0), 0u);
  ASSERT_EQ(proxy_->Execute("reset conn=1").rfind("ok", 0), 0u);
  constexpr int kCalls = 20;
  int attempts = 0;
  for (int i = 0; i < kCalls; ++i) {
    const InferResult result = client.ModelInfer(SethRequest());
    ASSERT_TRUE(result.ok()) << result.error().what();
    attempts += result.attempts();
  }
  // The first attempt sent to the reset channel finds the refusal and is retried on the other;
  // once the channel reports TRANSIENT_FAILURE, attempts go to the other channel first (each of
  // its reconnect tries, 1 s apart and growing, may cost one more retry on a slow machine).
  // Least busy alone sent every call's first attempt there: 2 × kCalls attempts.
  EXPECT_LE(attempts, kCalls + kCalls / 4);
}

TEST_F(TransportFaultsTest, RefusedConnectionsAreUnavailableAfterEveryAttempt) {
  ASSERT_EQ(proxy_->Execute("refuse").rfind("ok", 0), 0u);
  Client client(Options(2));
  const InferResult result = client.ModelInfer(SethRequest());
  ASSERT_FALSE(result.ok());
  RecordProperty("observed", result.error().what());
  EXPECT_EQ(result.error().code(), grpc::StatusCode::UNAVAILABLE) << result.error().what();
  EXPECT_EQ(result.attempts(), 2);
  EXPECT_EQ(stub_->metrics().Snapshot("seth").success, 0.0);
}

}  // namespace

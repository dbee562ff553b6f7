// Triton's server ping policy (min_recv_ping_interval_without_data 300 s, 2 strikes) against a
// client that pings every second during one long, silent call: GOAWAY ENHANCE_YOUR_CALM
// "too_many_pings" after a few seconds (transport-failures.md section 6). Slow (about 6 s), so it
// is a separate executable labelled `slow`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>

#include "server.h"
#include "stub_test_support.h"

namespace protifer::kserve_stub {
namespace {

std::unique_ptr<inference::GRPCInferenceService::Stub> PingingClient(int port) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 1000);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  return inference::GRPCInferenceService::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args));
}

grpc::Status SlowCall(const StubServer& server) {
  auto client = PingingClient(server.port());
  inference::ModelInferResponse response;
  return testing::Infer(*client, testing::AdapterRequest("seth", testing::MakeEmbedding(3), 3),
                        &response, std::chrono::seconds(20));
}

TEST(PingPolicyTest, TritonDefaultsSendTooManyPingsGoaway) {
  StubOptions options;
  options.shutdown_grace = std::chrono::milliseconds(100);
  options.fault_commands = {"latency seth 9000"};  // the server stays silent during the call
  auto server = StubServer::Start(std::move(options));
  const auto start = Clock::now();
  const grpc::Status status = SlowCall(*server);
  const auto seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::cout << "[transport] Triton ping policy, client keepalive 1 s: code "
            << static_cast<int>(status.error_code()) << " '" << status.error_message() << "' after "
            << seconds << " s\n";
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "Too many pings");
  EXPECT_LT(seconds, 8.5);
}

TEST(PingPolicyTest, RelaxedPolicyToleratesTheSamePings) {
  StubOptions options;
  options.shutdown_grace = std::chrono::milliseconds(100);
  options.transport.http2_min_recv_ping_interval_without_data_ms = 500;
  options.fault_commands = {"latency seth 3000"};
  auto server = StubServer::Start(std::move(options));
  const grpc::Status status = SlowCall(*server);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace protifer::kserve_stub

// Options defaults, validation and the channel arguments derived from them (no network).
#include "triton/client_options.h"

#include <grpc/grpc.h>
#include <gtest/gtest.h>

#include <climits>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

#include "triton/client.h"

namespace protifer::triton {
namespace {

using std::chrono::milliseconds;

std::map<std::string, int> IntArgs(const grpc::ChannelArguments& arguments) {
  grpc_channel_args c_args;
  arguments.SetChannelArgs(&c_args);
  std::map<std::string, int> ints;
  for (std::size_t i = 0; i < c_args.num_args; ++i) {
    if (c_args.args[i].type == GRPC_ARG_INTEGER) {
      ints[c_args.args[i].key] = c_args.args[i].value.integer;
    }
  }
  return ints;
}

ClientOptions Valid() {
  ClientOptions options;
  options.target = "127.0.0.1:8001";
  return options;
}

TEST(ClientOptions, DefaultsAreProtifers) {
  const ClientOptions options;
  EXPECT_EQ(options.max_message_bytes, 67108864);
  EXPECT_EQ(options.keepalive_time, milliseconds(30000));
  EXPECT_EQ(options.keepalive_timeout, milliseconds(10000));
  EXPECT_FALSE(options.keepalive_permit_without_calls);
  EXPECT_EQ(options.infer_deadline, milliseconds(90000));
  EXPECT_EQ(options.probe_deadline, milliseconds(5000));
  EXPECT_EQ(options.retry.max_attempts, 3);
  EXPECT_EQ(options.retry.base_backoff, milliseconds(100));
  EXPECT_FALSE(options.use_tls);
  EXPECT_EQ(options.channels, 1);
  EXPECT_EQ(options.retry_budget.max_tokens, 0.0) << "the retry budget is off by default";
  EXPECT_EQ(options.retry_budget.token_ratio, 0.1);
}

TEST(ClientOptions, ChannelArgumentsCarryLimitsKeepaliveAndNoRetries) {
  const auto ints = IntArgs(Client::MakeChannelArguments(Valid()));
  EXPECT_EQ(ints.at(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH), 67108864);
  EXPECT_EQ(ints.at(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH), 67108864);
  EXPECT_EQ(ints.at(GRPC_ARG_KEEPALIVE_TIME_MS), 30000);
  EXPECT_EQ(ints.at(GRPC_ARG_KEEPALIVE_TIMEOUT_MS), 10000);
  EXPECT_EQ(ints.at(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS), 0);
  EXPECT_EQ(ints.at(GRPC_ARG_ENABLE_RETRIES), 0);
}

TEST(ClientOptions, ChannelArgumentsFollowTheOptions) {
  ClientOptions options = Valid();
  options.max_message_bytes = 1 << 20;
  options.keepalive_time = milliseconds(1000);
  options.keepalive_timeout = milliseconds(500);
  options.keepalive_permit_without_calls = true;
  const auto ints = IntArgs(Client::MakeChannelArguments(options));
  EXPECT_EQ(ints.at(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH), 1 << 20);
  EXPECT_EQ(ints.at(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH), 1 << 20);
  EXPECT_EQ(ints.at(GRPC_ARG_KEEPALIVE_TIME_MS), 1000);
  EXPECT_EQ(ints.at(GRPC_ARG_KEEPALIVE_TIMEOUT_MS), 500);
  EXPECT_EQ(ints.at(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS), 1);
}

TEST(ClientOptions, ValidationNamesTheBadField) {
  EXPECT_NO_THROW(ValidateClientOptions(Valid()));
  auto expect_invalid = [](const ClientOptions& options, const std::string& fragment) {
    try {
      ValidateClientOptions(options);
      ADD_FAILURE() << "accepted options with a bad " << fragment;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  ClientOptions options = Valid();
  options.target.clear();
  expect_invalid(options, "TRITON_URL");
  options = Valid();
  options.max_message_bytes = 0;
  expect_invalid(options, "TRITON_MAX_MESSAGE_BYTES");
  options.max_message_bytes = static_cast<std::int64_t>(INT_MAX) + 1;
  expect_invalid(options, "TRITON_MAX_MESSAGE_BYTES");
  options = Valid();
  options.infer_deadline = milliseconds(0);
  expect_invalid(options, "infer_deadline");
  options = Valid();
  options.probe_deadline = milliseconds(-1);
  expect_invalid(options, "probe_deadline");
  options = Valid();
  options.keepalive_time = milliseconds(0);
  expect_invalid(options, "keepalive_time");
  options = Valid();
  options.retry.base_backoff = milliseconds(-5);
  expect_invalid(options, "TRITON_RETRY_BASE_BACKOFF_MS");
  options = Valid();
  options.channels = 0;
  expect_invalid(options, "TRITON_CHANNELS");
  options.channels = 65;
  expect_invalid(options, "TRITON_CHANNELS");
  options.channels = 64;
  EXPECT_NO_THROW(ValidateClientOptions(options));
  options = Valid();
  options.retry_budget.max_tokens = -1;
  expect_invalid(options, "TRITON_RETRY_BUDGET_TOKENS");
  options.retry_budget.max_tokens = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(options, "TRITON_RETRY_BUDGET_TOKENS");
  options.retry_budget.max_tokens = 10;
  options.retry_budget.token_ratio = 0;
  expect_invalid(options, "TRITON_RETRY_BUDGET_RATIO");
  options.retry_budget.token_ratio = 10.5;
  expect_invalid(options, "TRITON_RETRY_BUDGET_RATIO");
  options.retry_budget.token_ratio = 10;
  EXPECT_NO_THROW(ValidateClientOptions(options));
  options.retry_budget.max_tokens = 0;
  options.retry_budget.token_ratio = 0;
  EXPECT_NO_THROW(ValidateClientOptions(options)) << "the ratio of a budget that is off";
  options = Valid();
  options.target.clear();
  EXPECT_THROW(Client client(options), std::invalid_argument);
}

TEST(ClientOptions, OneChannelKeepsThePlainChannelArguments) {
  const auto plain = IntArgs(Client::MakeChannelArguments(Valid()));
  const auto pooled = IntArgs(Client::MakePooledChannelArguments(Valid(), 0));
  EXPECT_EQ(pooled, plain);
  EXPECT_EQ(pooled.count(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL), 0u);
  EXPECT_EQ(pooled.count(kChannelIndexArg), 0u);
}

TEST(ClientOptions, PooledChannelsGetALocalSubchannelPoolAndTheirIndex) {
  ClientOptions options = Valid();
  options.channels = 4;
  const auto plain = IntArgs(Client::MakeChannelArguments(options));
  for (int index = 0; index < 4; ++index) {
    auto pooled = IntArgs(Client::MakePooledChannelArguments(options, index));
    EXPECT_EQ(pooled.at(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL), 1);
    EXPECT_EQ(pooled.at(kChannelIndexArg), index);
    pooled.erase(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL);
    pooled.erase(kChannelIndexArg);
    EXPECT_EQ(pooled, plain) << "limits, keepalive and no-retries apply to every channel";
  }
}

TEST(ClientOptions, TlsClientCanBeCreatedWithOrWithoutRootCertificates) {
  // Creating the channel does not connect; this checks that the TLS path builds credentials.
  ClientOptions options = Valid();
  options.use_tls = true;
  EXPECT_NO_THROW(Client client(options));
  options.tls_root_certs_pem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
  EXPECT_NO_THROW(Client client(options));
}

}  // namespace
}  // namespace protifer::triton

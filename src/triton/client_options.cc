#include "triton/client_options.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace protifer::triton {
namespace {

void RequirePositive(std::chrono::milliseconds value, const char* field) {
  if (value.count() <= 0) {
    throw std::invalid_argument(std::string("Triton client option ") + field +
                                " must be > 0 ms, got " + std::to_string(value.count()));
  }
}

}  // namespace

void ValidateClientOptions(const ClientOptions& options) {
  if (options.target.empty()) {
    throw std::invalid_argument(std::string("Triton client option target (") +
                                std::string(kEnvTritonUrl) + ") must be \"host:port\", got \"\"");
  }
  if (options.max_message_bytes <= 0 ||
      options.max_message_bytes > std::numeric_limits<std::int32_t>::max()) {
    throw std::invalid_argument(std::string("Triton client option max_message_bytes (") +
                                std::string(kEnvMaxMessageBytes) + ") must be in [1, " +
                                std::to_string(std::numeric_limits<std::int32_t>::max()) +
                                "], got " + std::to_string(options.max_message_bytes));
  }
  RequirePositive(options.infer_deadline, "infer_deadline");
  RequirePositive(options.probe_deadline, "probe_deadline");
  RequirePositive(options.keepalive_time, "keepalive_time");
  RequirePositive(options.keepalive_timeout, "keepalive_timeout");
  if (options.retry.base_backoff.count() < 0) {
    throw std::invalid_argument(std::string("Triton client option retry.base_backoff (") +
                                std::string(kEnvRetryBaseBackoffMs) + ") must be >= 0 ms, got " +
                                std::to_string(options.retry.base_backoff.count()));
  }
  const RetryBudgetOptions& budget = options.retry_budget;
  if (!std::isfinite(budget.max_tokens) || budget.max_tokens < 0) {
    throw std::invalid_argument(std::string("Triton client option retry_budget.max_tokens (") +
                                std::string(kEnvRetryBudgetTokens) +
                                ") must be >= 0 (0 = off), got " +
                                std::to_string(budget.max_tokens));
  }
  // The budget counts thousandths of a token: a smaller ratio would refill nothing.
  if (budget.max_tokens > 0 &&
      !(budget.token_ratio >= 0.001 && budget.token_ratio <= budget.max_tokens)) {
    throw std::invalid_argument(std::string("Triton client option retry_budget.token_ratio (") +
                                std::string(kEnvRetryBudgetRatio) +
                                ") must be in [0.001, max_tokens] when the budget is on, got " +
                                std::to_string(budget.token_ratio));
  }
  if (options.channels < kMinChannels || options.channels > kMaxChannels) {
    throw std::invalid_argument(std::string("Triton client option channels (") +
                                std::string(kEnvChannels) + ") must be in [" +
                                std::to_string(kMinChannels) + ", " + std::to_string(kMaxChannels) +
                                "], got " + std::to_string(options.channels));
  }
}

}  // namespace protifer::triton

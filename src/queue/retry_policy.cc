#include "queue/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace protifer::queue {
namespace {

// JavaScript Math.round: halves round towards +infinity.
double JsRound(double x) { return std::floor(x + 0.5); }

}  // namespace

std::optional<std::int64_t> BackoffDelay(const BackoffSpec& backoff, int attempt, double random01) {
  double delay = 0;
  if (backoff.type == "fixed") {
    delay = backoff.delay_ms;
    if (backoff.jitter > 0) {
      const double min_delay = backoff.delay_ms * (1 - backoff.jitter);
      delay = std::floor(random01 * backoff.delay_ms * backoff.jitter + min_delay);
    }
  } else if (backoff.type == "exponential") {
    const double max_delay = JsRound(std::pow(2.0, attempt - 1) * backoff.delay_ms);
    delay = max_delay;
    if (backoff.jitter > 0) {
      const double min_delay = max_delay * (1 - backoff.jitter);
      delay = std::floor(random01 * max_delay * backoff.jitter + min_delay);
    }
  } else {
    return std::nullopt;
  }
  if (!std::isfinite(delay)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(delay);
}

FailureDecision DecideFailure(const JobOptions& options, int attempts_made, bool unrecoverable,
                              double random01) {
  FailureDecision decision;
  if (unrecoverable || attempts_made + 1 >= options.attempts) {
    return decision;  // kFail
  }
  if (!options.backoff) {
    decision.action = FailureDecision::Action::kRetryNow;
    return decision;
  }
  const std::optional<std::int64_t> delay =
      BackoffDelay(*options.backoff, attempts_made + 1, random01);
  if (!delay) {
    decision.unsupported_backoff = options.backoff->type;
    return decision;  // kFail
  }
  if (*delay == -1) {
    return decision;  // a strategy's "do not retry"
  }
  if (*delay > 0) {
    decision.action = FailureDecision::Action::kRetryAfterDelay;
    decision.delay_ms = *delay;
  } else {
    decision.action = FailureDecision::Action::kRetryNow;
  }
  return decision;
}

std::string AppendStacktrace(const std::string& existing, const std::string& entry,
                             std::optional<std::int64_t> stack_trace_limit) {
  nlohmann::json traces = nlohmann::json::parse(existing, nullptr, /*allow_exceptions=*/false);
  if (!traces.is_array()) {
    traces = nlohmann::json::array();
  }
  traces.push_back(entry);
  if (stack_trace_limit && *stack_trace_limit != 0) {
    // traces.slice(-limit): the last `limit` entries; a negative limit drops the first -limit.
    const auto size = static_cast<std::int64_t>(traces.size());
    const std::int64_t first = *stack_trace_limit > 0
                                   ? std::max<std::int64_t>(0, size - *stack_trace_limit)
                                   : std::min<std::int64_t>(size, -*stack_trace_limit);
    nlohmann::json kept = nlohmann::json::array();
    for (std::int64_t i = first; i < size; ++i) {
      kept.push_back(traces[static_cast<std::size_t>(i)]);
    }
    traces = std::move(kept);
  } else if (stack_trace_limit) {
    traces = nlohmann::json::array();  // stackTraceLimit 0 keeps none
  }
  return traces.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace protifer::queue

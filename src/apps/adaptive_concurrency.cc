#include "apps/adaptive_concurrency.h"

#include <algorithm>

namespace protifer::apps {

concurrency::AdaptiveLimitOptions AdaptiveLimitOptionsOf(const config::TritonSettings& settings) {
  concurrency::AdaptiveLimitOptions options;
  // Never below a cap the operator set lower than the adaptive floor: a server known to fail
  // above 4 calls stays protected.
  options.min_limit = std::min(settings.adaptive_min_infers, settings.max_inflight_infers);
  options.max_limit = settings.adaptive_max_infers;
  options.tolerance = settings.adaptive_latency_tolerance_percent / 100.0;
  return options;
}

concurrency::LimitSample LimitSampleOf(const triton::AttemptRecord& attempt) {
  using Outcome = concurrency::LimitSample::Outcome;
  concurrency::LimitSample sample;
  sample.model = attempt.model_name;
  sample.request_bytes = attempt.request_bytes;
  sample.latency = attempt.rpc_duration;
  if (attempt.code == grpc::StatusCode::OK) {
    sample.outcome = Outcome::kSuccess;
  } else if (attempt.transient) {
    sample.outcome = Outcome::kTransportDrop;
  } else {
    sample.outcome = Outcome::kOther;
  }
  return sample;
}

std::function<void(const triton::AttemptRecord&)> FeedAdaptiveLimit(
    concurrency::AdaptiveLimit& limit) {
  return [&limit](const triton::AttemptRecord& attempt) { limit.OnSample(LimitSampleOf(attempt)); };
}

}  // namespace protifer::apps

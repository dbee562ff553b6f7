// Wiring of the adaptive cap (concurrency::AdaptiveLimit) into the prediction worker: its
// options from TRITON_ADAPTIVE_*, and the Triton client's attempt hook feeding it.
#pragma once

#include <functional>

#include "concurrency/adaptive_limit.h"
#include "config/worker_settings.h"
#include "triton/client_options.h"

namespace protifer::apps {

concurrency::AdaptiveLimitOptions AdaptiveLimitOptionsOf(const config::TritonSettings& settings);

// What one attempt tells the limiter: OK is a latency sample, a transient failure a transport
// drop, anything else (a bad request, a deadline, a shutdown) nothing about the fan-out width.
concurrency::LimitSample LimitSampleOf(const triton::AttemptRecord& attempt);

std::function<void(const triton::AttemptRecord&)> FeedAdaptiveLimit(
    concurrency::AdaptiveLimit& limit);

}  // namespace protifer::apps

// The identifiers that tie every log line of one job together (spec §6.2), computed the way
// protifer's processor wrapper computes them when no OpenTelemetry span is active (the C++
// workers have no tracer):
//   request_id = the job's data.request_id when it is a non-empty string, else "worker-" plus
//                8 random lower-case hex digits;
//   trace_id   = the first 32 hex digits of SHA-256(request_id), so the gateway, the embedding
//                worker and the prediction worker derive the same trace id for one submission;
//   span_id    = 16 zeros;
//   user_id    = data.userId when present.
// JobLogFields() turns them into the bindings of a per-job child logger, together with jobId.
// protifer's field names for the mixin are not in the spec; we use request_id (the name protifer
// uses on its completed/failed lines), trace_id and span_id (OpenTelemetry's log field names) and
// user_id.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace protifer::obs {

struct JobCorrelation {
  std::string request_id;
  std::string trace_id;
  std::string span_id;
  std::optional<std::string> user_id;
};

// "worker-" + the 8 lower-case hex digits of random_bits.
std::string WorkerRequestId(std::uint32_t random_bits);

// First 32 lower-case hex digits of SHA-256(request_id).
std::string TraceIdFor(std::string_view request_id);

// From a job's data object: reads "request_id" and "userId" when they are non-empty strings;
// otherwise mints a request id from random_bits.
JobCorrelation CorrelateJob(const nlohmann::json& job_data, std::uint32_t random_bits);

// The same, with random bits from a thread-local generator seeded by std::random_device.
JobCorrelation CorrelateJob(const nlohmann::json& job_data);

// {"jobId": job_id, "request_id": ..., "trace_id": ..., "span_id": ..., "user_id": ...}; user_id
// only when known.
nlohmann::json JobLogFields(std::string_view job_id, const JobCorrelation& correlation);

}  // namespace protifer::obs

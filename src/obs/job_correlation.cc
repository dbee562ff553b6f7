#include "obs/job_correlation.h"

#include <array>
#include <random>

#include "core/sha256.h"

namespace protifer::obs {
namespace {

constexpr std::size_t kTraceIdHexDigits = 32;
constexpr std::string_view kNoSpanId = "0000000000000000";

std::optional<std::string> NonEmptyString(const nlohmann::json& data, const char* key) {
  if (!data.is_object()) return std::nullopt;
  const auto it = data.find(key);
  if (it == data.end() || !it->is_string()) return std::nullopt;
  const auto& text = it->get_ref<const std::string&>();
  if (text.empty()) return std::nullopt;
  return text;
}

std::uint32_t RandomBits() {
  thread_local std::mt19937 generator{std::random_device{}()};
  return static_cast<std::uint32_t>(generator());
}

}  // namespace

std::string WorkerRequestId(std::uint32_t random_bits) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string id = "worker-";
  for (int shift = 28; shift >= 0; shift -= 4) {
    id.push_back(kHex[(random_bits >> static_cast<unsigned>(shift)) & 0xFU]);
  }
  return id;
}

std::string TraceIdFor(std::string_view request_id) {
  return core::Sha256Hex(request_id).substr(0, kTraceIdHexDigits);
}

JobCorrelation CorrelateJob(const nlohmann::json& job_data, std::uint32_t random_bits) {
  JobCorrelation correlation;
  correlation.request_id =
      NonEmptyString(job_data, "request_id").value_or(WorkerRequestId(random_bits));
  correlation.trace_id = TraceIdFor(correlation.request_id);
  correlation.span_id = std::string(kNoSpanId);
  correlation.user_id = NonEmptyString(job_data, "userId");
  return correlation;
}

JobCorrelation CorrelateJob(const nlohmann::json& job_data) {
  return CorrelateJob(job_data, RandomBits());
}

nlohmann::json JobLogFields(std::string_view job_id, const JobCorrelation& correlation) {
  nlohmann::json fields = {{"jobId", std::string(job_id)},
                           {"request_id", correlation.request_id},
                           {"trace_id", correlation.trace_id},
                           {"span_id", correlation.span_id}};
  if (correlation.user_id) fields["user_id"] = *correlation.user_id;
  return fields;
}

}  // namespace protifer::obs

// Job data is written by producers the worker does not control. Parsing must accept or reject
// with an exception whose message is the job's failedReason; never crash.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <string_view>

#include "obs/job_correlation.h"
#include "prediction/job_data.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ordered = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (ordered.is_discarded()) {
    return 0;
  }
  try {
    (void)protifer::prediction::ParsePredictionJobData(ordered);
  } catch (const std::exception&) {
  }
  const auto plain = nlohmann::json::parse(text, nullptr, false);
  (void)protifer::obs::CorrelateJob(plain, 42);
  return 0;
}

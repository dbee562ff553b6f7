#include "queue/job.h"

#include <map>
#include <stdexcept>
#include <string>

namespace protifer::queue {

Job::Job(const JobRecord& record, nlohmann::json data, JobBackend& backend)
    : record_(record), data_(std::move(data)), backend_(backend) {}

void Job::UpdateProgress(const nlohmann::json& progress) {
  backend_.UpdateProgress(record_, ToJsonText(progress));
}

std::int64_t Job::Log(std::string_view row) { return backend_.AddLog(record_, row); }

namespace {

template <typename Json>
Json ParseChildrenValues(const std::map<std::string, std::string>& processed) {
  Json values = Json::object();
  for (const auto& [child_key, value_json] : processed) {
    Json parsed = Json::parse(value_json, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      throw std::runtime_error("children value of " + child_key + " is not valid JSON");
    }
    values[child_key] = std::move(parsed);
  }
  return values;
}

}  // namespace

nlohmann::json Job::GetChildrenValues() {
  return ParseChildrenValues<nlohmann::json>(backend_.ProcessedChildren(record_));
}

nlohmann::ordered_json Job::GetOrderedChildrenValues() {
  return ParseChildrenValues<nlohmann::ordered_json>(backend_.ProcessedChildren(record_));
}

std::string ToJsonText(const nlohmann::ordered_json& value) {
  if (value.is_discarded()) {  // the result of a failed parse: no JSON text exists for it
    return "null";
  }
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace protifer::queue

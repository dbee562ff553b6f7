#include "apps/queue_job_context.h"

namespace protifer::apps {

QueueJobContext::QueueJobContext(queue::Job& job)
    : job_(job), data_(nlohmann::ordered_json::parse(job.data_json())) {}

void QueueJobContext::UpdateProgress(int percent) { job_.UpdateProgress(percent); }

void QueueJobContext::Log(std::string_view line) { job_.Log(line); }

std::vector<nlohmann::ordered_json> QueueJobContext::ChildrenValues() {
  nlohmann::ordered_json by_child = job_.GetOrderedChildrenValues();
  std::vector<nlohmann::ordered_json> values;
  for (auto& value : by_child) {
    values.push_back(std::move(value));
  }
  return values;
}

}  // namespace protifer::apps

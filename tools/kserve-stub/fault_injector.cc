#include "fault_injector.h"

namespace protifer::kserve_stub {
namespace {

template <typename Map>
auto FindFor(const Map& map, std::string_view model) {
  auto it = map.find(model);
  if (it == map.end()) it = map.find(kAllModels);
  return it;
}

}  // namespace

grpc::Status NotReadyStatus(const std::string& model, NotReadyStyle style, bool version_given) {
  const std::string prefix = "Request for unknown model: '" + model + "'";
  if (!version_given && style == NotReadyStyle::kUnloaded) {
    return {grpc::StatusCode::NOT_FOUND, prefix + " has no available versions"};
  }
  return {grpc::StatusCode::UNAVAILABLE, prefix + " version 1 is not at ready state"};
}

void FaultInjector::FailNext(const std::string& model, int count, grpc::Status status) {
  std::lock_guard lock(mutex_);
  if (count <= 0) {
    failures_.erase(model);
    return;
  }
  failures_[model] = Failure{count, std::move(status)};
}

void FaultInjector::CorruptNext(const std::string& model, int count, Corruption corruption) {
  std::lock_guard lock(mutex_);
  if (count <= 0) {
    corruptions_.erase(model);
    return;
  }
  corruptions_[model] = PendingCorruption{count, corruption};
}

void FaultInjector::SetLatency(const std::string& model, std::chrono::milliseconds latency) {
  std::lock_guard lock(mutex_);
  if (latency.count() <= 0) {
    latency_.erase(model);
  } else {
    latency_[model] = latency;
  }
}

void FaultInjector::SetModelNotReady(const std::string& model, NotReadyStyle style) {
  std::lock_guard lock(mutex_);
  not_ready_[model] = style;
}

void FaultInjector::SetModelReady(const std::string& model) {
  std::lock_guard lock(mutex_);
  if (model == kAllModels) {
    not_ready_.clear();
  } else {
    not_ready_.erase(model);
  }
}

void FaultInjector::SetServerReady(bool ready) {
  std::lock_guard lock(mutex_);
  server_ready_ = ready;
}

void FaultInjector::ExitAfter(int count, int exit_code) {
  std::lock_guard lock(mutex_);
  if (count <= 0) {
    calls_until_exit_.reset();
  } else {
    calls_until_exit_ = count;
    exit_code_ = exit_code;
  }
}

void FaultInjector::Clear() {
  std::lock_guard lock(mutex_);
  failures_.clear();
  corruptions_.clear();
  latency_.clear();
  not_ready_.clear();
  server_ready_ = true;
  calls_until_exit_.reset();
}

std::optional<grpc::Status> FaultInjector::TakeFailure(std::string_view model) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(model);
  if (it == failures_.end()) it = failures_.find(kAllModels);
  if (it == failures_.end()) return std::nullopt;
  grpc::Status status = it->second.status;
  if (--it->second.remaining <= 0) failures_.erase(it);
  return status;
}

std::optional<Corruption> FaultInjector::TakeCorruption(std::string_view model) {
  std::lock_guard lock(mutex_);
  auto it = corruptions_.find(model);
  if (it == corruptions_.end()) it = corruptions_.find(kAllModels);
  if (it == corruptions_.end()) return std::nullopt;
  const Corruption corruption = it->second.corruption;
  if (--it->second.remaining <= 0) corruptions_.erase(it);
  return corruption;
}

std::chrono::milliseconds FaultInjector::Latency(std::string_view model) const {
  std::lock_guard lock(mutex_);
  auto it = FindFor(latency_, model);
  return it == latency_.end() ? std::chrono::milliseconds(0) : it->second;
}

std::optional<NotReadyStyle> FaultInjector::NotReady(std::string_view model) const {
  std::lock_guard lock(mutex_);
  auto it = FindFor(not_ready_, model);
  if (it == not_ready_.end()) return std::nullopt;
  return it->second;
}

bool FaultInjector::ServerReady() const {
  std::lock_guard lock(mutex_);
  return server_ready_;
}

std::optional<int> FaultInjector::CountCall() {
  std::lock_guard lock(mutex_);
  if (!calls_until_exit_) return std::nullopt;
  if (--*calls_until_exit_ > 0) return std::nullopt;
  calls_until_exit_.reset();
  return exit_code_;
}

nlohmann::json FaultInjector::Describe() const {
  std::lock_guard lock(mutex_);
  nlohmann::json state;
  state["server_ready"] = server_ready_;
  state["failures"] = nlohmann::json::object();
  for (const auto& [model, failure] : failures_) {
    state["failures"][model] = {{"remaining", failure.remaining},
                                {"code", static_cast<int>(failure.status.error_code())},
                                {"message", failure.status.error_message()}};
  }
  state["corruptions"] = nlohmann::json::object();
  for (const auto& [model, pending] : corruptions_) {
    state["corruptions"][model] = {
        {"remaining", pending.remaining},
        {"kind", pending.corruption == Corruption::kTruncate ? "truncate" : "doubled"}};
  }
  state["latency_ms"] = nlohmann::json::object();
  for (const auto& [model, latency] : latency_) state["latency_ms"][model] = latency.count();
  state["not_ready"] = nlohmann::json::object();
  for (const auto& [model, style] : not_ready_) {
    state["not_ready"][model] = style == NotReadyStyle::kUnavailable ? "unavailable" : "unloaded";
  }
  if (calls_until_exit_) state["exit_after_calls"] = *calls_until_exit_;
  return state;
}

}  // namespace protifer::kserve_stub

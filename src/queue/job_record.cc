#include "queue/job_record.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace protifer::queue {
namespace {

template <typename Int>
Int ParseIntPrefix(const std::string& text, Int fallback) {
  // parseInt semantics for the numbers Lua writes: leading digits (and sign) only.
  Int value{};
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) {
    return fallback;
  }
  return value;
}

std::optional<std::int64_t> JsonInteger(const nlohmann::json& value) {
  if (value.is_number_integer() || value.is_number_unsigned()) {
    return value.get<std::int64_t>();
  }
  if (value.is_number_float() && std::isfinite(value.get<double>())) {
    // Clamped before the cast: a double beyond the int64 range (1e300 is valid JSON) would make
    // the conversion undefined.
    constexpr double kLimit = 9.2e18;
    return static_cast<std::int64_t>(std::clamp(std::trunc(value.get<double>()), -kLimit, kLimit));
  }
  return std::nullopt;
}

bool JsonTruthy(const nlohmann::json& value) {
  if (value.is_boolean()) {
    return value.get<bool>();
  }
  if (value.is_number()) {
    return value.get<double>() != 0;
  }
  if (value.is_string()) {
    return !value.get_ref<const std::string&>().empty();
  }
  return value.is_object() || value.is_array();
}

}  // namespace

JobOptions ParseJobOptions(const nlohmann::json& opts) {
  JobOptions out;
  if (!opts.is_object()) {
    return out;
  }
  if (auto it = opts.find("attempts"); it != opts.end()) {
    out.attempts = JsonInteger(*it).value_or(0);
  }
  if (auto it = opts.find("backoff"); it != opts.end()) {
    if (it->is_number()) {  // Backoffs.normalize: a bare number means fixed
      out.backoff = BackoffSpec{"fixed", it->get<double>(), 0};
    } else if (it->is_object()) {
      BackoffSpec spec;
      spec.type = it->value("type", std::string());
      if (auto d = it->find("delay"); d != it->end() && d->is_number()) {
        spec.delay_ms = d->get<double>();
      }
      if (auto j = it->find("jitter"); j != it->end() && j->is_number()) {
        spec.jitter = j->get<double>();
      }
      out.backoff = spec;
    }
  }
  if (auto it = opts.find("removeOnComplete"); it != opts.end()) {
    out.remove_on_complete = *it;
  }
  if (auto it = opts.find("removeOnFail"); it != opts.end()) {
    out.remove_on_fail = *it;
  }
  if (auto it = opts.find("kl"); it != opts.end()) {
    out.keep_logs = JsonInteger(*it);
  }
  if (auto it = opts.find("stackTraceLimit"); it != opts.end()) {
    out.stack_trace_limit = JsonInteger(*it);
  }
  out.lifo = JsonTruthy(opts.value("lifo", nlohmann::json()));
  out.fail_parent_on_failure = JsonTruthy(opts.value("fpof", nlohmann::json()));
  out.continue_parent_on_failure = JsonTruthy(opts.value("cpof", nlohmann::json()));
  out.ignore_dependency_on_failure = JsonTruthy(opts.value("idof", nlohmann::json()));
  out.remove_dependency_on_failure = JsonTruthy(opts.value("rdof", nlohmann::json()));
  return out;
}

JobRecord ParseJobRecord(std::string id, std::string token, const std::vector<std::string>& flat) {
  JobRecord job;
  job.id = std::move(id);
  job.token = std::move(token);
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
    job.fields[flat[i]] = flat[i + 1];
  }
  auto field = [&](const char* name) -> const std::string* {
    auto it = job.fields.find(name);
    return it == job.fields.end() ? nullptr : &it->second;
  };
  if (const auto* v = field("name")) {
    job.name = *v;
  }
  // Job.fromJSON: JSON.parse(json.data || '{}')
  const std::string* data = field("data");
  job.data = data != nullptr && !data->empty() ? *data : "{}";
  if (const auto* v = field("opts"); v != nullptr && !v->empty()) {
    nlohmann::json parsed = nlohmann::json::parse(*v, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) {
      job.opts = std::move(parsed);
    } else {
      job.opts_error = "job opts are not a JSON object";
    }
  }
  job.options = ParseJobOptions(job.opts);
  if (const auto* v = field("timestamp")) {
    job.timestamp = ParseIntPrefix<std::int64_t>(*v, 0);
  }
  if (const auto* v = field("processedOn")) {
    job.processed_on = ParseIntPrefix<std::int64_t>(*v, 0);
  }
  // parseInt(json.attemptsMade || json.atm || '0')
  const std::string* legacy = field("attemptsMade");
  const std::string* atm = field("atm");
  if (legacy != nullptr && !legacy->empty()) {
    job.attempts_made = ParseIntPrefix<int>(*legacy, 0);
  } else if (atm != nullptr) {
    job.attempts_made = ParseIntPrefix<int>(*atm, 0);
  }
  if (const auto* v = field("ats")) {
    job.attempts_started = ParseIntPrefix<int>(*v, 0);
  }
  if (const auto* v = field("defa"); v != nullptr && !v->empty()) {
    job.deferred_failure = *v;
  }
  if (const auto* v = field("parentKey"); v != nullptr && !v->empty()) {
    job.parent_key = *v;
  }
  if (const auto* v = field("stacktrace")) {
    job.stacktrace = *v;
  }
  return job;
}

nlohmann::json NormalizeKeepJobs(const nlohmann::json& job_level,
                                 const nlohmann::json& worker_level) {
  const nlohmann::json& chosen = job_level.is_null() ? worker_level : job_level;
  if (chosen.is_object()) {
    return chosen;
  }
  if (chosen.is_number()) {
    return {{"count", JsonInteger(chosen).value_or(-1)}};
  }
  if (chosen.is_boolean()) {
    return {{"count", chosen.get<bool>() ? 0 : -1}};
  }
  return {{"count", -1}};
}

}  // namespace protifer::queue

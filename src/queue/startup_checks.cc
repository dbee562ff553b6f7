#include "queue/startup_checks.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

namespace protifer::queue {
namespace {

// "5.81.5" -> {5, 81, 5}; nullopt unless it is three dot-separated integers.
std::optional<std::vector<int>> ParseSemver(std::string_view text) {
  std::vector<int> parts;
  while (!text.empty()) {
    const std::size_t dot = text.find('.');
    std::string_view part = text.substr(0, dot);
    int value = 0;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc() || ptr != part.data() + part.size() || part.empty()) {
      return std::nullopt;
    }
    parts.push_back(value);
    if (dot == std::string_view::npos) {
      break;
    }
    text.remove_prefix(dot + 1);
  }
  if (parts.size() != 3) {
    return std::nullopt;
  }
  return parts;
}

std::string_view InfoField(std::string_view info, std::string_view name) {
  std::size_t pos = 0;
  while (pos < info.size()) {
    std::size_t end = info.find('\n', pos);
    if (end == std::string_view::npos) {
      end = info.size();
    }
    std::string_view line = info.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.size() > name.size() && line.substr(0, name.size()) == name &&
        line[name.size()] == ':') {
      return line.substr(name.size() + 1);
    }
    pos = end + 1;
  }
  return {};
}

}  // namespace

MetaVersionCheck CheckMetaVersion(const std::optional<std::string>& meta_version,
                                  std::string_view bundled) {
  using Status = MetaVersionCheck::Status;
  MetaVersionCheck check;
  if (!meta_version || meta_version->empty()) {
    check.status = Status::kMissing;
    check.message = fmt::format(
        "queue meta has no bullmq version yet (no Node Queue created it); the worker runs "
        "bullmq {} scripts",
        bundled);
    return check;
  }
  constexpr std::string_view kLibrary = "bullmq:";
  const std::string& value = *meta_version;
  const auto ours = ParseSemver(bundled);
  if (value.compare(0, kLibrary.size(), kLibrary) != 0 || !ours) {
    check.status = Status::kUnrecognized;
    check.message = fmt::format(
        "queue meta version \"{}\" is not a bullmq release; the worker runs bullmq {} scripts",
        value, bundled);
    return check;
  }
  const auto theirs = ParseSemver(std::string_view(value).substr(kLibrary.size()));
  if (!theirs) {
    check.status = Status::kUnrecognized;
    check.message = fmt::format("queue meta version \"{}\" is not a bullmq x.y.z version", value);
    return check;
  }
  if ((*theirs)[0] != (*ours)[0]) {
    check.status = Status::kOtherMajor;
    check.message = fmt::format(
        "queue was created by {} but this worker speaks the bullmq {} protocol: majors differ "
        "and jobs would be stranded; pin producers and workers to one bullmq version",
        value, bundled);
    return check;
  }
  if (*theirs != *ours) {
    check.status = Status::kOtherMinor;
    check.message = fmt::format(
        "queue was created by {} while this worker embeds bullmq {} scripts; pin both sides "
        "to one exact version (script layouts change between 5.x minors)",
        value, bundled);
    return check;
  }
  check.status = Status::kSame;
  check.message = fmt::format("queue meta version {} matches the embedded scripts", value);
  return check;
}

RedisServerCheck CheckRedisServer(std::string_view info) {
  RedisServerCheck check;
  check.version = std::string(InfoField(info, "redis_version"));
  std::vector<int> parts;
  {
    std::string_view text = check.version;
    while (!text.empty()) {
      const std::size_t dot = text.find('.');
      std::string_view part = text.substr(0, dot);
      int value = 0;
      std::from_chars(part.data(), part.data() + part.size(), value);
      parts.push_back(value);
      if (dot == std::string_view::npos) {
        break;
      }
      text.remove_prefix(dot + 1);
    }
  }
  while (parts.size() < 2) {
    parts.push_back(0);
  }
  if (check.version.empty()) {
    check.message = "INFO has no redis_version; cannot check the server";
    return check;
  }
  if (parts[0] < 6 || (parts[0] == 6 && parts[1] < 2)) {
    check.message = fmt::format(
        "Redis {} is too old: the BullMQ protocol needs >= 6.2 (decimal BZPOPMIN timeouts, LPOS)",
        check.version);
    return check;
  }
  check.ok = true;
  const std::string_view policy = InfoField(info, "maxmemory_policy");
  if (!policy.empty() && policy != "noeviction") {
    check.eviction_warning = fmt::format(
        "Redis maxmemory_policy is {}: it may evict job keys; BullMQ requires noeviction", policy);
  }
  return check;
}

}  // namespace protifer::queue

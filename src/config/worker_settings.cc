#include "config/worker_settings.h"

namespace protifer::config {
namespace {

template <typename Enum>
std::string_view NameOf(const std::vector<std::pair<std::string, Enum>>& names, Enum value) {
  for (const auto& [name, candidate] : names) {
    if (candidate == value) {
      return name;
    }
  }
  return "unknown";
}

}  // namespace

const std::vector<std::pair<std::string, StorageDriver>>& StorageDriverNames() {
  static const std::vector<std::pair<std::string, StorageDriver>> names = {
      {"s3", StorageDriver::kS3},
      {"filesystem", StorageDriver::kFilesystem},
  };
  return names;
}

const std::vector<std::pair<std::string, LogLevel>>& LogLevelNames() {
  static const std::vector<std::pair<std::string, LogLevel>> names = {
      {"trace", LogLevel::kTrace},   {"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo},
      {"warn", LogLevel::kWarn},     {"error", LogLevel::kError}, {"fatal", LogLevel::kFatal},
      {"silent", LogLevel::kSilent},
  };
  return names;
}

std::string_view ToString(StorageDriver driver) { return NameOf(StorageDriverNames(), driver); }
std::string_view ToString(LogLevel level) { return NameOf(LogLevelNames(), level); }

}  // namespace protifer::config

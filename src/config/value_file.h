// Reading the file named by an `<ENV>_FILE` variable (Docker/Kubernetes secrets and config
// files mounted into the container).
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace protifer::config {

// Larger files are refused: a value (a password, a host name) is a few bytes, and a path that
// points at a log or a device must fail fast instead of reading without end.
inline constexpr std::size_t kMaxValueFileBytes = std::size_t{1024} * 1024;

struct ValueFileContent {
  bool ok = false;
  // ok: the file's bytes with trailing JavaScript whitespace removed (protifer applies
  // `.replace(/\s+$/, '')`), so the newline editors and `echo` add is not part of a password.
  std::string value;
  // !ok: why, worded like Node's fs errors that protifer puts after "from <path>: ", e.g.
  // "ENOENT: no such file or directory, open '/run/secrets/x'". Never contains file content.
  std::string error;
};

ValueFileContent ReadValueFile(const std::string& path);

// nullopt when `path` names a file this process can open for reading; otherwise the reason,
// worded as in ValueFileContent::error. A directory is not a readable file.
std::optional<std::string> CheckReadableFile(const std::string& path);

}  // namespace protifer::config

// A fresh directory under the system temporary directory, removed with everything in it when
// the object goes away.
#pragma once

#include <filesystem>

namespace protifer::storage::testing {

class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace protifer::storage::testing

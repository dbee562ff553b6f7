#include "storage/filesystem_eviction.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/js_collate.h"
#include "storage/filesystem_object_store.h"
#include "storage/storage_error.h"

namespace protifer::storage {
namespace {

namespace fs = std::filesystem;

struct StoredObject {
  std::string key;  // POSIX path relative to the root
  std::uint64_t size;
  struct timespec atime;
};

// Coldest first. Access times compare at the filesystem's full (nanosecond) resolution.
bool ColderFirst(const StoredObject& a, const StoredObject& b) {
  if (a.atime.tv_sec != b.atime.tv_sec) {
    return a.atime.tv_sec < b.atime.tv_sec;
  }
  if (a.atime.tv_nsec != b.atime.tv_nsec) {
    return a.atime.tv_nsec < b.atime.tv_nsec;
  }
  if (const int order = core::JsLocaleCompare(a.key, b.key); order != 0) {
    return order < 0;
  }
  // localeCompare ignores some control characters entirely, so distinct keys can tie; byte
  // order keeps which one goes first independent of the order readdir happened to return.
  return a.key < b.key;
}

// ENOENT: removed meanwhile. ENOTDIR: a directory on the way was replaced by a file. Either way
// the object is no longer there, which is what the sweep wanted or does not care about.
bool IsGone(int error) { return error == ENOENT || error == ENOTDIR; }

[[noreturn]] void ThrowIo(std::string_view action, const fs::path& path, int error) {
  throw StorageError("Filesystem eviction: cannot " + std::string(action) + " " + path.string() +
                     ": " + std::generic_category().message(error));
}

// Appends every object under `root` (an existing directory) to `objects`. Returns false when a
// stop was requested before the walk finished.
bool CollectObjects(const fs::path& root, const std::stop_token& stop,
                    std::vector<StoredObject>& objects) {
  // Directories still to read, as keys relative to the root ("" is the root itself). An explicit
  // stack rather than recursion, and rather than recursive_directory_iterator, whose state after
  // a subdirectory vanishes mid-walk is unspecified.
  std::vector<std::string> pending{std::string()};
  while (!pending.empty()) {
    const std::string prefix = std::move(pending.back());
    pending.pop_back();
    const fs::path directory = prefix.empty() ? root : root / prefix;
    std::error_code error;
    fs::directory_iterator it(directory, error);
    if (error) {
      if (IsGone(error.value())) {
        continue;  // removed since its parent was read
      }
      ThrowIo("read directory", directory, error.value());
    }
    for (const fs::directory_iterator end; !error && it != end; it.increment(error)) {
      if (stop.stop_requested()) {
        return false;
      }
      const std::string name = it->path().filename().native();
      std::string key = prefix.empty() ? name : prefix + '/' + name;

      // symlink_status: a link is neither followed into nor counted (see the header).
      std::error_code type_error;
      const fs::file_status status = it->symlink_status(type_error);
      if (type_error) {
        if (IsGone(type_error.value())) {
          continue;
        }
        ThrowIo("read", it->path(), type_error.value());
      }
      if (fs::is_directory(status)) {
        pending.push_back(std::move(key));
        continue;
      }
      if (!fs::is_regular_file(status) || FilesystemObjectStore::IsTemporaryName(name)) {
        continue;
      }

      // std::filesystem has no access time, hence lstat.
      struct stat info {};
      if (::lstat(it->path().c_str(), &info) != 0) {
        const int stat_error = errno;
        if (IsGone(stat_error)) {
          continue;
        }
        ThrowIo("read", it->path(), stat_error);
      }
      if (!S_ISREG(info.st_mode)) {
        continue;  // replaced by something else since readdir
      }
      objects.push_back(
          StoredObject{std::move(key), static_cast<std::uint64_t>(info.st_size), info.st_atim});
    }
    if (error && !IsGone(error.value())) {
      ThrowIo("read directory", directory, error.value());
    }
  }
  return true;
}

}  // namespace

EvictionReport EvictColdestObjects(const fs::path& root, std::int64_t budget_bytes,
                                   std::stop_token stop) {
  EvictionReport report;
  if (budget_bytes <= 0) {
    return report;
  }
  const auto budget = static_cast<std::uint64_t>(budget_bytes);

  // stat, not lstat: STORAGE_PATH itself may well be a link to the real volume.
  struct stat root_info {};
  if (::stat(root.c_str(), &root_info) != 0) {
    const int error = errno;
    if (IsGone(error)) {
      return report;
    }
    ThrowIo("read", root, error);
  }
  if (!S_ISDIR(root_info.st_mode)) {
    return report;  // as FilesystemObjectStore::List: no directory, no objects
  }

  std::vector<StoredObject> objects;
  report.stopped = !CollectObjects(root, stop, objects);
  report.scanned_files = objects.size();
  for (const StoredObject& object : objects) {
    report.scanned_bytes += object.size;
  }
  report.remaining_bytes = report.scanned_bytes;
  // A partial walk undercounts, so it must not decide to delete anything.
  if (report.stopped || report.remaining_bytes <= budget) {
    return report;
  }

  std::sort(objects.begin(), objects.end(), ColderFirst);
  for (const StoredObject& object : objects) {
    if (report.remaining_bytes <= budget) {
      break;
    }
    if (stop.stop_requested()) {
      report.stopped = true;
      break;
    }
    // An object read or rewritten since the walk is deleted all the same: re-checking would
    // only narrow that race, not close it, and the object can be derived again.
    const fs::path path = root / object.key;
    if (::unlink(path.c_str()) == 0) {
      ++report.evicted_files;
      report.evicted_bytes += object.size;
    } else if (const int error = errno; !IsGone(error) && error != EISDIR) {
      // EISDIR: the key became a directory, so the object is gone too.
      ThrowIo("delete", path, error);
    }
    // Deleted by us or by someone else: either way its bytes no longer count.
    report.remaining_bytes -= object.size;
  }
  return report;
}

}  // namespace protifer::storage

#include "storage/filesystem_object_store.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "storage/storage_error.h"

namespace protifer::storage {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxKeyBytes = 1024;
constexpr std::string_view kTemporaryInfix = ".tmp.";
constexpr std::size_t kTemporaryHexDigits = 16;

// Why `key` cannot name a file under the root, or an empty view when it can.
std::string_view KeyProblem(std::string_view key) {
  if (key.empty()) {
    return "key is empty";
  }
  if (key.size() > kMaxKeyBytes) {
    return "key is longer than 1024 bytes";
  }
  if (key.find('\0') != std::string_view::npos) {
    return "key contains a NUL byte";
  }
  if (key.front() == '/') {
    return "key is an absolute path";
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = key.find('/', start);
    const std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment.empty()) {
      return "key has an empty path segment";
    }
    if (segment == "." || segment == "..") {
      return "key has a '.' or '..' path segment";
    }
    if (slash == std::string_view::npos) {
      if (FilesystemObjectStore::IsTemporaryName(segment)) {
        return "key ends like a temporary file name (<name>.tmp.<16 hex>)";
      }
      return {};
    }
    start = slash + 1;
  }
}

std::string ErrnoText(int error) { return std::generic_category().message(error); }

[[noreturn]] void ThrowIo(std::string_view action, std::string_view key, const fs::path& path,
                          int error) {
  throw StorageError("Filesystem store: cannot " + std::string(action) + " \"" + std::string(key) +
                     "\" (" + path.string() + "): " + ErrnoText(error));
}

std::string RandomHex16() {
  unsigned char bytes[kTemporaryHexDigits / 2];
  if (RAND_bytes(bytes, static_cast<int>(sizeof bytes)) != 1) {
    throw StorageError("Filesystem store: no random bytes for a temporary file name");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(kTemporaryHexDigits);
  for (const unsigned char byte : bytes) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0x0f];
  }
  return hex;
}

// Closes the descriptor on every path; errors that matter (after writing) are checked by the
// caller through Close().
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }
  // Returns 0 or the errno of close().
  int Close() {
    const int result = ::close(std::exchange(fd_, -1));
    return result == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// Returns 0 or the errno of the first failed write.
int WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

// Makes the rename itself durable. Best effort: the object is already visible, and some
// filesystems refuse fsync on directories, so a failure here must not report the Put as failed.
void SyncDirectory(const fs::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

bool IsMissing(int error) { return error == ENOENT || error == ENOTDIR; }

}  // namespace

FilesystemObjectStore::FilesystemObjectStore(const std::filesystem::path& root)
    : root_(root.lexically_normal()) {
  if (root_.empty()) {
    throw StorageError("Filesystem store: the root directory path is empty");
  }
  // "data/" and "data" must name the same root, or keys computed with lexically_relative in
  // List would differ.
  if (!root_.has_filename() && root_.has_relative_path()) {
    root_ = root_.parent_path();
  }
}

bool FilesystemObjectStore::IsTemporaryName(std::string_view file_name) {
  if (file_name.size() < kTemporaryInfix.size() + kTemporaryHexDigits) {
    return false;
  }
  const std::string_view suffix = file_name.substr(file_name.size() - kTemporaryHexDigits);
  const std::string_view infix = file_name.substr(
      file_name.size() - kTemporaryHexDigits - kTemporaryInfix.size(), kTemporaryInfix.size());
  return infix == kTemporaryInfix && std::all_of(suffix.begin(), suffix.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

fs::path FilesystemObjectStore::PathOf(std::string_view key) const {
  if (const std::string_view problem = KeyProblem(key); !problem.empty()) {
    throw InvalidKeyError(key, problem);
  }
  return root_ / fs::path(std::string(key));
}

bool FilesystemObjectStore::Exists(std::string_view key) {
  const fs::path path = PathOf(key);
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (IsMissing(error)) {
      return false;
    }
    ThrowIo("check", key, path, error);
  }
  return S_ISREG(info.st_mode);
}

std::string FilesystemObjectStore::Get(std::string_view key) {
  const fs::path path = PathOf(key);
  FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    const int error = errno;
    if (IsMissing(error)) {
      throw NotFoundError(std::string(key));
    }
    ThrowIo("read", key, path, error);
  }
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) {
    ThrowIo("read", key, path, errno);
  }
  if (!S_ISREG(info.st_mode)) {
    throw NotFoundError(std::string(key));
  }
  std::string bytes;
  bytes.resize(static_cast<std::size_t>(info.st_size));
  std::size_t filled = 0;
  while (true) {
    if (filled == bytes.size()) {
      // The size from fstat is a hint: keep reading until EOF in case the file grew.
      bytes.resize(bytes.size() + 4096);
    }
    const ssize_t got = ::read(file.get(), bytes.data() + filled, bytes.size() - filled);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      ThrowIo("read", key, path, errno);
    }
    if (got == 0) {
      break;
    }
    filled += static_cast<std::size_t>(got);
  }
  bytes.resize(filled);
  return bytes;
}

void FilesystemObjectStore::Put(std::string_view key, std::string_view bytes,
                                std::string_view /*content_type: not stored, as in protifer*/) {
  const fs::path target = PathOf(key);
  const fs::path directory = target.parent_path();
  std::error_code mkdir_error;
  fs::create_directories(directory, mkdir_error);
  if (mkdir_error) {
    throw StorageError("Filesystem store: cannot write \"" + std::string(key) +
                       "\": cannot create directory " + directory.string() + ": " +
                       mkdir_error.message());
  }

  // O_EXCL makes a name collision (astronomically unlikely with 64 random bits) a retry instead
  // of two writers sharing one temporary file.
  fs::path temporary;
  int fd = -1;
  for (int attempt = 0; attempt < 4 && fd < 0; ++attempt) {
    temporary = target;
    temporary += std::string(kTemporaryInfix) + RandomHex16();
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) {
      ThrowIo("write", key, temporary, errno);
    }
  }
  if (fd < 0) {
    ThrowIo("write", key, temporary, EEXIST);
  }

  FileDescriptor file(fd);
  int error = WriteAll(file.get(), bytes);
  if (error == 0 && ::fsync(file.get()) != 0) {
    error = errno;
  }
  if (const int close_error = file.Close(); error == 0) {
    error = close_error;
  }
  if (error == 0 && ::rename(temporary.c_str(), target.c_str()) != 0) {
    error = errno;
  }
  if (error != 0) {
    ::unlink(temporary.c_str());
    ThrowIo("write", key, target, error);
  }
  SyncDirectory(directory);
}

std::vector<std::string> FilesystemObjectStore::List(std::string_view prefix) {
  // Only the directory named by the prefix's complete segments can hold matching keys. If that
  // part is not a valid key path, no valid key starts with the prefix.
  std::string_view directory_part;
  if (const std::size_t slash = prefix.rfind('/'); slash != std::string_view::npos) {
    directory_part = prefix.substr(0, slash);
    if (!KeyProblem(directory_part).empty()) {
      return {};
    }
  }
  const fs::path start = directory_part.empty() ? root_ : root_ / fs::path(directory_part);

  std::vector<std::string> keys;
  std::error_code error;
  if (!fs::is_directory(start, error)) {
    return keys;
  }
  fs::recursive_directory_iterator it(start, error);
  const fs::recursive_directory_iterator end;
  for (; !error && it != end; it.increment(error)) {
    std::error_code type_error;
    if (!it->is_regular_file(type_error) || IsTemporaryName(it->path().filename().native())) {
      continue;
    }
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (key.compare(0, prefix.size(), prefix) == 0) {
      keys.push_back(std::move(key));
    }
  }
  if (error) {
    throw StorageError("Filesystem store: cannot list \"" + std::string(prefix) + "\" under " +
                       root_.string() + ": " + error.message());
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

void FilesystemObjectStore::Delete(std::string_view key) {
  const fs::path path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    const int error = errno;
    // A directory is not an object, so there is nothing to delete either.
    if (IsMissing(error) || error == EISDIR) {
      return;
    }
    ThrowIo("delete", key, path, error);
  }
}

}  // namespace protifer::storage

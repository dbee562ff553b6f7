#include "config/value_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "config/js_string_to_number.h"

namespace protifer::config {
namespace {

struct ErrnoText {
  int code;
  const char* name;
  const char* message;  // libuv's wording, which Node prints (it differs from strerror)
};

constexpr ErrnoText kErrnoTexts[] = {
    {ENOENT, "ENOENT", "no such file or directory"},
    {EACCES, "EACCES", "permission denied"},
    {EPERM, "EPERM", "operation not permitted"},
    {EISDIR, "EISDIR", "illegal operation on a directory"},
    {ENOTDIR, "ENOTDIR", "not a directory"},
    {ELOOP, "ELOOP", "too many symbolic links encountered"},
    {ENAMETOOLONG, "ENAMETOOLONG", "name too long"},
    {EMFILE, "EMFILE", "too many open files"},
    {ENFILE, "ENFILE", "file table overflow"},
    {ENXIO, "ENXIO", "no such device or address"},
    {ENODEV, "ENODEV", "no such device"},
    {EIO, "EIO", "i/o error"},
    {ENOMEM, "ENOMEM", "not enough memory"},
    {EINVAL, "EINVAL", "invalid argument"},
    {EFBIG, "EFBIG", "file too large"},
    {EAGAIN, "EAGAIN", "resource temporarily unavailable"},
};

// "<CODE>: <message>, <syscall>[ '<path>']", the shape of Node's fs error messages.
std::string DescribeErrno(int error, std::string_view syscall, const std::string* path) {
  std::string text;
  bool known = false;
  for (const ErrnoText& entry : kErrnoTexts) {
    if (entry.code == error) {
      text.append(entry.name).append(": ").append(entry.message);
      known = true;
      break;
    }
  }
  if (!known) {
    const char* name = strerrorname_np(error);
    text.append(name != nullptr ? name : "UNKNOWN").append(": ").append(std::strerror(error));
  }
  text.append(", ").append(syscall);
  if (path != nullptr) {
    text.append(" '").append(*path).append("'");
  }
  return text;
}

}  // namespace

ValueFileContent ReadValueFile(const std::string& path) {
  ValueFileContent result;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    result.error = DescribeErrno(errno, "open", &path);
    return result;
  }
  std::string content;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      result.error = DescribeErrno(errno, "read", nullptr);
      ::close(fd);
      return result;
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<std::size_t>(n));
    if (content.size() > kMaxValueFileBytes) {
      ::close(fd);
      result.error = "file is larger than " + std::to_string(kMaxValueFileBytes) + " bytes";
      return result;
    }
  }
  ::close(fd);
  content.resize(TrimJsWhitespaceEnd(content).size());
  result.ok = true;
  result.value = std::move(content);
  return result;
}

std::optional<std::string> CheckReadableFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return DescribeErrno(errno, "open", &path);
  }
  struct stat info {};
  const bool is_directory = ::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode);
  ::close(fd);
  // Opening a directory read-only succeeds; reading it is what fails (as in Node).
  if (is_directory) {
    return DescribeErrno(EISDIR, "read", nullptr);
  }
  return std::nullopt;
}

}  // namespace protifer::config

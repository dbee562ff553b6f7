#include "storage/testing/s3rver_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace protifer::storage::testing {
namespace {

namespace fs = std::filesystem;

// execv in the child instead of execvp: the PATH search allocates, which is not safe between
// fork and exec in a multi-threaded parent.
std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view directories = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!directories.empty()) {
    const std::size_t colon = directories.find(':');
    const std::string_view directory = directories.substr(0, colon);
    directories = colon == std::string_view::npos ? "" : directories.substr(colon + 1);
    std::string candidate =
        (directory.empty() ? std::string(".") : std::string(directory)) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  throw std::runtime_error("s3rver: `" + program + "` not found on PATH");
}

std::string MakeDataDirectory() {
  std::string pattern = (fs::temp_directory_path() / "protifer-s3rver-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "s3rver: mkdtemp");
  }
  return pattern;
}

// The port from "S3rver listening on 127.0.0.1:<port>", or 0 when the line is not there yet.
int ParseListeningPort(const std::string& output) {
  static constexpr std::string_view kMarker = "S3rver listening on ";
  const std::size_t at = output.find(kMarker);
  if (at == std::string::npos) {
    return 0;
  }
  const std::size_t end = output.find('\n', at);
  if (end == std::string::npos) {
    return 0;
  }
  const std::string line = output.substr(at + kMarker.size(), end - at - kMarker.size());
  const std::size_t colon = line.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(line.c_str() + colon + 1);
}

}  // namespace

std::unique_ptr<S3rverProcess> S3rverProcess::Start(const std::string& repo_root,
                                                    const std::string& bucket,
                                                    std::chrono::milliseconds timeout) {
  const std::string script = repo_root + "/node_modules/s3rver/bin/s3rver.js";
  if (!fs::exists(script)) {
    throw std::runtime_error("s3rver: " + script + " is missing; run scripts/setup (npm ci)");
  }
  const std::string node = FindOnPath("node");
  const std::string data_directory = MakeDataDirectory();
  // s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node
  // 17+) only offers in its legacy provider: without the flag every second page is HTTP 500.
  std::vector<std::string> arguments = {node,
                                        "--openssl-legacy-provider",
                                        script,
                                        "-d",
                                        data_directory,
                                        "-a",
                                        "127.0.0.1",
                                        "-p",
                                        "0",
                                        "--silent",
                                        "--configure-bucket",
                                        bucket};
  std::vector<char*> argv;
  for (std::string& argument : arguments) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "s3rver: pipe");
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw std::system_error(error, std::generic_category(), "s3rver: fork");
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. The server dies with the test process
    // even when the test crashes before the destructor runs.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  std::unique_ptr<S3rverProcess> process(new S3rverProcess(pid, pipe_fds[0], data_directory));

  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process->port_ == 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw std::runtime_error("s3rver: not listening after " + std::to_string(timeout.count()) +
                               " ms; output so far: " + output);
    }
    pollfd poll_fd{process->stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "s3rver: poll");
    }
    if (ready <= 0) {
      continue;
    }
    char buffer[512];
    const ssize_t got = ::read(process->stdout_fd_, buffer, sizeof buffer);
    if (got == 0) {
      throw std::runtime_error("s3rver: exited before listening; output: " + output);
    }
    if (got > 0) {
      output.append(buffer, static_cast<std::size_t>(got));
      process->port_ = ParseListeningPort(output);
    }
  }
  return process;
}

S3rverProcess::S3rverProcess(pid_t pid, int stdout_fd, std::string data_directory)
    : pid_(pid), stdout_fd_(stdout_fd), data_directory_(std::move(data_directory)) {}

S3rverProcess::~S3rverProcess() {
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::close(stdout_fd_);
  std::error_code ignored;
  fs::remove_all(data_directory_, ignored);
}

std::string S3rverProcess::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

}  // namespace protifer::storage::testing

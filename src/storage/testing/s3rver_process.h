// Runs npm's s3rver (pinned in the repo's package.json) as a child process for integration
// tests: its own data directory, 127.0.0.1, a port chosen by the OS, one bucket created at
// start. s3rver accepts the access key "S3RVER" (any secret: it does not verify signatures).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

namespace protifer::storage::testing {

class S3rverProcess {
 public:
  static constexpr const char* kAccessKeyId = "S3RVER";
  static constexpr const char* kSecretAccessKey = "S3RVER";

  // Starts `node <repo_root>/node_modules/s3rver/bin/s3rver.js` and waits until it prints the
  // port it listens on. Throws std::runtime_error with s3rver's output when it does not start
  // within `timeout` (e.g. node_modules missing: run scripts/setup).
  static std::unique_ptr<S3rverProcess> Start(const std::string& repo_root,
                                              const std::string& bucket,
                                              std::chrono::milliseconds timeout);

  // Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its data directory.
  ~S3rverProcess();
  S3rverProcess(const S3rverProcess&) = delete;
  S3rverProcess& operator=(const S3rverProcess&) = delete;

  int port() const noexcept { return port_; }
  std::string endpoint() const;  // "http://127.0.0.1:<port>"
  const std::string& data_directory() const noexcept { return data_directory_; }

 private:
  S3rverProcess(pid_t pid, int stdout_fd, std::string data_directory);

  pid_t pid_;
  int stdout_fd_;
  std::string data_directory_;
  int port_ = 0;
};

}  // namespace protifer::storage::testing

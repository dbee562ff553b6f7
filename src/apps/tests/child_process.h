// A program run as a child process for a test: given arguments and environment (nothing is
// inherited but the sanitizers' *_OPTIONS), stdout and stderr captured to files that can be read
// while it runs, signals, and waiting for its exit or for an output line. Killed when the object
// dies.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace protifer::apps::testing {

class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& environment);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  std::string Stdout() const;
  std::string Stderr() const;
  // Stdout's complete lines.
  std::vector<std::string> StdoutLines() const;

  // Waits until a stdout line satisfies `match`; returns it, or nullopt on timeout or exit.
  std::optional<std::string> WaitForLine(const std::function<bool(const std::string&)>& match,
                                         std::chrono::milliseconds timeout);
  // Waits for a JSON log line whose "msg" equals `msg`.
  std::optional<std::string> WaitForLogMessage(const std::string& msg,
                                               std::chrono::milliseconds timeout);

  void Signal(int signal_number);
  // The exit status (128 + signal for a signal death), or nullopt if still running at timeout.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);
  bool running();

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string dir_;
};

}  // namespace protifer::apps::testing

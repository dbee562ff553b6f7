// Tests of the faultproxy executable itself: flags, exit codes, the startup line, signals.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "test_sockets.h"

extern char** environ;

namespace protifer::faultproxy {
namespace {

using namespace protifer::faultproxy::testing;
using Clock = std::chrono::steady_clock;

// A running faultproxy process with its stdout and stderr captured through pipes.
class ProxyProcess {
 public:
  explicit ProxyProcess(const std::vector<std::string>& arguments) {
    int out[2];
    int err[2];
    EXPECT_EQ(pipe(out), 0);
    EXPECT_EQ(pipe(err), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, err[0]);

    std::vector<std::string> storage{FAULTPROXY_BINARY};
    storage.insert(storage.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (std::string& argument : storage) argv.push_back(argument.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, FAULTPROXY_BINARY, &actions, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
  }

  ~ProxyProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(stdout_fd_);
    close(stderr_fd_);
  }

  // The first stdout line, or "" if none arrives in time.
  std::string ReadStdoutLine(std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = Clock::now() + timeout;
    char c = 0;
    while (Clock::now() < deadline) {
      pollfd entry{stdout_fd_, POLLIN, 0};
      if (poll(&entry, 1, 100) <= 0) continue;
      if (read(stdout_fd_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return "";
  }

  // Waits for exit and returns the exit code (-1 on a signal or timeout). Drains the pipes
  // so the child can never block on a full one.
  int WaitForExit(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      Drain(stdout_fd_, stdout_);
      Drain(stderr_fd_, stderr_);
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        Drain(stdout_fd_, stdout_);
        Drain(stderr_fd_, stderr_);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      poll(nullptr, 0, 20);
    }
    return -1;
  }

  void Signal(int signal_number) { kill(pid_, signal_number); }
  const std::string& captured_stdout() const { return stdout_; }
  const std::string& captured_stderr() const { return stderr_; }

 private:
  static void Drain(int fd, std::string& into) {
    char buffer[4096];
    pollfd entry{fd, POLLIN, 0};
    while (poll(&entry, 1, 0) > 0) {
      const ssize_t got = read(fd, buffer, sizeof(buffer));
      if (got <= 0) return;
      into.append(buffer, static_cast<std::size_t>(got));
    }
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::string stdout_;
  std::string stderr_;
};

TEST(FaultProxyBinary, HelpExitsZeroAndDocumentsTheFlags) {
  ProxyProcess process({"--help"});
  EXPECT_EQ(process.WaitForExit(10s), 0);
  for (const char* flag : {"--upstream", "--listen", "--control-port", "--schedule"}) {
    EXPECT_NE(process.captured_stdout().find(flag), std::string::npos) << flag;
  }
}

TEST(FaultProxyBinary, BadFlagsExitTwoWithAClearMessage) {
  const std::vector<std::vector<std::string>> bad = {
      {"--frobnicate"},
      {},
      {"--upstream", "no-port"},
      {"--upstream", "127.0.0.1:1", "--schedule", "explode@1s"},
      {"--upstream", "127.0.0.1:1", "--control-port", "99999"},
  };
  for (const auto& arguments : bad) {
    ProxyProcess process(arguments);
    EXPECT_EQ(process.WaitForExit(10s), 2);
    EXPECT_EQ(process.captured_stderr().rfind("faultproxy: ", 0), 0u) << process.captured_stderr();
    EXPECT_NE(process.captured_stderr().find("--help"), std::string::npos);
  }
}

TEST(FaultProxyBinary, PrintsItsPortsForwardsAndExitsZeroOnSigterm) {
  TestUpstream upstream(TestUpstream::Mode::kEcho);
  const std::string upstream_address = "127.0.0.1:" + std::to_string(upstream.port());
  ProxyProcess process({"--upstream", upstream_address, "--schedule", "latency=1ms"});

  const std::string line = process.ReadStdoutLine(10s);
  std::smatch match;
  const std::regex startup(
      R"(faultproxy listening=127\.0\.0\.1:(\d+) control=127\.0\.0\.1:(\d+) upstream=(\S+))");
  ASSERT_TRUE(std::regex_match(line, match, startup)) << "startup line: " << line;
  EXPECT_EQ(match[3], upstream_address);
  const auto listen_port = static_cast<std::uint16_t>(std::stoi(match[1]));
  const auto control_port = static_cast<std::uint16_t>(std::stoi(match[2]));

  const int client = ConnectLoopback(listen_port);
  ASSERT_GE(client, 0);
  ASSERT_TRUE(SendAll(client, "through the binary"));
  EXPECT_EQ(ReadExactly(client, 18, 5s).data, "through the binary");

  const int control = ConnectLoopback(control_port);
  ASSERT_GE(control, 0);
  ASSERT_TRUE(SendAll(control, "reset\n"));
  EXPECT_EQ(ReadExactly(control, 25, 5s).data, "ok reset 1 connection(s)\n");
  EXPECT_EQ(ReadUntilEnd(client, 5s).end, ReadEnd::kReset);
  close(client);
  close(control);

  process.Signal(SIGTERM);
  EXPECT_EQ(process.WaitForExit(10s), 0);
  const std::string& log = process.captured_stderr();
  EXPECT_NE(log.find(R"("event":"start")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("event":"fault","kind":"latency")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("event":"fault","kind":"reset","conn":1,"source":"control")"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(R"("event":"stop")"), std::string::npos) << log;
}

TEST(FaultProxyBinary, SigintAlsoExitsZero) {
  TestUpstream upstream(TestUpstream::Mode::kEcho);
  ProxyProcess process(
      {"--upstream", "127.0.0.1:" + std::to_string(upstream.port()), "--no-control"});
  const std::string line = process.ReadStdoutLine(10s);
  EXPECT_NE(line.find("control=none"), std::string::npos) << line;
  process.Signal(SIGINT);
  EXPECT_EQ(process.WaitForExit(10s), 0);
}

}  // namespace
}  // namespace protifer::faultproxy

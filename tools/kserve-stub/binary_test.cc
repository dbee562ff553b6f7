// The kserve-stub executable as a process: start-up line, JSON logs, signals, exit codes.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "stub_test_support.h"

namespace protifer::kserve_stub {
namespace {

using ::testing::HasSubstr;

// A child process running the stub binary with `args`, its stdout and stderr on pipes.
class StubProcess {
 public:
  explicit StubProcess(const std::vector<std::string>& args) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(KSERVE_STUB_BINARY));
      for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(KSERVE_STUB_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
  }

  ~StubProcess() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(stdout_fd_);
    ::close(stderr_fd_);
  }

  // First stdout line, waiting up to `timeout`.
  std::string ReadLine(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = Clock::now() + timeout;
    while (stdout_.find('\n') == std::string::npos && Clock::now() < deadline) {
      if (!ReadSome(stdout_fd_, &stdout_, 50)) break;
    }
    const auto newline = stdout_.find('\n');
    return newline == std::string::npos ? stdout_ : stdout_.substr(0, newline);
  }

  // Exit status after waiting up to `timeout`; -1 if still running, 128+n if killed by signal n.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        Drain();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      ReadSome(stderr_fd_, &stderr_, 10);
    }
    return -1;
  }

  void Signal(int signal) { ::kill(pid_, signal); }
  const std::string& stdout_text() const { return stdout_; }
  const std::string& stderr_text() const { return stderr_; }

 private:
  static bool ReadSome(int fd, std::string* into, int timeout_ms) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) <= 0) return true;
    char buffer[4096];
    const ssize_t got = ::read(fd, buffer, sizeof(buffer));
    if (got <= 0) return false;
    into->append(buffer, static_cast<std::size_t>(got));
    return true;
  }

  // After exit: read both pipes to EOF.
  void Drain() {
    for (auto [fd, text] : {std::pair{stdout_fd_, &stdout_}, std::pair{stderr_fd_, &stderr_}}) {
      char buffer[4096];
      ssize_t got;
      while ((got = ::read(fd, buffer, sizeof(buffer))) > 0) {
        text->append(buffer, static_cast<std::size_t>(got));
      }
    }
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  bool exited_ = false;
  std::string stdout_;
  std::string stderr_;
};

TEST(BinaryTest, HelpExplainsFlagsAndExitsZero) {
  StubProcess process({"--help"});
  EXPECT_EQ(process.Wait(), 0);
  EXPECT_THAT(process.stdout_text(), HasSubstr("--resource-quota-bytes"));
  EXPECT_THAT(process.stdout_text(), HasSubstr("--time-scale"));
}

TEST(BinaryTest, BadFlagExitsTwo) {
  StubProcess process({"--port=0", "--no-such-flag=1"});
  EXPECT_EQ(process.Wait(), 2);
  EXPECT_THAT(process.stderr_text(), HasSubstr("unknown flag '--no-such-flag'"));
}

TEST(BinaryTest, ServesThenStopsCleanlyOnSigterm) {
  StubProcess process({"--port=0", "--metrics-port=0", "--control-port=0", "--time-scale=0.01",
                       "--log-level=debug"});
  const std::string line = process.ReadLine();
  std::smatch match;
  ASSERT_TRUE(std::regex_match(line, match,
                               std::regex("kserve-stub listening=127\\.0\\.0\\.1:(\\d+) "
                                          "metrics=127\\.0\\.0\\.1:(\\d+) "
                                          "control=127\\.0\\.0\\.1:(\\d+)")))
      << line;
  const int port = std::stoi(match[1]);
  const int metrics_port = std::stoi(match[2]);
  const int control_port = std::stoi(match[3]);

  auto client = testing::Connect(port);
  inference::ModelInferResponse response;
  EXPECT_TRUE(testing::Infer(*client, testing::AdapterRequest("seth", testing::MakeEmbedding(5), 5),
                             &response)
                  .ok());
  EXPECT_THAT(testing::HttpGet(metrics_port, "/metrics"),
              HasSubstr("nv_inference_request_success{model=\"seth\",version=\"1\"} 1"));
  EXPECT_EQ(testing::TalkToControlPort(control_port, {"clear"}), std::vector<std::string>{"ok"});

  process.Signal(SIGTERM);
  EXPECT_EQ(process.Wait(), 0);
  // Every stderr line is a JSON object with the common fields.
  std::istringstream lines(process.stderr_text());
  std::string log_line;
  int count = 0;
  while (std::getline(lines, log_line)) {
    const auto json = nlohmann::json::parse(log_line);
    EXPECT_TRUE(json.contains("ts") && json.contains("level") && json.contains("msg")) << log_line;
    ++count;
  }
  EXPECT_GE(count, 3);  // serving, signal received, stopped
  EXPECT_THAT(process.stderr_text(), HasSubstr("\"signal\":\"SIGTERM\""));
}

TEST(BinaryTest, SigintAlsoExitsZero) {
  StubProcess process({"--port=0", "--metrics-port=-1"});
  ASSERT_THAT(process.ReadLine(), HasSubstr("metrics=off"));
  process.Signal(SIGINT);
  EXPECT_EQ(process.Wait(), 0);
}

TEST(BinaryTest, ExitAfterEndsTheProcessMidCall) {
  StubProcess process({"--port=0", "--metrics-port=-1", "--fault=exit-after 2 3"});
  const std::string line = process.ReadLine();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(line, match, std::regex("listening=127\\.0\\.0\\.1:(\\d+)")));
  auto client = testing::Connect(std::stoi(match[1]));
  const auto request = testing::AdapterRequest("seth", testing::MakeEmbedding(5), 5);
  inference::ModelInferResponse response;
  EXPECT_TRUE(testing::Infer(*client, request, &response).ok());
  const grpc::Status status = testing::Infer(*client, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(process.Wait(), 3);
}

TEST(BinaryTest, OccupiedPortFailsStartUp) {
  StubProcess first({"--port=0", "--metrics-port=-1"});
  const std::string line = first.ReadLine();
  std::smatch match;
  ASSERT_TRUE(std::regex_search(line, match, std::regex("listening=127\\.0\\.0\\.1:(\\d+)")));
  // GRPC_ARG_ALLOW_REUSEPORT=0: a second server on the same port must fail, not share it.
  StubProcess second({"--port=" + std::string(match[1]), "--metrics-port=-1"});
  EXPECT_EQ(second.Wait(), 1);
  EXPECT_THAT(second.stderr_text(), HasSubstr("cannot listen"));
}

}  // namespace
}  // namespace protifer::kserve_stub

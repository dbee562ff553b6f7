#include "queue/test_support/node_script.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace protifer::queue::test_support {

nlohmann::json RunBullmqCli(const std::string& command, const nlohmann::json& args) {
  const std::string script = std::string(PROTIFER_REPO_ROOT) + "/tests/node/bullmq_cli.js";
  const std::string stderr_path =
      (std::filesystem::temp_directory_path() /
       ("bullmq-cli-" + std::to_string(::getpid()) + "-" + command + ".err"))
          .string();
  std::vector<std::string> argv_storage = {PROTIFER_NODE_EXECUTABLE, script, command, args.dump()};
  std::vector<char*> argv;
  for (std::string& a : argv_storage) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);

  // Everything the child needs is prepared before fork(): other threads (the worker under test)
  // may hold allocator locks, so the child only calls async-signal-safe functions.
  const int err_fd = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int out_pipe[2];
  if (err_fd < 0 || ::pipe(out_pipe) != 0) {
    throw std::runtime_error("cannot set up the node child's output");
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    ::dup2(out_pipe[1], STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_fd);
  std::string out;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(out_pipe[0], buffer, sizeof(buffer));
    if (n <= 0) {
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(out_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);

  std::stringstream err_text;
  err_text << std::ifstream(stderr_path).rdbuf();
  std::filesystem::remove(stderr_path);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("bullmq_cli " + command + " failed: " + err_text.str());
  }
  nlohmann::json parsed = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    throw std::runtime_error("bullmq_cli " + command + " printed no JSON: " + out + "\n" +
                             err_text.str());
  }
  return parsed;
}

}  // namespace protifer::queue::test_support

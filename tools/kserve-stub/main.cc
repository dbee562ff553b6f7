// kserve-stub binary: flags -> StubServer; one start-up line on stdout; SIGTERM/SIGINT -> clean
// shutdown, exit 0; bad flags -> exit 2; start-up failure -> exit 1.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "command_line.h"
#include "json_log.h"
#include "server.h"

int main(int argc, char** argv) {
  using namespace protifer::kserve_stub;
  const CommandLine command_line =
      ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (command_line.help) {
    std::cout << UsageText();
    return 0;
  }
  if (!command_line.error.empty()) {
    std::cerr << "kserve-stub: " << command_line.error << "\n";
    return 2;
  }
  SetLogLevel(command_line.log_level);

  // Block the shutdown signals in every thread (gRPC's and ours inherit this mask) and take
  // them synchronously below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<StubServer> server;
  try {
    server = StubServer::Start(command_line.options);
  } catch (const std::exception& error) {
    Log(LogLevel::kError, "start-up failed", {{"error", error.what()}});
    std::cerr << "kserve-stub: " << error.what() << "\n";
    return 1;
  }
  std::string line = "kserve-stub listening=" + server->address() + " metrics=";
  line += server->metrics_port()
              ? command_line.options.host + ":" + std::to_string(*server->metrics_port())
              : std::string("off");
  if (server->control_port()) {
    line += " control=" + command_line.options.host + ":" + std::to_string(*server->control_port());
  }
  std::cout << line << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  Log(LogLevel::kInfo, "signal received", {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
  server->Shutdown();
  return 0;
}

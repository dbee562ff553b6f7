// faultproxy: a TCP proxy that injects real transport faults. See --help.

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "faultproxy/command_line.h"
#include "faultproxy/fault_proxy.h"

int main(int argc, char** argv) {
  using protifer::faultproxy::CommandLine;
  using protifer::faultproxy::FaultProxy;

  std::vector<std::string_view> arguments(argv + 1, argv + argc);
  CommandLine command_line = protifer::faultproxy::ParseCommandLine(arguments);
  if (command_line.show_help) {
    std::fputs(protifer::faultproxy::UsageText().data(), stdout);
    return 0;
  }
  if (!command_line.error.empty()) {
    std::fprintf(stderr, "faultproxy: %s\nRun 'faultproxy --help' for usage.\n",
                 command_line.error.c_str());
    return 2;
  }

  // Block the stop signals before the I/O thread exists so that only sigwait() below sees
  // them; the I/O thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  const std::string listen_host = command_line.options.listen_host;
  FaultProxy proxy(std::move(command_line.options));
  try {
    proxy.Start();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "faultproxy: %s\n", error.what());
    return 1;
  }

  const std::string control = proxy.control_port() == 0
                                  ? std::string("none")
                                  : "127.0.0.1:" + std::to_string(proxy.control_port());
  std::printf("faultproxy listening=%s:%u control=%s upstream=%s\n", listen_host.c_str(),
              proxy.listen_port(), control.c_str(), proxy.upstream().c_str());
  std::fflush(stdout);

  int received = 0;
  sigwait(&stop_signals, &received);
  proxy.Stop();
  return 0;
}

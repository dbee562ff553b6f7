#include "apps/command_line.h"

#include "apps/exit_codes.h"
#include "queue/lua_scripts.h"

#ifndef PROTIFER_VERSION
#error "PROTIFER_VERSION must be defined by the build"
#endif

namespace protifer::apps {

namespace {

void WriteUsage(std::ostream& out, const ProgramInfo& info) {
  out << "usage: " << info.name << " [--help | --describe | --version]\n\n"
      << info.summary << "\n\n"
      << "Configuration comes from environment variables (each also as <NAME>_FILE);\n"
      << "--describe lists them with their defaults.\n\n"
      << "  --help      this text\n"
      << "  --describe  the settings table\n"
      << "  --version   version of the worker and of the embedded BullMQ scripts\n\n"
      << "Exit codes: 0 stopped cleanly (SIGTERM/SIGINT, after draining); 1 cannot start (bad\n"
      << "configuration, Triton not ready within BOOT_TIMEOUT_MS, Redis unusable, metrics port\n"
      << "taken); 2 bad command line. A second signal while draining is logged and ignored:\n"
      << "DRAIN_TIMEOUT_MS bounds the drain.\n";
}

}  // namespace

std::string VersionLine(std::string_view name) {
  return std::string(name) + " " + PROTIFER_VERSION + " (bullmq " +
         std::string(queue::BundledBullmqVersion()) + ")";
}

std::optional<int> HandleCommandLine(int argc, const char* const* argv, const ProgramInfo& info,
                                     std::ostream& out, std::ostream& err) {
  if (argc <= 1) {
    return std::nullopt;
  }
  const std::string_view flag = argv[1];
  if (argc == 2 && (flag == "--help" || flag == "-h")) {
    WriteUsage(out, info);
    return kExitOk;
  }
  if (argc == 2 && flag == "--describe") {
    out << info.describe();
    return kExitOk;
  }
  if (argc == 2 && flag == "--version") {
    out << VersionLine(info.name) << "\n";
    return kExitOk;
  }
  const bool known =
      flag == "--help" || flag == "-h" || flag == "--describe" || flag == "--version";
  err << info.name << ": unexpected argument '" << (known ? argv[2] : argv[1]) << "'\n\n";
  WriteUsage(err, info);
  return kExitUsage;
}

}  // namespace protifer::apps

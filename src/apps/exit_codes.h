// The exit statuses of prediction-worker and embedding-worker (documented in the README).
#pragma once

namespace protifer::apps {

// Stopped by SIGTERM/SIGINT after draining (jobs still running at DRAIN_TIMEOUT_MS are left to
// BullMQ's stalled checker, so this is still a clean stop), or --help/--describe/--version.
inline constexpr int kExitOk = 0;
// Could not start or must not run: invalid configuration (every problem listed on stderr),
// Triton not ready within BOOT_TIMEOUT_MS, Redis unreachable or refusing the password, a queue
// of another bullmq major, the metrics port taken, an unreadable TLS file.
inline constexpr int kExitFailure = 1;
// Unknown command-line flag.
inline constexpr int kExitUsage = 2;

}  // namespace protifer::apps

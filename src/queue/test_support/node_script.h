// Runs tests/node/bullmq_cli.js with the pinned bullmq and returns its JSON answer.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace protifer::queue::test_support {

// node tests/node/bullmq_cli.js <command> <args as JSON>. Throws std::runtime_error with the
// script's stderr when it exits non-zero or prints something that is not JSON.
nlohmann::json RunBullmqCli(const std::string& command, const nlohmann::json& args);

}  // namespace protifer::queue::test_support

// Test-only helpers: loading the reference tables of tests/vectors/ at run time.
#pragma once

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace protifer::core::testing {

inline nlohmann::ordered_json LoadJsonFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw std::runtime_error("cannot open test data " + path);
  }
  std::ostringstream text;
  text << file.rdbuf();
  return nlohmann::ordered_json::parse(text.str());
}

// spec/test-vectors.json (checked-in copy).
inline nlohmann::ordered_json LoadSpecVectors() { return LoadJsonFile(PROTIFER_TEST_VECTORS_FILE); }

// One of the Node-generated tables (js-numbers.json, js-json.json, ...).
inline nlohmann::ordered_json LoadJsReference(std::string_view file_name) {
  return LoadJsonFile(std::string(PROTIFER_JS_REFERENCE_DIR) + "/" + std::string(file_name));
}

// "e282ac" -> the three bytes E2 82 AC.
inline std::string BytesFromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    throw std::invalid_argument("odd hex length");
  }
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoul(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return bytes;
}

}  // namespace protifer::core::testing

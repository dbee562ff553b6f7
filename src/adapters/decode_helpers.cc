#include "adapters/decode_helpers.h"

#include <cstdint>
#include <limits>

#include "adapters/adapter_errors.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {

std::size_t RequireOutputIndex(const inference::ModelInferResponse& response,
                               std::string_view name) {
  if (auto index = triton::FindOutput(response, name)) {
    return *index;
  }
  throw DecodeError(response.model_name() + ": response missing '" + std::string(name) +
                    "' output");
}

std::size_t ArgmaxSlice(std::span<const float> flat, std::size_t offset, std::size_t n) {
  constexpr float kMissing = -std::numeric_limits<float>::infinity();
  auto at = [&](std::size_t i) { return offset + i < flat.size() ? flat[offset + i] : kMissing; };
  std::size_t best_index = 0;
  float best_value = at(0);
  for (std::size_t i = 1; i < n; ++i) {
    // Strict `>`: false for equal values and for any comparison involving NaN.
    if (const float value = at(i); value > best_value) {
      best_value = value;
      best_index = i;
    }
  }
  return best_index;
}

nlohmann::ordered_json WidenedFloatArray(std::span<const float> values) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  array.get_ref<nlohmann::ordered_json::array_t&>().reserve(values.size());
  for (float value : values) {
    array.push_back(static_cast<double>(value));
  }
  return array;
}

std::string Utf8WithReplacement(std::string_view bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(bytes.size());
  // WHATWG "UTF-8 decoder": a lead byte fixes how many continuation bytes follow and the
  // range the first of them must fall in (this rejects overlongs, surrogates and > U+10FFFF).
  std::size_t needed = 0;
  std::size_t seen = 0;
  std::size_t sequence_start = 0;
  std::uint8_t lower = 0x80;
  std::uint8_t upper = 0xBF;
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto byte = static_cast<std::uint8_t>(bytes[i]);
    if (needed == 0) {
      sequence_start = i;
      ++i;
      if (byte <= 0x7F) {
        out.push_back(static_cast<char>(byte));
      } else if (byte >= 0xC2 && byte <= 0xDF) {
        needed = 1;
      } else if (byte >= 0xE0 && byte <= 0xEF) {
        lower = byte == 0xE0 ? std::uint8_t{0xA0} : std::uint8_t{0x80};
        upper = byte == 0xED ? std::uint8_t{0x9F} : std::uint8_t{0xBF};
        needed = 2;
      } else if (byte >= 0xF0 && byte <= 0xF4) {
        lower = byte == 0xF0 ? std::uint8_t{0x90} : std::uint8_t{0x80};
        upper = byte == 0xF4 ? std::uint8_t{0x8F} : std::uint8_t{0xBF};
        needed = 3;
      } else {
        out.append(kReplacement);
      }
      continue;
    }
    if (byte < lower || byte > upper) {
      // The sequence so far is a maximal invalid subpart; this byte starts afresh.
      out.append(kReplacement);
      needed = 0;
      seen = 0;
      lower = 0x80;
      upper = 0xBF;
      continue;
    }
    lower = 0x80;
    upper = 0xBF;
    ++i;
    if (++seen == needed) {
      out.append(bytes.substr(sequence_start, i - sequence_start));
      needed = 0;
      seen = 0;
    }
  }
  if (needed != 0) {
    out.append(kReplacement);
  }
  return out;
}

}  // namespace protifer::adapters

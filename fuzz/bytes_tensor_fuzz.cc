// BYTES tensors come from Triton responses (tmbed's labels) and are split by length prefixes an
// attacker-controlled server chooses. Splitting must either throw CodecError or return
// elements that join back to exactly the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "triton/tensor_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  try {
    const std::vector<std::string> elements = protifer::triton::SplitBytesTensor(raw);
    if (protifer::triton::JoinBytesTensor(elements) != raw) {
      __builtin_trap();  // split/join must round-trip
    }
  } catch (const protifer::triton::CodecError&) {
    // Truncated prefix or payload: the documented failure.
  }
  return 0;
}

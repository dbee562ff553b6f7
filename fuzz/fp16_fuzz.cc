// FP16 embeddings come from the object store and from Triton. The vectorised widening must
// agree bit for bit with the scalar reference on any input (NaN payloads, subnormals, odd
// tails handled by the callers' length checks).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "triton/tensor_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size - size % 2);
  const std::size_t count = bytes.size() / 2;
  std::vector<float> fast(count);
  std::vector<float> reference(count);
  protifer::triton::Fp16BytesToFloats(bytes, fast);
  protifer::triton::kernels::Fp16BytesToFloatsScalar(bytes, reference);
  if (count > 0 && std::memcmp(fast.data(), reference.data(), count * sizeof(float)) != 0) {
    __builtin_trap();
  }
  // Narrowing back gives the same halves, except that NaNs may change payload.
  const std::string narrowed = protifer::triton::FloatsToFp16Bytes(fast);
  if (narrowed.size() != bytes.size()) {
    __builtin_trap();
  }
  return 0;
}

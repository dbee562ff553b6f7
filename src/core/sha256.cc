#include "core/sha256.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace protifer::core {

Sha256Digest Sha256(std::string_view bytes) {
  Sha256Digest digest{};
  unsigned int length = 0;
  // EVP_Digest only fails on allocation failure or a broken OpenSSL install; neither is a
  // condition a caller could handle, so it is an exception rather than a result.
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    throw std::runtime_error("OpenSSL EVP_Digest(SHA-256) failed");
  }
  return digest;
}

std::string ToLowerHex(const Sha256Digest& digest) {
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  std::string hex;
  hex.reserve(digest.size() * 2);
  for (const std::uint8_t byte : digest) {
    hex += kHexDigits[byte >> 4];
    hex += kHexDigits[byte & 0xF];
  }
  return hex;
}

std::string Sha256Hex(std::string_view bytes) { return ToLowerHex(Sha256(bytes)); }

}  // namespace protifer::core

// SHA-256 (OpenSSL EVP) of a byte string, as node:crypto's createHash("sha256") computes it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace protifer::core {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest Sha256(std::string_view bytes);

// Lower-case hex of the digest (64 characters): digest("hex").
std::string Sha256Hex(std::string_view bytes);

// Lower-case hex of a digest.
std::string ToLowerHex(const Sha256Digest& digest);

}  // namespace protifer::core

#include "core/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace protifer::core {
namespace {

// FIPS 180-2 appendix B examples: known answers independent of this project.
TEST(Sha256, KnownAnswers) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HexIsTheDigestInLowerCase) {
  const Sha256Digest digest = Sha256(std::string("\0\xff", 2));
  const std::string hex = Sha256Hex(std::string("\0\xff", 2));
  ASSERT_EQ(hex.size(), 64u);
  EXPECT_EQ(hex, ToLowerHex(digest));
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(std::stoul(hex.substr(0, 2), nullptr, 16), digest[0]);
}

}  // namespace
}  // namespace protifer::core

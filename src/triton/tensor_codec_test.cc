#include "triton/tensor_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace protifer::triton {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr float kInf = std::numeric_limits<float>::infinity();

std::uint32_t Bits(float value) { return std::bit_cast<std::uint32_t>(value); }

std::string HalfBytes(std::initializer_list<std::uint16_t> halves) {
  std::string out;
  for (std::uint16_t half : halves) {
    out.push_back(static_cast<char>(half & 0xffU));
    out.push_back(static_cast<char>(half >> 8));
  }
  return out;
}

// Runs `fn` and returns the CodecError message, or a marker when nothing (or something else)
// was thrown, so EXPECT_EQ on the text fails readably.
template <typename Fn>
std::string CodecErrorMessage(Fn&& fn) {
  try {
    fn();
  } catch (const CodecError& error) {
    return error.what();
  }
  return "<no CodecError thrown>";
}

// Same float, or both NaN (payload quieting is allowed to differ between kernels).
void ExpectSameFloat(float expected, float actual, std::uint32_t context) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << "context 0x" << std::hex << context;
    EXPECT_EQ(std::signbit(expected), std::signbit(actual)) << "context 0x" << std::hex << context;
  } else {
    EXPECT_EQ(Bits(expected), Bits(actual)) << "context 0x" << std::hex << context;
  }
}

bool IsHalfNan(std::uint16_t half) { return (half & 0x7c00U) == 0x7c00U && (half & 0x3ffU) != 0; }

// ---- FP16 scalar -----------------------------------------------------------------------

TEST(HalfToFloat, WidensEdgeValuesExactly) {
  EXPECT_EQ(Bits(HalfToFloat(0x0000)), Bits(0.0f));
  EXPECT_EQ(Bits(HalfToFloat(0x8000)), Bits(-0.0f));
  EXPECT_EQ(HalfToFloat(0x3c00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xbc00), -1.0f);
  EXPECT_EQ(HalfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(HalfToFloat(0xfbff), -65504.0f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));     // ~5.96e-8
  EXPECT_EQ(HalfToFloat(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(HalfToFloat(0x0400), std::ldexp(1.0f, -14));     // smallest normal
  EXPECT_EQ(HalfToFloat(0x3555), std::ldexp(1365.0f, -12));  // 0.333251953125
  EXPECT_EQ(HalfToFloat(0x7c00), kInf);
  EXPECT_EQ(HalfToFloat(0xfc00), -kInf);
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7e00)));
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7c01)));  // signalling pattern stays NaN, not inf
  EXPECT_TRUE(std::signbit(HalfToFloat(0xfe00)));
}

TEST(HalfToFloat, EveryFiniteHalfRoundTripsThroughFloatToHalf) {
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    const auto half = static_cast<std::uint16_t>(bits);
    if (IsHalfNan(half)) {
      EXPECT_TRUE(IsHalfNan(FloatToHalf(HalfToFloat(half)))) << std::hex << bits;
    } else {
      ASSERT_EQ(FloatToHalf(HalfToFloat(half)), half) << std::hex << bits;
    }
  }
}

TEST(FloatToHalf, NarrowsEdgeValues) {
  EXPECT_EQ(FloatToHalf(0.0f), 0x0000);
  EXPECT_EQ(FloatToHalf(-0.0f), 0x8000);
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-1.0f), 0xbc00);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(-65504.0f), 0xfbff);
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(FloatToHalf(std::ldexp(1023.0f, -24)), 0x03ff);
  EXPECT_EQ(FloatToHalf(kInf), 0x7c00);
  EXPECT_EQ(FloatToHalf(-kInf), 0xfc00);
  EXPECT_TRUE(IsHalfNan(FloatToHalf(std::numeric_limits<float>::quiet_NaN())));
  // A signalling float NaN whose payload lives only in the low 13 bits must not become inf.
  EXPECT_TRUE(IsHalfNan(FloatToHalf(std::bit_cast<float>(std::uint32_t{0x7f800001U}))));
  EXPECT_TRUE(IsHalfNan(FloatToHalf(std::bit_cast<float>(std::uint32_t{0xff800001U}))));
}

TEST(FloatToHalf, OverflowsOnlyPastTheRoundingBoundary) {
  // 65519.996 is below the midpoint 65520 between 65504 and 2^16: stays finite.
  EXPECT_EQ(FloatToHalf(std::nextafter(65520.0f, 0.0f)), 0x7bff);
  EXPECT_EQ(FloatToHalf(65510.0f), 0x7bff);
  EXPECT_EQ(FloatToHalf(-65519.0f), 0xfbff);
  // The midpoint ties to the even neighbour 2^16, which is infinity.
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(FloatToHalf(-65520.0f), 0xfc00);
  EXPECT_EQ(FloatToHalf(1e10f), 0x7c00);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::max()), 0x7c00);
}

TEST(FloatToHalf, RoundsTiesToEven) {
  // Between 1 (0x3c00) and 1 + 2^-10 (0x3c01): the tie goes down to the even 0x3c00.
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // Between 0x3c01 and 0x3c02: the tie goes up to the even 0x3c02.
  EXPECT_EQ(FloatToHalf(1.0f + 3.0f * std::ldexp(1.0f, -11)), 0x3c02);
  // Just off the tie rounds to the nearer neighbour.
  EXPECT_EQ(FloatToHalf(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)), 0x3c01);
  EXPECT_EQ(FloatToHalf(std::nextafter(1.0f + 3.0f * std::ldexp(1.0f, -11), 0.0f)), 0x3c01);
  // 2049 is halfway between 2048 and 2050 (ulp 2 there): ties to even mantissa -> 2048.
  EXPECT_EQ(HalfToFloat(FloatToHalf(2049.0f)), 2048.0f);
  EXPECT_EQ(HalfToFloat(FloatToHalf(2051.0f)), 2052.0f);
  // 2047.5 ties between 2047 (odd, mantissa all ones) and 2048 (even): rounding up carries
  // out of the mantissa into the exponent.
  EXPECT_EQ(HalfToFloat(FloatToHalf(2047.5f)), 2048.0f);
}

TEST(FloatToHalf, RoundsIntoAndOutOfSubnormals) {
  const float min_sub = std::ldexp(1.0f, -24);
  // Half of the smallest subnormal ties to even zero; anything above rounds up to it.
  EXPECT_EQ(FloatToHalf(min_sub / 2), 0x0000);
  EXPECT_EQ(FloatToHalf(-min_sub / 2), 0x8000);
  EXPECT_EQ(FloatToHalf(std::nextafter(min_sub / 2, 1.0f)), 0x0001);
  EXPECT_EQ(FloatToHalf(min_sub / 4), 0x0000);
  EXPECT_EQ(FloatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
  // 1.5 * 2^-24 ties between 1 and 2 (subnormal units): to even 2.
  EXPECT_EQ(FloatToHalf(1.5f * min_sub), 0x0002);
  EXPECT_EQ(FloatToHalf(2.5f * min_sub), 0x0002);
  // Between the largest subnormal and the smallest normal: tie goes to even 0x0400.
  EXPECT_EQ(FloatToHalf(1023.5f * min_sub), 0x0400);
  EXPECT_EQ(FloatToHalf(std::nextafter(1023.5f * min_sub, 0.0f)), 0x03ff);
}

TEST(Fp16Bytes, OneEncodesAsLittleEndianBytes) {
  const std::vector<float> one = {1.0f};
  EXPECT_EQ(FloatsToFp16Bytes(one), std::string("\x00\x3c", 2));
  EXPECT_EQ(kernels::FloatsToFp16BytesScalar(one), std::string("\x00\x3c", 2));
  EXPECT_THAT(Fp16BytesToFloats(std::string("\x00\x3c\x00\xbc", 4)), ElementsAre(1.0f, -1.0f));
}

TEST(Fp16Bytes, EdgeValuesRoundTripThroughBuffers) {
  const std::vector<float> values = {0.0f,
                                     -0.0f,
                                     1.0f,
                                     -1.0f,
                                     65504.0f,
                                     -65504.0f,
                                     std::ldexp(1.0f, -24),
                                     std::ldexp(1023.0f, -24),
                                     kInf,
                                     -kInf,
                                     std::numeric_limits<float>::quiet_NaN()};
  const std::vector<float> back = Fp16BytesToFloats(FloatsToFp16Bytes(values));
  ASSERT_EQ(back.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    ExpectSameFloat(values[i], back[i], static_cast<std::uint32_t>(i));
  }
}

TEST(Fp16Bytes, RandomValuesRoundTripWithinHalfPrecision) {
  std::mt19937 rng(12345);
  std::uniform_real_distribution<float> magnitude(-20.0f, 15.0f);  // exponent range of half
  std::vector<float> values(4096);
  for (float& value : values) {
    value = std::exp2(magnitude(rng)) * (rng() % 2 == 0 ? 1.0f : -1.0f);
  }
  const std::vector<float> back = Fp16BytesToFloats(FloatsToFp16Bytes(values));
  ASSERT_EQ(back.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    // Half an ulp relative (2^-11) for normals, half the subnormal step absolute below 2^-14.
    const float bound =
        std::max(std::abs(values[i]) * std::ldexp(1.0f, -11), std::ldexp(1.0f, -25));
    EXPECT_LE(std::abs(back[i] - values[i]), bound) << values[i];
  }
}

TEST(Fp16Bytes, OddLengthIsRejected) {
  EXPECT_EQ(CodecErrorMessage([] { Fp16BytesToFloats(std::string("\x00\x3c\x00", 3)); }),
            "FP16 buffer length 3 must be even");
  std::vector<float> out(1);
  EXPECT_EQ(CodecErrorMessage([&] { Fp16BytesToFloats(std::string(1, '\0'), out); }),
            "FP16 buffer length 1 must be even");
  EXPECT_THAT(Fp16BytesToFloats(std::string()), IsEmpty());
}

TEST(Fp16Bytes, OutputSizeMismatchIsAProgrammingError) {
  std::vector<float> out(3);
  EXPECT_THROW(Fp16BytesToFloats(HalfBytes({0x3c00, 0x3c00}), out), std::invalid_argument);
}

// ---- FP16 SIMD against scalar ----------------------------------------------------------

TEST(Fp16Simd, WideningMatchesScalarForAllHalfPatterns) {
  std::string bytes;
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    bytes.push_back(static_cast<char>(bits & 0xffU));
    bytes.push_back(static_cast<char>(bits >> 8));
  }
  std::vector<float> fast(65536);
  std::vector<float> scalar(65536);
  Fp16BytesToFloats(bytes, fast);
  kernels::Fp16BytesToFloatsScalar(bytes, scalar);
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    ExpectSameFloat(scalar[bits], fast[bits], bits);
    ExpectSameFloat(HalfToFloat(static_cast<std::uint16_t>(bits)), fast[bits], bits);
  }
  if (!kernels::SimdAvailable()) {
    GTEST_SKIP() << "no AVX2/F16C on this CPU: only the scalar path was checked";
  }
}

TEST(Fp16Simd, WideningHandlesEveryTailLengthAndMisalignment) {
  std::mt19937 rng(7);
  std::string storage(2 * 80 + 1, '\0');
  for (char& byte : storage) {
    byte = static_cast<char>(rng() & 0xffU);
  }
  for (std::size_t start = 0; start < 2; ++start) {
    for (std::size_t count = 0; count <= 80; ++count) {
      const std::string_view bytes(storage.data() + start, 2 * count);
      std::vector<float> fast(count + 1, 42.0f);  // sentinel past the end
      std::vector<float> scalar(count);
      Fp16BytesToFloats(bytes, std::span<float>(fast.data(), count));
      kernels::Fp16BytesToFloatsScalar(bytes, scalar);
      for (std::size_t i = 0; i < count; ++i) {
        ExpectSameFloat(scalar[i], fast[i], static_cast<std::uint32_t>(count * 1000 + i));
      }
      EXPECT_EQ(fast[count], 42.0f) << "wrote past the end for count " << count;
    }
  }
}

std::vector<float> NarrowingProbeValues() {
  std::vector<float> values;
  // Every half value, every midpoint between neighbours (the ties) and the floats just
  // around each midpoint; includes the subnormal/normal boundary and 65504..65536.
  for (std::uint32_t bits = 0; bits < 0x7c00; ++bits) {
    const float low = HalfToFloat(static_cast<std::uint16_t>(bits));
    const float high =
        bits + 1 == 0x7c00 ? 65536.0f : HalfToFloat(static_cast<std::uint16_t>(bits + 1));
    const float mid = (low + high) / 2;  // exact: needs 12 significant bits
    for (float value : {low, mid, std::nextafter(mid, 0.0f), std::nextafter(mid, kInf)}) {
      values.push_back(value);
      values.push_back(-value);
    }
  }
  // Arbitrary float bit patterns: NaNs, infinities, huge values, float subnormals.
  std::mt19937 rng(99);
  for (int i = 0; i < 200000; ++i) {
    values.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng())));
  }
  for (std::uint32_t bits : {0x7f800000U, 0xff800000U, 0x7fc00000U, 0x7f800001U, 0xffbfffffU,
                             0x00000001U, 0x80000001U, 0x477fefffU, 0x477ff000U, 0x7f7fffffU}) {
    values.push_back(std::bit_cast<float>(bits));
  }
  return values;
}

TEST(Fp16Simd, NarrowingMatchesScalarIncludingTiesAndSubnormalBoundaries) {
  const std::vector<float> values = NarrowingProbeValues();
  const std::string fast = FloatsToFp16Bytes(values);
  const std::string scalar = kernels::FloatsToFp16BytesScalar(values);
  ASSERT_EQ(fast.size(), scalar.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint16_t f = 0;
    std::uint16_t s = 0;
    std::memcpy(&f, fast.data() + 2 * i, 2);
    std::memcpy(&s, scalar.data() + 2 * i, 2);
    const bool same = IsHalfNan(s) ? IsHalfNan(f) && (f & 0x8000U) == (s & 0x8000U) : f == s;
    if (!same && ++mismatches <= 10) {
      ADD_FAILURE() << "float bits 0x" << std::hex << Bits(values[i]) << ": simd 0x" << f
                    << " scalar 0x" << s;
    }
    ASSERT_EQ(s, FloatToHalf(values[i]));
  }
  EXPECT_EQ(mismatches, 0U);
  if (!kernels::SimdAvailable()) {
    GTEST_SKIP() << "no AVX2/F16C on this CPU: only the scalar path was checked";
  }
}

// ---- FP32 ------------------------------------------------------------------------------

TEST(Fp32Bytes, RoundTripsBitExactly) {
  const std::vector<float> values = {1.0f, -2.5f, 0.0f, -0.0f, kInf, 3.4e38f, 1e-45f};
  const std::string bytes = FloatsToBytes(values);
  ASSERT_EQ(bytes.size(), 4 * values.size());
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x00\x00\x80\x3f", 4));  // 1.0f little-endian
  const std::vector<float> back = BytesToFloats(bytes);
  ASSERT_EQ(back.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(Bits(back[i]), Bits(values[i]));
  }
  EXPECT_THAT(BytesToFloats(""), IsEmpty());
  EXPECT_THAT(FloatsToBytes({}), IsEmpty());
}

TEST(Fp32Bytes, BadLengthIsRejected) {
  EXPECT_EQ(CodecErrorMessage([] { BytesToFloats(std::string(6, '\0')); }),
            "FP32 buffer length 6 is not a multiple of 4");
}

// ---- BYTES -----------------------------------------------------------------------------

TEST(BytesTensor, SplitsElements) {
  const std::string raw = std::string("\x05\x00\x00\x00hello\x05\x00\x00\x00world", 18);
  EXPECT_THAT(SplitBytesTensor(raw), ElementsAre("hello", "world"));
}

TEST(BytesTensor, EmptyBufferHasNoElements) { EXPECT_THAT(SplitBytesTensor(""), IsEmpty()); }

TEST(BytesTensor, ZeroLengthElementIsKept) {
  const std::string raw = std::string("\x00\x00\x00\x00\x01\x00\x00\x00x\x00\x00\x00\x00", 13);
  EXPECT_THAT(SplitBytesTensor(raw), ElementsAre("", "x", ""));
}

TEST(BytesTensor, TruncatedLengthPrefixIsReported) {
  EXPECT_EQ(CodecErrorMessage([] { SplitBytesTensor(std::string("\x01\x00", 2)); }),
            "readBytesTensor: truncated length prefix at offset 0");
  EXPECT_EQ(CodecErrorMessage([] { SplitBytesTensor(std::string("\x01\x00\x00\x00xyz", 7)); }),
            "readBytesTensor: truncated length prefix at offset 5");
}

TEST(BytesTensor, TruncatedPayloadIsReported) {
  EXPECT_EQ(CodecErrorMessage([] { SplitBytesTensor(std::string("\x05\x00\x00\x00hel", 7)); }),
            "readBytesTensor: truncated payload — need 5 bytes at offset 4, have 3");
  EXPECT_EQ(CodecErrorMessage(
                [] { SplitBytesTensor(std::string("\x02\x00\x00\x00hi\x03\x00\x00\x00", 10)); }),
            "readBytesTensor: truncated payload — need 3 bytes at offset 10, have 0");
}

TEST(BytesTensor, HugeLengthPrefixIsRejectedWithoutOverflow) {
  EXPECT_EQ(CodecErrorMessage([] {
              SplitBytesTensor(
                  std::string("\xff\xff\xff\xff"
                              "abc",
                              7));
            }),
            "readBytesTensor: truncated payload — need 4294967295 bytes at offset 4, have 3");
  // Little-endian: 0x80000001 = 2147483649.
  EXPECT_EQ(CodecErrorMessage([] { SplitBytesTensor(std::string("\x01\x00\x00\x80", 4)); }),
            "readBytesTensor: truncated payload — need 2147483649 bytes at offset 4, have 0");
}

TEST(BytesTensor, JoinAndSplitRoundTrip) {
  const std::vector<std::string> elements = {"MKV", "", std::string("a\0b", 3),
                                             std::string(300, 'Q')};
  const std::string joined = JoinBytesTensor(elements);
  EXPECT_EQ(joined.size(), 4 * 4 + 3 + 0 + 3 + 300);
  EXPECT_EQ(joined.substr(0, 7), std::string("\x03\x00\x00\x00MKV", 7));
  EXPECT_EQ(joined.substr(18, 4), std::string("\x2c\x01\x00\x00", 4));  // 300 little-endian
  EXPECT_EQ(SplitBytesTensor(joined), elements);
  EXPECT_THAT(JoinBytesTensor({}), IsEmpty());
}

// ---- Transpose -------------------------------------------------------------------------

std::vector<float> NaiveTranspose(const std::vector<float>& src, std::size_t rows,
                                  std::size_t cols) {
  std::vector<float> dst(src.size());
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      dst[c * rows + r] = src[r * cols + c];
    }
  }
  return dst;
}

using Shape = std::pair<std::size_t, std::size_t>;  // rows, cols
class TransposeShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(TransposeShapes, MatchesNaiveReference) {
  const auto [rows, cols] = GetParam();
  std::vector<float> src(rows * cols);
  for (std::size_t i = 0; i < src.size(); ++i) {
    src[i] = static_cast<float>(i) + 0.25f;  // distinct values expose any misplaced element
  }
  const std::vector<float> expected = NaiveTranspose(src, rows, cols);
  std::vector<float> dispatched(src.size(), -1.0f);
  std::vector<float> scalar(src.size(), -1.0f);
  Transpose(src, rows, cols, dispatched);
  kernels::TransposeScalar(src, rows, cols, scalar);
  EXPECT_EQ(dispatched, expected);
  EXPECT_EQ(scalar, expected);
}

std::string ShapeName(const ::testing::TestParamInfo<Shape>& shape) {
  return std::to_string(shape.param.first) + "x" + std::to_string(shape.param.second);
}

INSTANTIATE_TEST_SUITE_P(OddAndRealSizes, TransposeShapes,
                         ::testing::Values(Shape{1, 1}, Shape{3, 5}, Shape{8, 8}, Shape{33, 65},
                                           Shape{65, 33}, Shape{1, 1024}, Shape{1024, 1},
                                           Shape{0, 7}, Shape{37, 300}, Shape{17, 513},
                                           Shape{400, 1024}, Shape{131, 1024}),
                         ShapeName);

TEST(Transpose, SizeMismatchThrows) {
  std::vector<float> src(6);
  std::vector<float> dst(5);
  EXPECT_THROW(Transpose(src, 2, 3, dst), std::invalid_argument);
  std::vector<float> dst6(6);
  EXPECT_THROW(Transpose(src, 3, 3, dst6), std::invalid_argument);
  const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
  EXPECT_THROW(Transpose(src, huge, 4, dst6), std::invalid_argument);
}

// ---- Response readers ------------------------------------------------------------------

inference::ModelInferResponse::InferOutputTensor* AddOutput(inference::ModelInferResponse& response,
                                                            const std::string& name,
                                                            const std::string& datatype,
                                                            const std::string& raw) {
  auto* output = response.add_outputs();
  output->set_name(name);
  output->set_datatype(datatype);
  response.add_raw_output_contents(raw);
  return output;
}

TEST(ReadFp32Output, PrefersRawContents) {
  inference::ModelInferResponse response;
  const std::vector<float> raw_values = {1.5f, -2.0f};
  auto* output = AddOutput(response, "out", "FP32", FloatsToBytes(raw_values));
  output->mutable_contents()->add_fp32_contents(99.0f);
  EXPECT_THAT(ReadFp32Output(response, 0), ElementsAre(1.5f, -2.0f));
}

TEST(ReadFp32Output, FallsBackToTypedContents) {
  inference::ModelInferResponse response;
  auto* output = AddOutput(response, "out", "FP32", "");
  output->mutable_contents()->add_fp32_contents(3.0f);
  output->mutable_contents()->add_fp32_contents(4.0f);
  EXPECT_THAT(ReadFp32Output(response, 0), ElementsAre(3.0f, 4.0f));

  // No raw_output_contents entries at all (Triton used typed contents only).
  inference::ModelInferResponse typed_only;
  typed_only.add_outputs()->mutable_contents()->add_fp32_contents(7.0f);
  EXPECT_THAT(ReadFp32Output(typed_only, 0), ElementsAre(7.0f));
}

TEST(ReadFp32Output, BothEmptyGivesEmpty) {
  inference::ModelInferResponse response;
  AddOutput(response, "out", "FP32", "");
  EXPECT_THAT(ReadFp32Output(response, 0), IsEmpty());
  EXPECT_THAT(ReadFp32Output(response, 5), IsEmpty());  // index past the end: nothing there
}

TEST(ReadFp32Output, RawNotMultipleOfFourIsReported) {
  inference::ModelInferResponse response;
  AddOutput(response, "a", "FP32", FloatsToBytes(std::vector<float>{1.0f}));
  AddOutput(response, "b", "FP32", std::string(7, '\0'));
  EXPECT_EQ(CodecErrorMessage([&] { ReadFp32Output(response, 1); }),
            "raw_output_contents[1] length 7 is not a multiple of 4 (FP32)");
}

TEST(FindOutput, LocatesOutputsByNameInReversedOrder) {
  // The tmbed ensemble answers with outputs in the reverse of the requested order.
  inference::ModelInferResponse response;
  AddOutput(response, "probabilities", "FP32", FloatsToBytes(std::vector<float>{0.5f}));
  AddOutput(response, "prediction", "FP32", FloatsToBytes(std::vector<float>{2.0f}));
  const auto prediction = FindOutput(response, "prediction");
  const auto probabilities = FindOutput(response, "probabilities");
  ASSERT_TRUE(prediction.has_value());
  ASSERT_TRUE(probabilities.has_value());
  EXPECT_EQ(*prediction, 1U);
  EXPECT_EQ(*probabilities, 0U);
  EXPECT_THAT(ReadFp32Output(response, *prediction), ElementsAre(2.0f));
  EXPECT_THAT(ReadFp32Output(response, *probabilities), ElementsAre(0.5f));
  EXPECT_FALSE(FindOutput(response, "missing").has_value());
  EXPECT_FALSE(FindOutput(response, "predict").has_value());  // whole-name match only
}

TEST(FindOutput, ReturnsTheFirstOfDuplicateNames) {
  inference::ModelInferResponse response;
  AddOutput(response, "x", "FP32", "");
  AddOutput(response, "y", "FP32", "");
  AddOutput(response, "y", "FP32", "");
  EXPECT_EQ(FindOutput(response, "y"), std::optional<std::size_t>(1));
}

TEST(ReadFloatOutput, WidensFp16Raw) {
  inference::ModelInferResponse response;
  AddOutput(response, "embedding", "FP16", HalfBytes({0x3c00, 0xc000, 0x0001}));
  EXPECT_THAT(ReadFloatOutput(response, 0), ElementsAre(1.0f, -2.0f, std::ldexp(1.0f, -24)));
}

TEST(ReadFloatOutput, Fp16OddLengthIsACodecError) {
  inference::ModelInferResponse response;
  AddOutput(response, "embedding", "FP16", std::string(5, '\0'));
  EXPECT_THROW(ReadFloatOutput(response, 0), CodecError);
}

TEST(ReadFloatOutput, Fp16WithoutRawIsEmpty) {
  inference::ModelInferResponse response;
  AddOutput(response, "embedding", "FP16", "");
  EXPECT_THAT(ReadFloatOutput(response, 0), IsEmpty());
}

TEST(ReadFloatOutput, Fp32ReadsLikeReadFp32Output) {
  inference::ModelInferResponse response;
  AddOutput(response, "raw", "FP32", FloatsToBytes(std::vector<float>{0.25f}));
  AddOutput(response, "typed", "FP32", "")->mutable_contents()->add_fp32_contents(8.0f);
  AddOutput(response, "bad", "FP32", std::string(3, '\0'));
  EXPECT_THAT(ReadFloatOutput(response, 0), ElementsAre(0.25f));
  EXPECT_THAT(ReadFloatOutput(response, 1), ElementsAre(8.0f));
  EXPECT_EQ(CodecErrorMessage([&] { ReadFloatOutput(response, 2); }),
            "raw_output_contents[2] length 3 is not a multiple of 4 (FP32)");
}

TEST(ReadFloatOutput, OtherDatatypeIsRejected) {
  inference::ModelInferResponse response;
  AddOutput(response, "ids", "INT64", std::string(8, '\0'));
  EXPECT_EQ(CodecErrorMessage([&] { ReadFloatOutput(response, 0); }),
            "output 'ids' has datatype INT64, expected FP16 or FP32");
  EXPECT_EQ(CodecErrorMessage([&] { ReadFloatOutput(response, 1); }),
            "output index 1 out of range (1 outputs)");
}

TEST(ReadBytesOutputBuffer, PrefersRaw) {
  inference::ModelInferResponse response;
  const std::vector<std::string> elements = {"abc"};
  auto* output = AddOutput(response, "seq", "BYTES", JoinBytesTensor(elements));
  output->mutable_contents()->add_bytes_contents("ignored");
  EXPECT_EQ(ReadBytesOutputBuffer(response, 0), std::string("\x03\x00\x00\x00"
                                                            "abc",
                                                            7));
}

TEST(ReadBytesOutputBuffer, ResynthesisesFromBytesContents) {
  inference::ModelInferResponse response;
  auto* output = AddOutput(response, "seq", "BYTES", "");
  output->mutable_contents()->add_bytes_contents("hello");
  output->mutable_contents()->add_bytes_contents("");
  output->mutable_contents()->add_bytes_contents("world");
  const std::string buffer = ReadBytesOutputBuffer(response, 0);
  EXPECT_EQ(buffer, std::string("\x05\x00\x00\x00hello\x00\x00\x00\x00\x05\x00\x00\x00world", 22));
  EXPECT_THAT(SplitBytesTensor(buffer), ElementsAre("hello", "", "world"));
}

TEST(ReadBytesOutputBuffer, NothingGivesEmpty) {
  inference::ModelInferResponse response;
  AddOutput(response, "seq", "BYTES", "");
  EXPECT_THAT(ReadBytesOutputBuffer(response, 0), IsEmpty());
  EXPECT_THAT(ReadBytesOutputBuffer(response, 3), IsEmpty());
}

}  // namespace
}  // namespace protifer::triton

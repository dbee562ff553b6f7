#include "triton/tensor_codec.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define PROTIFER_CODEC_X86 1
#else
#define PROTIFER_CODEC_X86 0
#endif

namespace protifer::triton {

// KServe raw tensors are little-endian. Copying floats and halves with memcpy is only
// correct on a little-endian host; the deployment target is x86-64, so we assert it
// instead of paying for byte swaps nobody needs.
static_assert(std::endian::native == std::endian::little,
              "tensor codecs memcpy little-endian wire bytes; add byte swaps for this host");
static_assert(sizeof(float) == 4 && std::numeric_limits<float>::is_iec559,
              "codecs assume IEEE-754 binary32 floats");

namespace {

// ---- FP16 scalar kernels ---------------------------------------------------------------

constexpr std::uint32_t kFloatSignMask = 0x8000'0000U;
constexpr std::uint32_t kFloatAbsMask = 0x7fff'ffffU;
constexpr std::uint32_t kFloatInfBits = 0x7f80'0000U;
constexpr std::uint32_t kFloatQuietBit = 0x0040'0000U;
// Smallest float that rounds (to nearest even) to half infinity: 65520 = 65504 + half an ulp;
// the tie goes to the even neighbour 2^16, which is infinity.
constexpr std::uint32_t kHalfOverflowBits = 0x477f'f000U;
// 2^-14: the smallest normal half. Anything below becomes a half subnormal (or zero).
constexpr std::uint32_t kHalfMinNormalBits = 0x3880'0000U;
// float exponent bias (127) minus half exponent bias (15), in float exponent field units.
constexpr std::uint32_t kRebiasFloatToHalf = 112U << 23;

std::uint16_t LoadHalf(const char* bytes) {
  std::uint16_t half = 0;
  std::memcpy(&half, bytes, sizeof half);  // little-endian host (static_assert above)
  return half;
}

void HalvesToFloatsScalar(const char* src, std::size_t count, float* dst) {
  for (std::size_t i = 0; i < count; ++i) {
    dst[i] = HalfToFloat(LoadHalf(src + 2 * i));
  }
}

void FloatsToHalvesScalar(const float* src, std::size_t count, char* dst) {
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint16_t half = FloatToHalf(src[i]);
    std::memcpy(dst + 2 * i, &half, sizeof half);
  }
}

// ---- Transpose scalar kernel -----------------------------------------------------------

// The scalar path walks square tiles so that both the rows read and the columns written stay
// in L1/L2 while a tile is processed: a naive transpose of [3500, 1024] touches a new cache
// line on every store.
constexpr std::size_t kScalarTile = 32;

// Transposes the [nr, nc] block at `src` (row stride src_stride) into `dst` (row stride
// dst_stride): dst[c * dst_stride + r] = src[r * src_stride + c].
void TransposeBlockScalar(const float* src, std::size_t src_stride, float* dst,
                          std::size_t dst_stride, std::size_t nr, std::size_t nc) {
  for (std::size_t r = 0; r < nr; ++r) {
    for (std::size_t c = 0; c < nc; ++c) {
      dst[c * dst_stride + r] = src[r * src_stride + c];
    }
  }
}

void TransposeTiledScalar(const float* src, std::size_t rows, std::size_t cols, float* dst) {
  for (std::size_t rb = 0; rb < rows; rb += kScalarTile) {
    const std::size_t nr = std::min(kScalarTile, rows - rb);
    for (std::size_t cb = 0; cb < cols; cb += kScalarTile) {
      const std::size_t nc = std::min(kScalarTile, cols - cb);
      TransposeBlockScalar(src + rb * cols + cb, cols, dst + cb * rows + rb, rows, nr, nc);
    }
  }
}

void CheckTransposeArgs(std::span<const float> src, std::size_t rows, std::size_t cols,
                        std::span<float> dst) {
  if (cols != 0 && rows > std::numeric_limits<std::size_t>::max() / cols) {
    throw std::invalid_argument("Transpose: rows * cols overflows size_t");
  }
  const std::size_t count = rows * cols;
  if (src.size() != count || dst.size() != count) {
    throw std::invalid_argument("Transpose: src (" + std::to_string(src.size()) + ") and dst (" +
                                std::to_string(dst.size()) + ") must both hold rows * cols (" +
                                std::to_string(rows) + " * " + std::to_string(cols) + ") elements");
  }
}

std::size_t CheckedHalfCount(std::string_view bytes) {
  if (bytes.size() % 2 != 0) {
    throw CodecError("FP16 buffer length " + std::to_string(bytes.size()) + " must be even");
  }
  return bytes.size() / 2;
}

void CheckHalfOutput(std::size_t count, std::span<float> out) {
  if (out.size() != count) {
    throw std::invalid_argument("Fp16BytesToFloats: output holds " + std::to_string(out.size()) +
                                " floats, input has " + std::to_string(count) + " halves");
  }
}

// ---- AVX2 / F16C kernels ---------------------------------------------------------------

#if PROTIFER_CODEC_X86

bool CpuHasF16c() {
#if defined(__clang__) && __clang_major__ < 16
  // clang < 16 rejects "f16c" in __builtin_cpu_supports (and libFuzzer builds need clang):
  // read CPUID leaf 1 directly. AVX2 being usable already implies the OS saves YMM state.
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
#else
  return __builtin_cpu_supports("f16c") != 0;
#endif
}

bool DetectSimd() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0 && CpuHasF16c();
}

// VCVTPH2PS widens exactly, half subnormals included, so it matches HalfToFloat bit for bit
// (the tests compare all 65536 patterns). Half subnormals become float normals, so MXCSR
// FTZ/DAZ cannot flush them (also checked by hand with both bits set on the dev host).
__attribute__((target("avx2,f16c"))) void HalvesToFloatsF16c(const char* src, std::size_t count,
                                                             float* dst) {
  std::size_t i = 0;
  // Four independent 8-lane conversions per iteration keep the load/convert/store ports busy.
  for (; i + 32 <= count; i += 32) {
    const auto* in = reinterpret_cast<const __m128i_u*>(src + 2 * i);
    const __m256 a = _mm256_cvtph_ps(_mm_loadu_si128(in + 0));
    const __m256 b = _mm256_cvtph_ps(_mm_loadu_si128(in + 1));
    const __m256 c = _mm256_cvtph_ps(_mm_loadu_si128(in + 2));
    const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(in + 3));
    _mm256_storeu_ps(dst + i + 0, a);
    _mm256_storeu_ps(dst + i + 8, b);
    _mm256_storeu_ps(dst + i + 16, c);
    _mm256_storeu_ps(dst + i + 24, d);
  }
  for (; i + 8 <= count; i += 8) {
    const auto* in = reinterpret_cast<const __m128i_u*>(src + 2 * i);
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(in)));
  }
  HalvesToFloatsScalar(src + 2 * i, count - i, dst + i);
}

// Rounding immediate 0 (_MM_FROUND_TO_NEAREST_INT) selects round-to-nearest-even whatever
// MXCSR.RC says, matching FloatToHalf.
__attribute__((target("avx2,f16c"))) void FloatsToHalvesF16c(const float* src, std::size_t count,
                                                             char* dst) {
  std::size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    auto* out = reinterpret_cast<__m128i_u*>(dst + 2 * i);
    const __m128i a = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
    const __m128i b = _mm256_cvtps_ph(_mm256_loadu_ps(src + i + 8), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(out + 0, a);
    _mm_storeu_si128(out + 1, b);
  }
  for (; i + 8 <= count; i += 8) {
    auto* out = reinterpret_cast<__m128i_u*>(dst + 2 * i);
    _mm_storeu_si128(out, _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  }
  FloatsToHalvesScalar(src + i, count - i, dst + 2 * i);
}

// 8x8 in-register transpose. Rows i and i + 4 are loaded into the two 128-bit lanes of one
// register (the lane insert runs on the load ports), which leaves two shuffle stages that
// stay within lanes instead of three.
__attribute__((target("avx2"))) inline __m256 LoadRowPair(const float* low, const float* high) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(low)), _mm_loadu_ps(high), 1);
}

__attribute__((target("avx2"))) void Transpose8x8Avx(const float* src, std::size_t src_stride,
                                                     float* dst, std::size_t dst_stride) {
  // Rows a..h, columns 0..7. r0 = a0 a1 a2 a3 | e0 e1 e2 e3, r4 = a4 a5 a6 a7 | e4 e5 e6 e7.
  const float* a = src;
  const __m256 r0 = LoadRowPair(a + 0 * src_stride, a + 4 * src_stride);
  const __m256 r1 = LoadRowPair(a + 1 * src_stride, a + 5 * src_stride);
  const __m256 r2 = LoadRowPair(a + 2 * src_stride, a + 6 * src_stride);
  const __m256 r3 = LoadRowPair(a + 3 * src_stride, a + 7 * src_stride);
  const __m256 r4 = LoadRowPair(a + 0 * src_stride + 4, a + 4 * src_stride + 4);
  const __m256 r5 = LoadRowPair(a + 1 * src_stride + 4, a + 5 * src_stride + 4);
  const __m256 r6 = LoadRowPair(a + 2 * src_stride + 4, a + 6 * src_stride + 4);
  const __m256 r7 = LoadRowPair(a + 3 * src_stride + 4, a + 7 * src_stride + 4);
  // t0 = a0 b0 a1 b1 | e0 f0 e1 f1, t1 = a2 b2 a3 b3 | e2 f2 e3 f3, t2/t3 the same for c, d.
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1);
  const __m256 t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3);
  const __m256 t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5);
  const __m256 t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7);
  const __m256 t7 = _mm256_unpackhi_ps(r6, r7);
  // Column k = a_k b_k c_k d_k | e_k f_k g_k h_k.
  _mm256_storeu_ps(dst + 0 * dst_stride, _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)));
  _mm256_storeu_ps(dst + 1 * dst_stride, _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2)));
  _mm256_storeu_ps(dst + 2 * dst_stride, _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)));
  _mm256_storeu_ps(dst + 3 * dst_stride, _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2)));
  _mm256_storeu_ps(dst + 4 * dst_stride, _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)));
  _mm256_storeu_ps(dst + 5 * dst_stride, _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2)));
  _mm256_storeu_ps(dst + 6 * dst_stride, _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)));
  _mm256_storeu_ps(dst + 7 * dst_stride, _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2)));
}

// The SIMD path walks wide, short tiles of 16 source rows x 256 columns. Measured on [L, 1024]
// inputs against square 16..64 tiles and full-width strips (square 32x32: 25-40% slower):
// - 16 rows = two 8x8 blocks, so each destination row gets 64 contiguous bytes (a whole cache
//   line) while that line is still in L1;
// - source rows of a 1024-float embedding are 4 KiB apart and share an L1 set; going through
//   a tile row block by row block reads each source line while it is still resident;
// - 256 columns keep the destination lines of one tile (256 x 64 B = 16 KiB) within L1.
constexpr std::size_t kSimdTileRows = 16;
constexpr std::size_t kSimdTileCols = 256;

__attribute__((target("avx2"))) void TransposeTiledAvx(const float* src, std::size_t rows,
                                                       std::size_t cols, float* dst) {
  constexpr std::size_t kKernel = 8;
  for (std::size_t rb = 0; rb < rows; rb += kSimdTileRows) {
    const std::size_t nr = std::min(kSimdTileRows, rows - rb);
    const std::size_t nr8 = nr - nr % kKernel;
    for (std::size_t cb = 0; cb < cols; cb += kSimdTileCols) {
      const std::size_t nc = std::min(kSimdTileCols, cols - cb);
      const std::size_t nc8 = nc - nc % kKernel;
      const float* tile_src = src + rb * cols + cb;
      float* tile_dst = dst + cb * rows + rb;
      for (std::size_t r = 0; r < nr8; r += kKernel) {
        for (std::size_t c = 0; c < nc8; c += kKernel) {
          Transpose8x8Avx(tile_src + r * cols + c, cols, tile_dst + c * rows + r, rows);
        }
      }
      // Ragged edges of the tile (only at the matrix border): right strip, then bottom strip.
      TransposeBlockScalar(tile_src + nc8, cols, tile_dst + nc8 * rows, rows, nr8, nc - nc8);
      TransposeBlockScalar(tile_src + nr8 * cols, cols, tile_dst + nr8, rows, nr - nr8, nc);
    }
  }
}

#else

bool DetectSimd() { return false; }

#endif

bool UseSimd() {
  static const bool use_simd = DetectSimd();
  return use_simd;
}

}  // namespace

// ---- FP16 ------------------------------------------------------------------------------

float HalfToFloat(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000U) << 16;
  const std::uint32_t exponent = (half >> 10) & 0x1fU;
  const std::uint32_t mantissa = half & 0x3ffU;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24. Both factors are exact in float and the product
    // needs at most 10 significant bits, so the multiplication is exact.
    const float magnitude =
        static_cast<float>(mantissa) * std::bit_cast<float>(std::uint32_t{0x3380'0000U});
    return std::bit_cast<float>(sign | std::bit_cast<std::uint32_t>(magnitude));
  }
  if (exponent == 0x1f) {
    // Infinity keeps a zero mantissa; NaN keeps its payload and is made quiet, as F16C does.
    const std::uint32_t quiet = mantissa != 0 ? kFloatQuietBit : 0U;
    return std::bit_cast<float>(sign | kFloatInfBits | quiet | (mantissa << 13));
  }
  return std::bit_cast<float>(sign | ((exponent + 112U) << 23) | (mantissa << 13));
}

std::uint16_t FloatToHalf(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((bits & kFloatSignMask) >> 16);
  const std::uint32_t abs = bits & kFloatAbsMask;

  if (abs > kFloatInfBits) {  // NaN: quiet it and keep the top payload bits.
    return static_cast<std::uint16_t>(sign | 0x7e00U | ((abs >> 13) & 0x3ffU));
  }
  if (abs >= kHalfOverflowBits) {  // Infinity, or finite but rounds past 65504.
    return static_cast<std::uint16_t>(sign | 0x7c00U);
  }
  if (abs >= kHalfMinNormalBits) {
    // Drop 13 mantissa bits and rebias; a round-up carry correctly ripples into the exponent.
    std::uint32_t half = (abs - kRebiasFloatToHalf) >> 13;
    const std::uint32_t rest = abs & 0x1fffU;
    if (rest > 0x1000U || (rest == 0x1000U && (half & 1U) != 0)) {
      ++half;
    }
    return static_cast<std::uint16_t>(sign | half);
  }
  // Half subnormal (or zero): the result is round(value * 2^24). With the implicit bit the
  // float is significand * 2^(exponent - 150), so value * 2^24 = significand >> (126 - exponent).
  const std::uint32_t exponent = abs >> 23;
  const std::uint32_t shift = 126U - exponent;  // >= 14 because abs < 2^-14
  if (shift > 24) {
    return sign;  // below 2^-25: rounds to zero (2^-25 itself is the shift == 24 tie case)
  }
  const std::uint32_t significand = (abs & 0x7f'ffffU) | 0x80'0000U;
  std::uint32_t half = significand >> shift;
  const std::uint32_t rest = significand & ((1U << shift) - 1U);
  const std::uint32_t halfway = 1U << (shift - 1U);
  if (rest > halfway || (rest == halfway && (half & 1U) != 0)) {
    ++half;  // may carry into 0x400, the smallest normal: also correct
  }
  return static_cast<std::uint16_t>(sign | half);
}

void Fp16BytesToFloats(std::string_view bytes, std::span<float> out) {
  const std::size_t count = CheckedHalfCount(bytes);
  CheckHalfOutput(count, out);
#if PROTIFER_CODEC_X86
  if (UseSimd()) {
    HalvesToFloatsF16c(bytes.data(), count, out.data());
    return;
  }
#endif
  HalvesToFloatsScalar(bytes.data(), count, out.data());
}

std::vector<float> Fp16BytesToFloats(std::string_view bytes) {
  std::vector<float> out(CheckedHalfCount(bytes));
  Fp16BytesToFloats(bytes, out);
  return out;
}

std::string FloatsToFp16Bytes(std::span<const float> values) {
  std::string out(values.size() * 2, '\0');
#if PROTIFER_CODEC_X86
  if (UseSimd()) {
    FloatsToHalvesF16c(values.data(), values.size(), out.data());
    return out;
  }
#endif
  FloatsToHalvesScalar(values.data(), values.size(), out.data());
  return out;
}

// ---- FP32 little-endian ----------------------------------------------------------------

std::string FloatsToBytes(std::span<const float> values) {
  std::string out(values.size_bytes(), '\0');
  if (!values.empty()) {
    std::memcpy(out.data(), values.data(), values.size_bytes());
  }
  return out;
}

std::vector<float> BytesToFloats(std::string_view bytes) {
  if (bytes.size() % sizeof(float) != 0) {
    throw CodecError("FP32 buffer length " + std::to_string(bytes.size()) +
                     " is not a multiple of 4");
  }
  std::vector<float> out(bytes.size() / sizeof(float));
  if (!bytes.empty()) {
    std::memcpy(out.data(), bytes.data(), bytes.size());
  }
  return out;
}

// ---- BYTES tensors ---------------------------------------------------------------------

std::vector<std::string> SplitBytesTensor(std::string_view raw) {
  constexpr std::size_t kPrefix = 4;
  std::vector<std::string> elements;
  std::size_t offset = 0;
  while (offset < raw.size()) {
    if (raw.size() - offset < kPrefix) {
      throw CodecError("readBytesTensor: truncated length prefix at offset " +
                       std::to_string(offset));
    }
    // Assembled byte by byte: the prefix is little-endian whatever the host.
    std::uint32_t length = 0;
    for (std::size_t k = 0; k < kPrefix; ++k) {
      length |= static_cast<std::uint32_t>(static_cast<unsigned char>(raw[offset + k])) << (8 * k);
    }
    offset += kPrefix;
    // Compare against what is left instead of computing offset + length, which could wrap
    // size_t on 32-bit hosts for a hostile prefix such as 0xffffffff.
    const std::size_t available = raw.size() - offset;
    if (length > available) {
      throw CodecError("readBytesTensor: truncated payload — need " + std::to_string(length) +
                       " bytes at offset " + std::to_string(offset) + ", have " +
                       std::to_string(available));
    }
    elements.emplace_back(raw.substr(offset, length));
    offset += length;
  }
  return elements;
}

namespace {

void AppendBytesElement(std::string& out, std::string_view element, std::size_t index) {
  if (element.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw CodecError("BYTES tensor: element " + std::to_string(index) + " length " +
                     std::to_string(element.size()) + " does not fit a uint32 length prefix");
  }
  const auto length = static_cast<std::uint32_t>(element.size());
  for (std::size_t k = 0; k < 4; ++k) {
    out.push_back(static_cast<char>((length >> (8 * k)) & 0xffU));
  }
  out.append(element);
}

}  // namespace

std::string JoinBytesTensor(std::span<const std::string> elements) {
  std::size_t total = 0;
  for (const std::string& element : elements) {
    total += 4 + element.size();
  }
  std::string out;
  out.reserve(total);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    AppendBytesElement(out, elements[i], i);
  }
  return out;
}

// ---- Layout ----------------------------------------------------------------------------

void Transpose(std::span<const float> src, std::size_t rows, std::size_t cols,
               std::span<float> dst) {
  CheckTransposeArgs(src, rows, cols, dst);
#if PROTIFER_CODEC_X86
  if (UseSimd()) {
    TransposeTiledAvx(src.data(), rows, cols, dst.data());
    return;
  }
#endif
  TransposeTiledScalar(src.data(), rows, cols, dst.data());
}

// ---- Response outputs ------------------------------------------------------------------

std::optional<std::size_t> FindOutput(const inference::ModelInferResponse& response,
                                      std::string_view name) {
  for (int i = 0; i < response.outputs_size(); ++i) {
    if (response.outputs(i).name() == name) {
      return static_cast<std::size_t>(i);
    }
  }
  return std::nullopt;
}

namespace {

// The raw buffer of output `index`, or nullptr when it is absent or empty (both mean "look
// at the typed contents": Triton sends an empty raw entry for outputs it put in `contents`).
const std::string* NonEmptyRaw(const inference::ModelInferResponse& response, std::size_t index) {
  if (index >= static_cast<std::size_t>(response.raw_output_contents_size())) {
    return nullptr;
  }
  const std::string& raw = response.raw_output_contents(static_cast<int>(index));
  return raw.empty() ? nullptr : &raw;
}

const inference::ModelInferResponse::InferOutputTensor* OutputAt(
    const inference::ModelInferResponse& response, std::size_t index) {
  if (index >= static_cast<std::size_t>(response.outputs_size())) {
    return nullptr;
  }
  return &response.outputs(static_cast<int>(index));
}

}  // namespace

std::vector<float> ReadFp32Output(const inference::ModelInferResponse& response,
                                  std::size_t index) {
  if (const std::string* raw = NonEmptyRaw(response, index)) {
    if (raw->size() % sizeof(float) != 0) {
      throw CodecError("raw_output_contents[" + std::to_string(index) + "] length " +
                       std::to_string(raw->size()) + " is not a multiple of 4 (FP32)");
    }
    return BytesToFloats(*raw);
  }
  if (const auto* output = OutputAt(response, index)) {
    const auto& typed = output->contents().fp32_contents();
    return {typed.begin(), typed.end()};
  }
  return {};
}

std::vector<float> ReadFloatOutput(const inference::ModelInferResponse& response,
                                   std::size_t index) {
  const auto* output = OutputAt(response, index);
  if (output == nullptr) {
    throw CodecError("output index " + std::to_string(index) + " out of range (" +
                     std::to_string(response.outputs_size()) + " outputs)");
  }
  if (output->datatype() == "FP16") {
    const std::string* raw = NonEmptyRaw(response, index);
    return raw != nullptr ? Fp16BytesToFloats(*raw) : std::vector<float>{};
  }
  if (output->datatype() == "FP32") {
    return ReadFp32Output(response, index);
  }
  throw CodecError("output '" + output->name() + "' has datatype " + output->datatype() +
                   ", expected FP16 or FP32");
}

std::string ReadBytesOutputBuffer(const inference::ModelInferResponse& response,
                                  std::size_t index) {
  if (const std::string* raw = NonEmptyRaw(response, index)) {
    return *raw;
  }
  std::string out;
  if (const auto* output = OutputAt(response, index)) {
    const auto& typed = output->contents().bytes_contents();
    std::size_t i = 0;
    for (const std::string& element : typed) {
      AppendBytesElement(out, element, i++);
    }
  }
  return out;
}

// ---- Kernels ---------------------------------------------------------------------------

namespace kernels {

bool SimdAvailable() { return UseSimd(); }

void Fp16BytesToFloatsScalar(std::string_view bytes, std::span<float> out) {
  const std::size_t count = CheckedHalfCount(bytes);
  CheckHalfOutput(count, out);
  HalvesToFloatsScalar(bytes.data(), count, out.data());
}

std::string FloatsToFp16BytesScalar(std::span<const float> values) {
  std::string out(values.size() * 2, '\0');
  FloatsToHalvesScalar(values.data(), values.size(), out.data());
  return out;
}

void TransposeScalar(std::span<const float> src, std::size_t rows, std::size_t cols,
                     std::span<float> dst) {
  CheckTransposeArgs(src, rows, cols, dst);
  TransposeTiledScalar(src.data(), rows, cols, dst.data());
}

}  // namespace kernels

}  // namespace protifer::triton

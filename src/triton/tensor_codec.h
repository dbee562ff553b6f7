// Tensor codecs for the KServe v2 wire format: FP16 <-> FP32, little-endian FP32,
// BYTES (4-byte length prefix + payload) split and join, channels-first transpose, and
// reading a response output from raw_output_contents with the typed `contents` fallback.
//
// Pure functions of bytes: no gRPC calls, no allocation beyond the returned values.
// Every decoder bounds-checks its input and throws CodecError with a readable message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kserve/grpc_service.pb.h"

namespace protifer::triton {

// Malformed tensor bytes (odd FP16 length, truncated BYTES element, ...).
class CodecError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- FP16 (IEEE 754 binary16) ----------------------------------------------------------

// Exact widening of one half (bit pattern) to float: subnormals, +-0, +-inf and NaN kept.
float HalfToFloat(std::uint16_t half);
// Narrowing with round-to-nearest-even; overflow -> +-inf, NaN stays NaN (quiet).
std::uint16_t FloatToHalf(float value);

// Widens little-endian FP16 bytes into `out` (out.size() must be bytes.size() / 2, else
// std::invalid_argument). Throws CodecError "FP16 buffer length <n> must be even" on odd length.
// Uses F16C when the CPU has it (see kernels::SimdAvailable); results are bit-identical.
void Fp16BytesToFloats(std::string_view bytes, std::span<float> out);
std::vector<float> Fp16BytesToFloats(std::string_view bytes);
// Little-endian FP16 bytes of `values`.
std::string FloatsToFp16Bytes(std::span<const float> values);

// ---- FP32 little-endian ----------------------------------------------------------------

// Raw little-endian bytes of `values` (what raw_input_contents carries for FP32).
std::string FloatsToBytes(std::span<const float> values);
// Throws CodecError "FP32 buffer length <n> is not a multiple of 4" otherwise.
std::vector<float> BytesToFloats(std::string_view bytes);

// ---- BYTES tensors ---------------------------------------------------------------------

// Splits a KServe BYTES buffer (per element: uint32 LE length, then payload).
// Empty buffer -> no elements. Throws CodecError
// (protifer's messages, kept so stored errors read the same):
// "readBytesTensor: truncated length prefix at offset <o>" or
// "readBytesTensor: truncated payload — need <n> bytes at offset <o>, have <m>".
std::vector<std::string> SplitBytesTensor(std::string_view raw);
// Inverse of SplitBytesTensor. Throws CodecError
// "BYTES tensor: element <i> length <n> does not fit a uint32 length prefix" for elements >= 4 GiB.
std::string JoinBytesTensor(std::span<const std::string> elements);

// ---- Layout ----------------------------------------------------------------------------

// Row-major [rows, cols] -> row-major [cols, rows] (element (c, r) at c * rows + r).
// Used to send an embedding [L, 1024] channels-first as [1024, L].
// Requires src.size() == dst.size() == rows * cols (throws std::invalid_argument otherwise).
void Transpose(std::span<const float> src, std::size_t rows, std::size_t cols,
               std::span<float> dst);

// ---- Response outputs ------------------------------------------------------------------

// Index of the first output named `name`; the same index addresses raw_output_contents.
std::optional<std::size_t> FindOutput(const inference::ModelInferResponse& response,
                                      std::string_view name);

// FP32 values of output `index`: raw_output_contents[index] when present and non-empty
// (must be a multiple of 4 bytes: CodecError
// "raw_output_contents[<i>] length <n> is not a multiple of 4 (FP32)"), else
// outputs[index].contents.fp32_contents, else empty. Datatype and shape are not checked.
std::vector<float> ReadFp32Output(const inference::ModelInferResponse& response, std::size_t index);

// Float values of an output that may be FP16 or FP32 (declared `datatype` decides; raw
// bytes or typed fp32_contents). Used for embeddings.
//   "FP16": raw_output_contents[index] widened (odd length -> CodecError); KServe has no typed
//           FP16 field, so an absent/empty raw buffer gives an empty vector.
//   "FP32": exactly ReadFp32Output.
//   other:  CodecError "output '<name>' has datatype <dt>, expected FP16 or FP32".
// Unlike ReadFp32Output the datatype must be known, so an `index` past the end of `outputs`
// is a CodecError "output index <i> out of range (<n> outputs)".
std::vector<float> ReadFloatOutput(const inference::ModelInferResponse& response,
                                   std::size_t index);

// The raw BYTES buffer of output `index`: raw_output_contents[index] when non-empty, else
// the length-prefixed layout re-synthesised from contents.bytes_contents, else empty.
std::string ReadBytesOutputBuffer(const inference::ModelInferResponse& response, std::size_t index);

// ---- Kernels behind the bulk functions ------------------------------------------------
// The public bulk functions pick AVX2/F16C kernels at run time when the CPU has them and
// these portable scalar routines otherwise. Both are exposed so tests can check the SIMD
// path against the scalar one bit for bit, and benchmarks can show what SIMD buys.
namespace kernels {

// True when this CPU supports AVX2 and F16C, i.e. the public functions use SIMD kernels.
bool SimdAvailable();

// Same contracts as the public functions of the same name, always scalar.
void Fp16BytesToFloatsScalar(std::string_view bytes, std::span<float> out);
std::string FloatsToFp16BytesScalar(std::span<const float> values);
void TransposeScalar(std::span<const float> src, std::size_t rows, std::size_t cols,
                     std::span<float> dst);

}  // namespace kernels

}  // namespace protifer::triton

// The one Triton exchange of the embedding worker (spec §7): the prot_t5_pipeline request for a
// sequence, and the FP16 embedding bytes out of its response. Pure functions of protobufs.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "kserve/grpc_service.pb.h"

namespace protifer::embedding {

inline constexpr std::string_view kEmbeddingModelName = "prot_t5_pipeline";
inline constexpr std::string_view kSequencesInput = "sequences";
inline constexpr std::string_view kEmbeddingsOutput = "embeddings";
// Bytes per stored embedding row: 1024 FP16 values.
inline constexpr std::size_t kEmbeddingRowBytes = 1024 * 2;

// model_name prot_t5_pipeline (no model_version, id or parameters); input `sequences`, datatype
// BYTES, shape [1, 1], the UTF-8 sequence as the one element of contents.bytes_contents (not
// raw_input_contents: protifer sends typed contents here); requested output `embeddings`.
inference::ModelInferRequest BuildEmbeddingRequest(std::string_view sequence);

// The FP16 little-endian [L, 1024] bytes to store, checked against the sequence (protifer's
// order and messages; every failure is an UnrecoverableJobError):
//  - outputs[0] is taken positionally; none -> "Triton returned no output tensor for
//    prot_t5_pipeline";
//  - the bytes are raw_output_contents[0] as they are; when that is absent or empty and
//    outputs[0].contents.fp32_contents is not, those floats are narrowed to FP16;
//  - length 0 or odd -> "prot_t5_pipeline: invalid FP16 output length <n>";
//  - rows = length / 2048 (a JavaScript division, so possibly fractional) must equal the
//    sequence's JavaScript length (UTF-16 code units), else
//    "prot_t5_pipeline: embedding row count <rows> != sequence length <len>" (the guard against
//    the EOS row leaking into the stored embedding).
std::string ExtractEmbeddingFp16(const inference::ModelInferResponse& response,
                                 std::string_view sequence);

}  // namespace protifer::embedding

// The contract every prediction model adapter fulfils: build one KServe v2 request from a
// job's embedding, and turn the model's response into the JSON value stored under the
// adapter's output key. Adapters are pure (no gRPC, Redis or files) and stateless, so one
// instance is shared by every concurrent job.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string_view>

#include "kserve/grpc_service.pb.h"

namespace protifer::adapters {

// Width of a ProtT5 per-residue embedding; every adapter consumes [seq_len x 1024].
inline constexpr std::size_t kEmbeddingDim = 1024;

// A read-only view of one job's inputs. The owner (the prediction processor) keeps the
// buffers alive until every adapter has built its request.
struct AdapterContext {
  // Row-major float32 [seq_len x kEmbeddingDim]: residue r, channel c at r * 1024 + c.
  std::span<const float> embedding;
  // Derived from the embedding's byte length, not from `sequence` (as protifer does).
  std::size_t seq_len = 0;
  // seq_len ones: a single-sequence job has no padding to mask out.
  std::span<const float> mask;
  // The residues as submitted. Carried for parity with protifer; no adapter reads it.
  std::string_view sequence;
};

class Adapter {
 public:
  virtual ~Adapter() = default;

  // Exact Triton model name: request model_name, ModelReady probe, metric `model` label.
  virtual std::string_view model_name() const = 0;
  // The PredictionOutputs / ModelErrors key this adapter fills.
  virtual std::string_view output_key() const = 0;

  // FP32 inputs with batch-first shapes, payloads in raw_input_contents (one buffer per
  // input, same order), requested outputs by name; no model_version, id or parameters.
  // Throws std::invalid_argument when the context is inconsistent (embedding size is not
  // seq_len * 1024 or the mask is not seq_len long).
  virtual inference::ModelInferRequest BuildRequest(const AdapterContext& context) const = 0;

  // The stored JSON value. Float32 outputs are widened to double exactly as JavaScript
  // widens Float32Array elements; class indices are integers. Throws ShapeError,
  // DecodeError (adapter_errors.h) or triton::CodecError for malformed tensors.
  virtual nlohmann::ordered_json Decode(const inference::ModelInferResponse& response) const = 0;

  // How many residues a decoded value covers, for the per-residue models; nullopt for
  // per-protein ones. The fan-out compares it with the embedding's length and stores a
  // SHAPE_MISMATCH instead of the value when they differ: protifer derived the length from
  // the answer alone, so a model answering the wrong shape was stored as a wrong prediction
  // (DESIGN.md section 4: deviate where protifer silently stores wrong data).
  virtual std::optional<std::size_t> DecodedResidues(const nlohmann::ordered_json& decoded) const {
    (void)decoded;
    return std::nullopt;
  }
};

}  // namespace protifer::adapters

// Builds the KServe v2 requests of all adapters from a declarative list of inputs, so the
// conventions protifer's Triton models rely on live in one place: FP32 only, a leading batch
// dimension of 1 (every model has max_batch_size > 0), payloads in raw_input_contents in
// input order, no model_version / id / parameters, requested outputs by name.
#pragma once

#include <initializer_list>
#include <string_view>

#include "adapters/adapter.h"
#include "kserve/grpc_service.pb.h"

namespace protifer::adapters {

// What an input tensor carries, and in which layout.
enum class InputPayload {
  // The embedding as stored: shape [1, seq_len, 1024], (r, c) at r * 1024 + c.
  kEmbeddingChannelsLast,
  // The embedding transposed for Conv1d models: shape [1, 1024, seq_len], (c, r) at
  // c * seq_len + r. Sending channels-last instead makes Triton read seq_len as channels.
  kEmbeddingChannelsFirst,
  // The all-ones mask: shape [1, seq_len].
  kMask,
};

struct InputSpec {
  std::string_view name;
  InputPayload payload;
};

// Throws std::invalid_argument unless embedding.size() == seq_len * 1024 and
// mask.size() == seq_len (the mask only when an input needs it).
void ValidateContext(const AdapterContext& context, bool needs_mask);

// One request for `model_name` with `inputs` (in order) and requested `outputs` (in order).
// Each payload is written once, straight into its raw_input_contents buffer.
inference::ModelInferRequest BuildFp32Request(std::string_view model_name,
                                              const AdapterContext& context,
                                              std::initializer_list<InputSpec> inputs,
                                              std::initializer_list<std::string_view> outputs);

}  // namespace protifer::adapters

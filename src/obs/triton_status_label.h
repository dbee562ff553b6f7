// The `status` label the embedding worker puts on triton_model_infer_duration_seconds when a call
// fails: protifer's classifyTritonStatus (spec §6.4), kept next to the metrics as in protifer's
// worker-metrics module. (The prediction worker labels failures with its model-error code from
// classifyError instead; that mapping belongs to the dispatch layer.)
#pragma once

#include <optional>
#include <string_view>

namespace protifer::obs {

// gRPC code 3/4/5/13/14 -> INVALID_ARGUMENT / DEADLINE_EXCEEDED / NOT_FOUND / INTERNAL /
// UNAVAILABLE; any other code, and an error that carries no gRPC code (nullopt), -> INTERNAL.
// Pass the numeric grpc::StatusCode. Note DESIGN §4.2: a client-side deadline is a
// DEADLINE_EXCEEDED status in our client, so it is labelled DEADLINE_EXCEEDED here, where
// protifer's timeout error fell through to INTERNAL.
std::string_view ClassifyTritonStatus(std::optional<int> grpc_code);

}  // namespace protifer::obs

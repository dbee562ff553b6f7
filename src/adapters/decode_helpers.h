// Response-decoding building blocks shared by the adapters, each reproducing a protifer
// helper exactly (services/prediction-worker/src/adapters/tensor-io.ts): decoded values end
// up in stored JSON, so tie-breaking, NaN handling and number widening must match.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "kserve/grpc_service.pb.h"

namespace protifer::adapters {

// Index of the first output named `name` (also its raw_output_contents index). Throws
// DecodeError "<model_name>: response missing '<name>' output", model_name taken from the
// response, because Triton does not promise output order (tmbed's arrive reversed).
std::size_t RequireOutputIndex(const inference::ModelInferResponse& response,
                               std::string_view name);

// Index (0..n-1) of the first maximum of flat[offset .. offset+n-1] under strict `>`:
// ties keep the lowest index, a NaN in the first position wins, a NaN elsewhere never
// wins, and elements past the end of `flat` count as -infinity (so a short tensor decodes
// to class 0 rather than failing, as protifer does).
std::size_t ArgmaxSlice(std::span<const float> flat, std::size_t offset, std::size_t n);

// A JSON array of the values widened to double, as JavaScript widens Float32Array
// elements (float32 0.1 -> 0.10000000149011612). NaN/Infinity stay as doubles; the result
// serialiser writes them as null like JSON.stringify.
nlohmann::ordered_json WidenedFloatArray(std::span<const float> values);

// Decodes bytes as UTF-8 the way WHATWG TextDecoder / Node's Buffer.toString do: valid
// input is returned unchanged, each maximal invalid subpart becomes U+FFFD.
std::string Utf8WithReplacement(std::string_view bytes);

}  // namespace protifer::adapters

// Writes computed outputs into a ModelInferResponse. Two knobs exist to catch client bugs that a
// well-behaved Triton would hide:
//  - the ORDER of outputs (Triton promises none; a client must look them up by name), and
//  - raw_output_contents (what Triton always sends) versus typed `contents` (what a client's
//    fallback path must handle).
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kserve/grpc_service.pb.h"
#include "model_catalog.h"
#include "tensor.h"

namespace protifer::kserve_stub {

enum class OutputOrder {
  kModel,      // the model's response order (catalog response_output_order, else config order)
  kRequested,  // the order of the request's `outputs` list
  kReversed,   // the model's order reversed
  kRotate,     // the model's order rotated left by one
};

enum class OutputContents {
  kRaw,    // raw_output_contents, one buffer per output (Triton's behaviour)
  kTyped,  // contents.fp32_contents / int64_contents / bytes_contents, no raw buffers; FP16 is
           // sent widened in fp32_contents (KServe has no FP16 field) with datatype still FP16
};

// Current response knobs; changed at run time by control commands.
struct ResponseSettings {
  std::atomic<OutputOrder> order{OutputOrder::kModel};
  std::atomic<OutputContents> contents{OutputContents::kRaw};
};

std::optional<OutputOrder> ParseOutputOrder(std::string_view name);
std::string_view OutputOrderName(OutputOrder order);
std::optional<OutputContents> ParseOutputContents(std::string_view name);
std::string_view OutputContentsName(OutputContents contents);

// The names of the outputs a response carries, in the order `order` puts them.
std::vector<std::string> ResponseOutputNames(const ModelSpec& model,
                                             const std::vector<std::string>& requested,
                                             OutputOrder order);

// Fills `response` (model_name, model_version "1", id, outputs). `outputs` holds every configured
// output; only the requested ones (all when none were requested) are written.
void BuildInferResponse(const ModelSpec& model, const std::string& request_id,
                        const std::vector<std::string>& requested, TensorList outputs,
                        OutputOrder order, OutputContents contents,
                        inference::ModelInferResponse* response);

}  // namespace protifer::kserve_stub

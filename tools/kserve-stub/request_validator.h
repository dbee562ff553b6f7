// Turns a ModelInfer request into validated tensors the way Triton does, in Triton's order and
// with Triton's messages (gRPC front end `InferGRPCToInput`, then core `Normalize` and the byte
// size checks). Stricter than Triton in one place: surplus raw_input_contents entries are
// rejected instead of ignored.
#pragma once

#include <grpcpp/support/status.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kserve/grpc_service.pb.h"
#include "model_catalog.h"
#include "tensor.h"

namespace protifer::kserve_stub {

struct ValidatedRequest {
  TensorList inputs;            // in the model config's input order, names as configured
  std::int64_t batch_size = 0;  // 0 when max_batch_size == 0 (no batch dimension)
  // As requested (Triton's order-free set semantics apply); empty = every configured output.
  std::vector<std::string> requested_outputs;
  std::int64_t residues = 0;  // work units for the capacity model (see ResidueSource)
  std::string request_id;
};

// Full validation of a client request for `model`. Input tensors borrow bytes from `request`,
// which must outlive the returned tensors.
grpc::Status ValidateInferRequest(const ModelSpec& model,
                                  const inference::ModelInferRequest& request,
                                  ValidatedRequest* validated);

// Validation of a request an ensemble builds for one of its steps (Triton normalizes those too);
// errors carry the same messages as for a client request.
grpc::Status ValidateStepRequest(const ModelSpec& model, TensorList inputs,
                                 std::vector<std::string> requested_outputs,
                                 const std::string& request_id, ValidatedRequest* validated);

// Residues of a validated request (0 when the model declares no residue source).
std::int64_t CountResidues(const ModelSpec& model, const TensorList& inputs);

}  // namespace protifer::kserve_stub

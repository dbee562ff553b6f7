#include "embedding/embedding_request.h"

#include <string>
#include <vector>

#include "core/js_number.h"
#include "core/text.h"
#include "prediction/job_context.h"
#include "triton/tensor_codec.h"

namespace protifer::embedding {

inference::ModelInferRequest BuildEmbeddingRequest(std::string_view sequence) {
  inference::ModelInferRequest request;
  request.set_model_name(std::string(kEmbeddingModelName));
  auto* input = request.add_inputs();
  input->set_name(std::string(kSequencesInput));
  input->set_datatype("BYTES");
  input->add_shape(1);
  input->add_shape(1);
  input->mutable_contents()->add_bytes_contents(std::string(sequence));
  request.add_outputs()->set_name(std::string(kEmbeddingsOutput));
  return request;
}

std::string ExtractEmbeddingFp16(const inference::ModelInferResponse& response,
                                 std::string_view sequence) {
  using prediction::UnrecoverableJobError;
  if (response.outputs_size() == 0) {
    throw UnrecoverableJobError("Triton returned no output tensor for " +
                                std::string(kEmbeddingModelName));
  }
  std::string bytes;
  if (response.raw_output_contents_size() > 0) {
    bytes = response.raw_output_contents(0);
  }
  const auto& typed = response.outputs(0).contents().fp32_contents();
  if (bytes.empty() && !typed.empty()) {
    const std::vector<float> values(typed.begin(), typed.end());
    bytes = triton::FloatsToFp16Bytes(values);
  }
  if (bytes.empty() || bytes.size() % 2 != 0) {
    throw UnrecoverableJobError(std::string(kEmbeddingModelName) + ": invalid FP16 output length " +
                                std::to_string(bytes.size()));
  }
  const std::size_t sequence_length = core::Utf16Length(sequence);
  if (bytes.size() != sequence_length * kEmbeddingRowBytes) {
    const double rows = static_cast<double>(bytes.size()) / static_cast<double>(kEmbeddingRowBytes);
    throw UnrecoverableJobError(std::string(kEmbeddingModelName) + ": embedding row count " +
                                core::JsNumberToString(rows) + " != sequence length " +
                                std::to_string(sequence_length));
  }
  return bytes;
}

}  // namespace protifer::embedding

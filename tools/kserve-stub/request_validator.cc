#include "request_validator.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>

#include "triton/tensor_codec.h"

namespace protifer::kserve_stub {
namespace {

grpc::Status Invalid(const std::string& message) {
  return {grpc::StatusCode::INVALID_ARGUMENT, message};
}

// Triton's InferenceRequest::LogRequest(): every core message starts with it.
std::string LogRequest(const std::string& request_id) {
  return "[request id: " + (request_id.empty() ? std::string("<id_unknown>") : request_id) + "] ";
}

std::string Quoted(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ',';
    text += "'" + names[i] + "'";
  }
  return text;
}

template <typename Repeated>
std::string PackElements(const Repeated& values, std::size_t element_size) {
  std::string bytes;
  bytes.reserve(static_cast<std::size_t>(values.size()) * element_size);
  for (const auto& value : values) {
    // Little-endian host: the low `element_size` bytes are the narrowed element (Triton does the
    // same for INT8/INT16/UINT8/UINT16 carried in 32-bit fields).
    bytes.append(reinterpret_cast<const char*>(&value), element_size);
  }
  return bytes;
}

// One typed `contents` field of an input: Triton's InferGRPCToInputHelper checks.
grpc::Status CheckTypedField(const std::string& input, const std::string& model,
                             DataType field_type, DataType declared, bool data_already_supplied) {
  if (data_already_supplied) {
    return Invalid("unexpected explicit tensor data for input tensor '" + input + "' for model '" +
                   model + "', binary data was already supplied.");
  }
  if (field_type != declared) {
    return Invalid("unexpected explicit tensor data for input tensor '" + input + "' for model '" +
                   model + "' of type '" + std::string(ProtocolName(field_type)) +
                   "', expected datatype '" + std::string(ProtocolName(declared)) + "'");
  }
  return grpc::Status::OK;
}

grpc::Status TypedContentsToBytes(const inference::ModelInferRequest::InferInputTensor& io,
                                  const std::string& model, DataType declared, std::string* bytes) {
  const inference::InferTensorContents& contents = io.contents();
  bool supplied = false;
  auto take = [&](int size, DataType field_type, auto pack) -> grpc::Status {
    if (size == 0) return grpc::Status::OK;
    grpc::Status status = CheckTypedField(io.name(), model, field_type, declared, supplied);
    if (!status.ok()) return status;
    *bytes = pack();
    supplied = true;
    return grpc::Status::OK;
  };
  const DataType int_type = declared == DataType::kInt8    ? DataType::kInt8
                            : declared == DataType::kInt16 ? DataType::kInt16
                                                           : DataType::kInt32;
  const DataType uint_type = declared == DataType::kUint8    ? DataType::kUint8
                             : declared == DataType::kUint16 ? DataType::kUint16
                                                             : DataType::kUint32;
  grpc::Status status = take(contents.bool_contents_size(), DataType::kBool, [&] {
    std::string out;
    for (bool value : contents.bool_contents()) out.push_back(value ? '\1' : '\0');
    return out;
  });
  if (status.ok()) {
    status = take(contents.int_contents_size(), int_type,
                  [&] { return PackElements(contents.int_contents(), ElementByteSize(int_type)); });
  }
  if (status.ok()) {
    status = take(contents.int64_contents_size(), DataType::kInt64,
                  [&] { return PackElements(contents.int64_contents(), 8); });
  }
  if (status.ok()) {
    status = take(contents.uint_contents_size(), uint_type, [&] {
      return PackElements(contents.uint_contents(), ElementByteSize(uint_type));
    });
  }
  if (status.ok()) {
    status = take(contents.uint64_contents_size(), DataType::kUint64,
                  [&] { return PackElements(contents.uint64_contents(), 8); });
  }
  if (status.ok()) {
    status = take(contents.fp32_contents_size(), DataType::kFp32,
                  [&] { return PackElements(contents.fp32_contents(), 4); });
  }
  if (status.ok()) {
    status = take(contents.fp64_contents_size(), DataType::kFp64,
                  [&] { return PackElements(contents.fp64_contents(), 8); });
  }
  if (status.ok()) {
    status = take(contents.bytes_contents_size(), DataType::kBytes, [&] {
      const std::vector<std::string> elements(contents.bytes_contents().begin(),
                                              contents.bytes_contents().end());
      return triton::JoinBytesTensor(elements);
    });
  }
  return status;
}

// Triton's gRPC front end: attach data to every input, in request order.
grpc::Status ConvertInputs(const inference::ModelInferRequest& request, TensorList* tensors) {
  const std::string& model = request.model_name();
  std::set<std::string> seen;
  for (const auto& io : request.inputs()) {
    if (!seen.insert(io.name()).second) {
      return Invalid(LogRequest(request.id()) + "input '" + io.name() +
                     "' already exists in request");
    }
  }
  int raw_index = 0;
  for (const auto& io : request.inputs()) {
    const DataType declared = ParseProtocolDataType(io.datatype());
    Shape shape(io.shape().begin(), io.shape().end());
    if (io.has_contents() && !request.raw_input_contents().empty()) {
      return Invalid("contents field must not be specified when using raw_input_contents for '" +
                     io.name() + "' for model '" + model + "'");
    }
    if (io.has_contents()) {
      std::string bytes;
      grpc::Status status = TypedContentsToBytes(io, model, declared, &bytes);
      if (!status.ok()) return status;
      tensors->push_back(Tensor::Owned(io.name(), declared, std::move(shape), std::move(bytes)));
    } else if (raw_index < request.raw_input_contents_size()) {
      tensors->push_back(Tensor::Borrowed(io.name(), declared, std::move(shape),
                                          request.raw_input_contents(raw_index++)));
    } else {
      return Invalid("unable to find data for input tensor '" + io.name() + "' for model '" +
                     model + "' in request.");
    }
  }
  // Triton silently ignores surplus buffers; a surplus always means the client mis-paired inputs
  // and buffers, so the stub rejects it.
  if (raw_index < request.raw_input_contents_size()) {
    return Invalid("expected " + std::to_string(raw_index) +
                   " raw_input_contents entries (one per input) but got " +
                   std::to_string(request.raw_input_contents_size()) + " for model '" + model +
                   "'");
  }
  return grpc::Status::OK;
}

grpc::Status CheckBytesElements(const Tensor& tensor, std::int64_t expected,
                                const std::string& request_id) {
  std::string_view buffer = tensor.bytes();
  std::int64_t count = 0;
  while (!buffer.empty()) {
    if (buffer.size() < 4) {
      return Invalid(LogRequest(request_id) +
                     "element byte size indicator exceeds the end of the buffer");
    }
    std::uint32_t length = 0;
    std::memcpy(&length, buffer.data(), 4);
    buffer.remove_prefix(4);
    ++count;
    if (buffer.size() < length) {
      return Invalid(LogRequest(request_id) + "incomplete string data for inference input '" +
                     tensor.name() + "', expected string of size " + std::to_string(length) +
                     ", got " + std::to_string(buffer.size()));
    }
    buffer.remove_prefix(length);
  }
  if (count != expected) {
    return Invalid(LogRequest(request_id) + "expected " + std::to_string(expected) +
                   " string elements for inference input '" + tensor.name() + "', got " +
                   std::to_string(count));
  }
  return grpc::Status::OK;
}

// Triton core: InferenceRequest::Normalize followed by the input byte size validation.
grpc::Status Normalize(const ModelSpec& model, TensorList tensors,
                       std::vector<std::string> requested, const std::string& request_id,
                       ValidatedRequest* validated) {
  const std::string prefix = LogRequest(request_id);
  std::vector<std::string> unique_requested;
  for (auto& name : requested) {
    if (model.FindOutput(name) == nullptr) {
      return Invalid("unexpected inference output '" + name + "' for model '" + model.name + "'");
    }
    if (std::find(unique_requested.begin(), unique_requested.end(), name) ==
        unique_requested.end()) {
      unique_requested.push_back(std::move(name));
    }
  }

  if (tensors.size() != model.inputs.size()) {
    std::vector<std::string> got;
    for (const auto& tensor : tensors) got.push_back(tensor.name());
    std::vector<std::string> missing;
    for (const auto& spec : model.inputs) {
      if (FindTensor(tensors, spec.name) == nullptr) missing.push_back(spec.name);
    }
    // Triton prints an empty missing list as a lone "]" (sic).
    return Invalid(prefix + "expected " + std::to_string(model.inputs.size()) + " inputs but got " +
                   std::to_string(tensors.size()) + " inputs for model '" + model.name +
                   "'. Got input(s) [" + Quoted(got) + "], but missing required " + "input(s) " +
                   (missing.empty() ? std::string("]") : "[" + Quoted(missing) + "]") +
                   ". Please provide all required input(s).");
  }

  auto unknown_input = [&](const Tensor& tensor) {
    return Invalid("unexpected inference input '" + tensor.name() + "' for model '" + model.name +
                   "'");
  };
  std::int64_t batch_size = 0;
  if (model.max_batch_size > 0) {
    for (const auto& tensor : tensors) {
      if (model.FindInput(tensor.name()) == nullptr) return unknown_input(tensor);
      if (tensor.shape().empty()) {
        return Invalid(prefix + "input '" + tensor.name() +
                       "' has no shape but model requires batch dimension for '" + model.name +
                       "'");
      }
      if (batch_size == 0) {
        batch_size = tensor.shape()[0];
      } else if (tensor.shape()[0] != batch_size) {
        return Invalid(prefix + "input '" + tensor.name() +
                       "' batch size does not match other inputs for '" + model.name + "'");
      }
    }
    if (batch_size > model.max_batch_size) {
      return Invalid(prefix + "inference request batch-size must be <= " +
                     std::to_string(model.max_batch_size) + " for '" + model.name + "'");
    }
  }

  for (const auto& tensor : tensors) {
    const TensorSpec* spec = model.FindInput(tensor.name());
    if (spec == nullptr) return unknown_input(tensor);
    if (tensor.datatype() != spec->datatype) {
      return Invalid(prefix + "inference input '" + tensor.name() + "' data-type is '" +
                     std::string(ProtocolName(tensor.datatype())) + "', but model '" + model.name +
                     "' expects '" + std::string(ProtocolName(spec->datatype)) + "'");
    }
    if (ElementCount(tensor.shape()) < 0) {
      return Invalid(prefix + "All input dimensions should be specified for input '" +
                     tensor.name() + "' for model '" + model.name + "', got " +
                     ShapeToString(tensor.shape()));
    }
    Shape dims(tensor.shape().begin() + (model.max_batch_size > 0 ? 1 : 0), tensor.shape().end());
    bool match = dims.size() == spec->dims.size();
    for (std::size_t i = 0; match && i < dims.size(); ++i) {
      match = spec->dims[i] == -1 || spec->dims[i] == dims[i];
    }
    if (!match) {
      Shape full = spec->dims;
      if (model.max_batch_size > 0) full.insert(full.begin(), -1);
      std::string message = prefix + "unexpected shape for input '" + tensor.name() +
                            "' for model '" + model.name + "'. Expected " + ShapeToString(full) +
                            ", got " + ShapeToString(tensor.shape());
      if (model.max_batch_size > 0) {
        message +=
            ". NOTE: Setting a non-zero max_batch_size in the model config requires a batch "
            "dimension to be prepended to each input shape. If you want to specify the full "
            "shape including the batch dim in your input dims config, try setting "
            "max_batch_size to zero. See the model configuration docs for more info on "
            "max_batch_size.";
      }
      return Invalid(message);
    }
  }

  for (const auto& tensor : tensors) {
    const std::int64_t elements = ElementCount(tensor.shape());
    if (tensor.datatype() == DataType::kBytes) {
      grpc::Status status = CheckBytesElements(tensor, elements, request_id);
      if (!status.ok()) return status;
      continue;
    }
    const auto expected = static_cast<std::uint64_t>(elements) * ElementByteSize(tensor.datatype());
    if (expected != tensor.bytes().size()) {
      return Invalid(prefix + "input byte size mismatch for input '" + tensor.name() +
                     "' for model '" + model.name + "'. Expected " + std::to_string(expected) +
                     ", got " + std::to_string(tensor.bytes().size()));
    }
  }

  validated->inputs.clear();
  for (const auto& spec : model.inputs) {
    validated->inputs.push_back(*FindTensor(tensors, spec.name));
  }
  validated->batch_size = batch_size;
  validated->requested_outputs = std::move(unique_requested);
  validated->residues = CountResidues(model, validated->inputs);
  validated->request_id = request_id;
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ValidateInferRequest(const ModelSpec& model,
                                  const inference::ModelInferRequest& request,
                                  ValidatedRequest* validated) {
  TensorList tensors;
  grpc::Status status = ConvertInputs(request, &tensors);
  if (!status.ok()) return status;
  std::vector<std::string> requested;
  for (const auto& output : request.outputs()) requested.push_back(output.name());
  return Normalize(model, std::move(tensors), std::move(requested), request.id(), validated);
}

grpc::Status ValidateStepRequest(const ModelSpec& model, TensorList inputs,
                                 std::vector<std::string> requested_outputs,
                                 const std::string& request_id, ValidatedRequest* validated) {
  return Normalize(model, std::move(inputs), std::move(requested_outputs), request_id, validated);
}

std::int64_t CountResidues(const ModelSpec& model, const TensorList& inputs) {
  if (!model.residues) return 0;
  const Tensor* tensor = FindTensor(inputs, model.residues->input);
  if (tensor == nullptr) return 0;
  if (model.residues->string_length) {
    std::int64_t total = 0;
    try {
      for (const auto& element : ReadStrings(*tensor)) {
        total += static_cast<std::int64_t>(element.size());
      }
    } catch (const triton::CodecError&) {
      return 0;
    }
    return total;
  }
  if (model.residues->axis >= tensor->shape().size()) return 0;
  const std::int64_t length = tensor->shape()[model.residues->axis];
  return model.max_batch_size > 0 ? tensor->shape()[0] * length : length;
}

}  // namespace protifer::kserve_stub

// Tensors as the stub handles them: a KServe v2 datatype, a batch-first shape and little-endian
// bytes (BYTES tensors use the 4-byte length-prefixed layout Triton uses on the wire).
//
// A tensor either owns its bytes or borrows them from the gRPC request, which stays alive until
// the call is finished; borrowing avoids copying 1.6 MB embeddings on every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace protifer::kserve_stub {

// Every datatype Triton knows, so that an unexpected one is reported as a datatype mismatch
// (as Triton does) instead of an unknown string. kInvalid stands for an unparsable name.
enum class DataType {
  kInvalid,
  kBool,
  kUint8,
  kUint16,
  kUint32,
  kUint64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFp16,
  kFp32,
  kFp64,
  kBf16,
  kBytes,
};

// "FP32" -> kFp32; unknown names -> kInvalid (Triton's TRITONSERVER_TYPE_INVALID).
DataType ParseProtocolDataType(std::string_view name);
// Accepts the protocol names and the model-config names ("TYPE_FP32", "TYPE_STRING"), for the
// catalog file; nullopt when neither.
std::optional<DataType> ParseCatalogDataType(std::string_view name);
// "FP32", "BYTES", "INVALID".
std::string_view ProtocolName(DataType type);
// Bytes per element; 0 for BYTES (variable) and kInvalid.
std::size_t ElementByteSize(DataType type);

using Shape = std::vector<std::int64_t>;

// Product of the dims (1 for a scalar shape). Negative dims make the result negative.
std::int64_t ElementCount(const Shape& shape);
// Triton's DimsListToString: "[1,7,1024]".
std::string ShapeToString(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;
  static Tensor Owned(std::string name, DataType type, Shape shape, std::string bytes);
  // `bytes` must outlive every copy of the tensor.
  static Tensor Borrowed(std::string name, DataType type, Shape shape, std::string_view bytes);

  const std::string& name() const { return name_; }
  DataType datatype() const { return datatype_; }
  const Shape& shape() const { return shape_; }
  std::string_view bytes() const { return bytes_; }

  // Same bytes under another name (ensembles rename tensors between steps).
  Tensor Renamed(std::string name) const;
  // The bytes as an owned string: moved out when this tensor is their only owner, else copied.
  std::string TakeBytes();

 private:
  std::string name_;
  DataType datatype_ = DataType::kInvalid;
  Shape shape_;
  std::shared_ptr<std::string> storage_;  // null when borrowed
  std::string_view bytes_;
};

using TensorList = std::vector<Tensor>;

// First tensor named `name`, or nullptr.
const Tensor* FindTensor(const TensorList& tensors, std::string_view name);

// ---- Typed access (little-endian) -------------------------------------------------------
// FP32 as is, FP16 widened; any other datatype throws std::invalid_argument.
std::vector<float> ReadFloats(const Tensor& tensor);
std::vector<std::int64_t> ReadInt64s(const Tensor& tensor);
// Elements of a BYTES tensor; throws triton::CodecError on a malformed buffer.
std::vector<std::string> ReadStrings(const Tensor& tensor);

Tensor MakeFp32Tensor(std::string name, Shape shape, std::span<const float> values);
Tensor MakeFp16Tensor(std::string name, Shape shape, std::span<const float> values);
Tensor MakeInt64Tensor(std::string name, Shape shape, std::span<const std::int64_t> values);
Tensor MakeBytesTensor(std::string name, Shape shape, std::span<const std::string> elements);

}  // namespace protifer::kserve_stub

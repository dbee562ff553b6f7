#include "tensor.h"

#include <array>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "triton/tensor_codec.h"

namespace protifer::kserve_stub {
namespace {

struct DataTypeName {
  DataType type;
  std::string_view protocol;
  std::string_view config;
  std::size_t byte_size;
};

constexpr std::array<DataTypeName, 14> kDataTypes{{
    {DataType::kBool, "BOOL", "TYPE_BOOL", 1},
    {DataType::kUint8, "UINT8", "TYPE_UINT8", 1},
    {DataType::kUint16, "UINT16", "TYPE_UINT16", 2},
    {DataType::kUint32, "UINT32", "TYPE_UINT32", 4},
    {DataType::kUint64, "UINT64", "TYPE_UINT64", 8},
    {DataType::kInt8, "INT8", "TYPE_INT8", 1},
    {DataType::kInt16, "INT16", "TYPE_INT16", 2},
    {DataType::kInt32, "INT32", "TYPE_INT32", 4},
    {DataType::kInt64, "INT64", "TYPE_INT64", 8},
    {DataType::kFp16, "FP16", "TYPE_FP16", 2},
    {DataType::kFp32, "FP32", "TYPE_FP32", 4},
    {DataType::kFp64, "FP64", "TYPE_FP64", 8},
    {DataType::kBf16, "BF16", "TYPE_BF16", 2},
    {DataType::kBytes, "BYTES", "TYPE_STRING", 0},
}};

const DataTypeName* Lookup(DataType type) {
  for (const auto& entry : kDataTypes) {
    if (entry.type == type) return &entry;
  }
  return nullptr;
}

}  // namespace

DataType ParseProtocolDataType(std::string_view name) {
  for (const auto& entry : kDataTypes) {
    if (entry.protocol == name) return entry.type;
  }
  return DataType::kInvalid;
}

std::optional<DataType> ParseCatalogDataType(std::string_view name) {
  for (const auto& entry : kDataTypes) {
    if (entry.protocol == name || entry.config == name) return entry.type;
  }
  return std::nullopt;
}

std::string_view ProtocolName(DataType type) {
  const DataTypeName* entry = Lookup(type);
  return entry == nullptr ? std::string_view("INVALID") : entry->protocol;
}

std::size_t ElementByteSize(DataType type) {
  const DataTypeName* entry = Lookup(type);
  return entry == nullptr ? 0 : entry->byte_size;
}

std::int64_t ElementCount(const Shape& shape) {
  std::int64_t count = 1;
  for (std::int64_t dim : shape) {
    if (dim < 0) return -1;
    count *= dim;
  }
  return count;
}

std::string ShapeToString(const Shape& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(shape[i]);
  }
  text += ']';
  return text;
}

Tensor Tensor::Owned(std::string name, DataType type, Shape shape, std::string bytes) {
  Tensor tensor;
  tensor.name_ = std::move(name);
  tensor.datatype_ = type;
  tensor.shape_ = std::move(shape);
  tensor.storage_ = std::make_shared<std::string>(std::move(bytes));
  tensor.bytes_ = *tensor.storage_;
  return tensor;
}

Tensor Tensor::Borrowed(std::string name, DataType type, Shape shape, std::string_view bytes) {
  Tensor tensor;
  tensor.name_ = std::move(name);
  tensor.datatype_ = type;
  tensor.shape_ = std::move(shape);
  tensor.bytes_ = bytes;
  return tensor;
}

Tensor Tensor::Renamed(std::string name) const {
  Tensor copy = *this;
  copy.name_ = std::move(name);
  return copy;
}

std::string Tensor::TakeBytes() {
  std::string out;
  if (storage_ != nullptr && storage_.use_count() == 1) {
    out = std::move(*storage_);
  } else {
    out.assign(bytes_.data(), bytes_.size());
  }
  storage_.reset();
  bytes_ = {};
  return out;
}

const Tensor* FindTensor(const TensorList& tensors, std::string_view name) {
  for (const auto& tensor : tensors) {
    if (tensor.name() == name) return &tensor;
  }
  return nullptr;
}

std::vector<float> ReadFloats(const Tensor& tensor) {
  switch (tensor.datatype()) {
    case DataType::kFp32:
      return triton::BytesToFloats(tensor.bytes());
    case DataType::kFp16:
      return triton::Fp16BytesToFloats(tensor.bytes());
    default:
      throw std::invalid_argument("tensor '" + tensor.name() + "' is " +
                                  std::string(ProtocolName(tensor.datatype())) +
                                  ", expected FP32 or FP16");
  }
}

std::vector<std::int64_t> ReadInt64s(const Tensor& tensor) {
  if (tensor.datatype() != DataType::kInt64 || tensor.bytes().size() % 8 != 0) {
    throw std::invalid_argument("tensor '" + tensor.name() + "' is not a well-formed INT64 tensor");
  }
  std::vector<std::int64_t> values(tensor.bytes().size() / 8);
  std::memcpy(values.data(), tensor.bytes().data(), tensor.bytes().size());
  return values;
}

std::vector<std::string> ReadStrings(const Tensor& tensor) {
  return triton::SplitBytesTensor(tensor.bytes());
}

Tensor MakeFp32Tensor(std::string name, Shape shape, std::span<const float> values) {
  return Tensor::Owned(std::move(name), DataType::kFp32, std::move(shape),
                       triton::FloatsToBytes(values));
}

Tensor MakeFp16Tensor(std::string name, Shape shape, std::span<const float> values) {
  return Tensor::Owned(std::move(name), DataType::kFp16, std::move(shape),
                       triton::FloatsToFp16Bytes(values));
}

Tensor MakeInt64Tensor(std::string name, Shape shape, std::span<const std::int64_t> values) {
  std::string bytes(values.size() * sizeof(std::int64_t), '\0');
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return Tensor::Owned(std::move(name), DataType::kInt64, std::move(shape), std::move(bytes));
}

Tensor MakeBytesTensor(std::string name, Shape shape, std::span<const std::string> elements) {
  return Tensor::Owned(std::move(name), DataType::kBytes, std::move(shape),
                       triton::JoinBytesTensor(elements));
}

}  // namespace protifer::kserve_stub

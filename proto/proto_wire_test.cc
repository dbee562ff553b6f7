// Pins the KServe v2 field numbers of proto/kserve/grpc_service.proto by decoding bytes
// assembled by hand from Triton's numbering. A renumbered field is silent against a server
// that shares our .proto, but a real Triton would then see empty or misplaced tensors.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kserve/grpc_service.pb.h"

namespace {

// Protobuf wire helpers: tag = (field << 3) | wire type; 2 = length-delimited, 0 = varint.
std::string Varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string Len(int field, const std::string& payload) {
  return Varint(static_cast<std::uint64_t>(field) << 3 | 2) + Varint(payload.size()) + payload;
}
std::string Num(int field, std::uint64_t value) {
  return Varint(static_cast<std::uint64_t>(field) << 3 | 0) + Varint(value);
}
std::string Fixed32(float f) {
  std::string out(4, '\0');
  std::memcpy(out.data(), &f, 4);
  return out;
}

TEST(ProtoWire, ModelInferRequestFieldNumbers) {
  const std::string input = Len(1, "input") + Len(2, "FP32") +
                            Len(3, Varint(1) + Varint(7) + Varint(1024)) +  // packed shape
                            Len(5, Len(6, Fixed32(1.5f)));           // contents.fp32_contents
  const std::string param = Len(1, "priority") + Len(2, Num(2, 3));  // map entry: int64_param
  const std::string wire = Len(1, "prott5_sec") + Len(2, "7") + Len(3, "req-1") + Len(4, param) +
                           Len(5, input) + Len(6, Len(1, "d3_Yhat")) + Len(7, "RAW");

  inference::ModelInferRequest request;
  ASSERT_TRUE(request.ParseFromString(wire));
  EXPECT_EQ(request.model_name(), "prott5_sec");
  EXPECT_EQ(request.model_version(), "7");
  EXPECT_EQ(request.id(), "req-1");
  ASSERT_EQ(request.parameters().count("priority"), 1u);
  EXPECT_EQ(request.parameters().at("priority").int64_param(), 3);
  ASSERT_EQ(request.inputs_size(), 1);
  const auto& tensor = request.inputs(0);
  EXPECT_EQ(tensor.name(), "input");
  EXPECT_EQ(tensor.datatype(), "FP32");
  EXPECT_EQ(std::vector<std::int64_t>(tensor.shape().begin(), tensor.shape().end()),
            (std::vector<std::int64_t>{1, 7, 1024}));
  ASSERT_EQ(tensor.contents().fp32_contents_size(), 1);
  EXPECT_EQ(tensor.contents().fp32_contents(0), 1.5f);
  ASSERT_EQ(request.outputs_size(), 1);
  EXPECT_EQ(request.outputs(0).name(), "d3_Yhat");
  ASSERT_EQ(request.raw_input_contents_size(), 1);
  EXPECT_EQ(request.raw_input_contents(0), "RAW");
}

TEST(ProtoWire, ModelInferRequestSerializesToTritonNumbering) {
  inference::ModelInferRequest request;
  request.set_model_name("seth");
  auto* input = request.add_inputs();
  input->set_name("input");
  input->set_datatype("FP32");
  input->add_shape(1);
  request.add_raw_input_contents("ab");
  // Field order on the wire follows field numbers: 1 model_name, 5 inputs, 7 raw contents.
  const std::string expected =
      Len(1, "seth") + Len(5, Len(1, "input") + Len(2, "FP32") + Len(3, Varint(1))) + Len(7, "ab");
  EXPECT_EQ(request.SerializeAsString(), expected);
}

TEST(ProtoWire, ModelInferResponseFieldNumbers) {
  const std::string output =
      Len(1, "d8_Yhat") + Len(2, "FP32") + Len(3, Varint(1) + Varint(2) + Varint(8));
  const std::string wire =
      Len(1, "prott5_sec") + Len(2, "1") + Len(3, "id-9") + Len(5, output) + Len(6, "OUT");
  inference::ModelInferResponse response;
  ASSERT_TRUE(response.ParseFromString(wire));
  EXPECT_EQ(response.model_name(), "prott5_sec");
  EXPECT_EQ(response.model_version(), "1");
  EXPECT_EQ(response.id(), "id-9");
  ASSERT_EQ(response.outputs_size(), 1);
  EXPECT_EQ(response.outputs(0).name(), "d8_Yhat");
  EXPECT_EQ(response.outputs(0).datatype(), "FP32");
  EXPECT_EQ(response.outputs(0).shape_size(), 3);
  EXPECT_EQ(response.outputs(0).shape(2), 8);
  ASSERT_EQ(response.raw_output_contents_size(), 1);
  EXPECT_EQ(response.raw_output_contents(0), "OUT");
}

TEST(ProtoWire, InferTensorContentsFieldNumbers) {
  const std::string wire = Len(1, Varint(1)) +                             // bool_contents
                           Len(2, Varint(5)) +                             // int_contents
                           Len(3, Varint(6)) +                             // int64_contents
                           Len(4, Varint(7)) +                             // uint_contents
                           Len(5, Varint(8)) +                             // uint64_contents
                           Len(6, Fixed32(2.5f)) +                         // fp32_contents
                           Len(7, std::string("\0\0\0\0\0\0\0\x40", 8)) +  // fp64 2.0
                           Len(8, "seq");                                  // bytes_contents
  inference::InferTensorContents contents;
  ASSERT_TRUE(contents.ParseFromString(wire));
  EXPECT_TRUE(contents.bool_contents(0));
  EXPECT_EQ(contents.int_contents(0), 5);
  EXPECT_EQ(contents.int64_contents(0), 6);
  EXPECT_EQ(contents.uint_contents(0), 7u);
  EXPECT_EQ(contents.uint64_contents(0), 8u);
  EXPECT_EQ(contents.fp32_contents(0), 2.5f);
  EXPECT_EQ(contents.fp64_contents(0), 2.0);
  EXPECT_EQ(contents.bytes_contents(0), "seq");
}

TEST(ProtoWire, HealthAndMetadataFieldNumbers) {
  inference::ModelReadyRequest ready_request;
  ASSERT_TRUE(ready_request.ParseFromString(Len(1, "tmbed") + Len(2, "1")));
  EXPECT_EQ(ready_request.name(), "tmbed");
  EXPECT_EQ(ready_request.version(), "1");

  inference::ModelReadyResponse model_ready;
  inference::ServerReadyResponse server_ready;
  inference::ServerLiveResponse server_live;
  ASSERT_TRUE(model_ready.ParseFromString(Num(1, 1)));
  ASSERT_TRUE(server_ready.ParseFromString(Num(1, 1)));
  ASSERT_TRUE(server_live.ParseFromString(Num(1, 1)));
  EXPECT_TRUE(model_ready.ready());
  EXPECT_TRUE(server_ready.ready());
  EXPECT_TRUE(server_live.live());

  const std::string tensor = Len(1, "input") + Len(2, "FP32") + Len(3, Varint(1));
  inference::ModelMetadataResponse metadata;
  ASSERT_TRUE(metadata.ParseFromString(Len(1, "seth") + Len(2, "1") + Len(3, "onnxruntime_onnx") +
                                       Len(4, tensor) + Len(5, tensor)));
  EXPECT_EQ(metadata.name(), "seth");
  EXPECT_EQ(metadata.versions(0), "1");
  EXPECT_EQ(metadata.platform(), "onnxruntime_onnx");
  EXPECT_EQ(metadata.inputs(0).name(), "input");
  EXPECT_EQ(metadata.outputs(0).datatype(), "FP32");
}

}  // namespace

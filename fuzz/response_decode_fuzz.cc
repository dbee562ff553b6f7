// Every decoder of a Triton answer: the 8 prediction adapters and the embedding extraction.
// The input is a serialized ModelInferResponse, so the fuzzer explores shapes, datatypes,
// missing or extra outputs, raw vs typed contents and truncated buffers. Decoders may throw
// (that becomes a stored model error) but must never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "adapters/registry.h"
#include "embedding/embedding_request.h"
#include "kserve/grpc_service.pb.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in string fields is reported through protobuf's log; the parse result is
  // what matters here.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  inference::ModelInferResponse response;
  if (!response.ParseFromArray(data, static_cast<int>(size))) {
    return 0;
  }
  for (const protifer::adapters::Adapter* adapter : protifer::adapters::DefaultAdapters()) {
    try {
      (void)adapter->Decode(response);
    } catch (const std::exception&) {
      // ShapeError, DecodeError, CodecError...: stored as the model's error.
    }
  }
  try {
    (void)protifer::embedding::ExtractEmbeddingFp16(response, "MKTAYIAKQR");
  } catch (const std::exception&) {
  }
  return 0;
}

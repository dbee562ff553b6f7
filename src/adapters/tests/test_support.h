// Shared fixtures of the adapter tests: an embedding whose every element is distinct (so a
// layout mistake shows up as a wrong value at a known position), byte readers for request
// payloads, and a builder for hand-made responses (raw or typed contents, any order).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "adapters/adapter.h"
#include "kserve/grpc_service.pb.h"

namespace protifer::adapters::testing {

// Embedding [seq_len x 1024] with element (r, c) = r * 1024 + c + 1: distinct, non-zero,
// and exact in float32 for any sequence length used here.
class TestEmbedding {
 public:
  explicit TestEmbedding(std::size_t seq_len)
      : seq_len_(seq_len), values_(seq_len * kEmbeddingDim), mask_(seq_len, 1.0f) {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      values_[i] = static_cast<float>(i + 1);
    }
  }
  static float At(std::size_t residue, std::size_t channel) {
    return static_cast<float>(residue * kEmbeddingDim + channel + 1);
  }
  AdapterContext context() const { return {values_, seq_len_, mask_, "MKTVRQERLK"}; }
  std::size_t seq_len() const { return seq_len_; }

 private:
  std::size_t seq_len_;
  std::vector<float> values_;
  std::vector<float> mask_;
};

// Element `index` of a little-endian FP32 byte buffer (decoded without the codec, so the
// request tests do not trust the code under test).
inline float FloatAt(const std::string& bytes, std::size_t index) {
  std::uint32_t bits = 0;
  for (std::size_t b = 0; b < 4; ++b) {
    bits |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes.at(index * 4 + b)))
            << (8 * b);
  }
  float value = 0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

inline std::string LittleEndianBytes(const std::vector<float>& values) {
  std::string bytes;
  for (float value : values) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    for (std::size_t b = 0; b < 4; ++b) {
      bytes.push_back(static_cast<char>((bits >> (8 * b)) & 0xFFu));
    }
  }
  return bytes;
}

inline std::vector<std::int64_t> ShapeOf(const inference::ModelInferRequest::InferInputTensor& t) {
  return {t.shape().begin(), t.shape().end()};
}

inline std::vector<std::string> RequestedOutputs(const inference::ModelInferRequest& request) {
  std::vector<std::string> names;
  for (const auto& output : request.outputs()) {
    names.push_back(output.name());
  }
  return names;
}

// KServe v2 conventions every adapter request must follow (contract §3.2).
inline void ExpectRequestConventions(const inference::ModelInferRequest& request,
                                     std::string_view model_name) {
  EXPECT_EQ(request.model_name(), model_name);
  EXPECT_TRUE(request.model_version().empty());
  EXPECT_TRUE(request.id().empty());
  EXPECT_TRUE(request.parameters().empty());
  ASSERT_EQ(request.raw_input_contents_size(), request.inputs_size());
  for (const auto& input : request.inputs()) {
    EXPECT_EQ(input.datatype(), "FP32") << input.name();
    EXPECT_FALSE(input.has_contents()) << input.name();
    EXPECT_TRUE(input.parameters().empty()) << input.name();
  }
  for (const auto& output : request.outputs()) {
    EXPECT_TRUE(output.parameters().empty()) << output.name();
  }
}

// Every element of a channels-last payload sits at r * 1024 + c.
inline void ExpectChannelsLastPayload(const std::string& bytes, std::size_t seq_len) {
  ASSERT_EQ(bytes.size(), seq_len * kEmbeddingDim * 4);
  for (std::size_t r = 0; r < seq_len; ++r) {
    for (std::size_t c = 0; c < kEmbeddingDim; ++c) {
      if (FloatAt(bytes, r * kEmbeddingDim + c) != TestEmbedding::At(r, c)) {
        ADD_FAILURE() << "channels-last element (r=" << r << ", c=" << c << ") wrong";
        return;
      }
    }
  }
}

// Every element of a channels-first payload: (c, r) at c * seq_len + r.
inline void ExpectChannelsFirstPayload(const std::string& bytes, std::size_t seq_len) {
  ASSERT_EQ(bytes.size(), seq_len * kEmbeddingDim * 4);
  for (std::size_t c = 0; c < kEmbeddingDim; ++c) {
    for (std::size_t r = 0; r < seq_len; ++r) {
      if (FloatAt(bytes, c * seq_len + r) != TestEmbedding::At(r, c)) {
        ADD_FAILURE() << "channels-first element (c=" << c << ", r=" << r << ") wrong";
        return;
      }
    }
  }
}

inline void ExpectMaskPayload(const std::string& bytes, std::size_t seq_len) {
  ASSERT_EQ(bytes.size(), seq_len * 4);
  for (std::size_t r = 0; r < seq_len; ++r) {
    EXPECT_EQ(FloatAt(bytes, r), 1.0f) << "mask element " << r;
  }
}

// Hand-made ModelInferResponse. Outputs appear in the order they are added; raw buffers
// stay parallel to `outputs` (an output added with typed contents gets an empty raw entry,
// which readers treat as "use the typed contents"), and a response without any raw buffer
// carries no raw_output_contents at all, as Triton does when it answers with typed contents.
class ResponseBuilder {
 public:
  explicit ResponseBuilder(std::string model_name) { response_.set_model_name(model_name); }

  ResponseBuilder& RawFp32(const std::string& name, const std::vector<float>& values) {
    return RawBytes(name, "FP32", LittleEndianBytes(values));
  }
  ResponseBuilder& RawBytes(const std::string& name, const std::string& datatype,
                            std::string bytes) {
    AddOutput(name, datatype);
    raw_.push_back(std::move(bytes));
    return *this;
  }
  ResponseBuilder& TypedFp32(const std::string& name, const std::vector<float>& values) {
    auto* output = AddOutput(name, "FP32");
    for (float value : values) {
      output->mutable_contents()->add_fp32_contents(value);
    }
    raw_.emplace_back();
    return *this;
  }
  ResponseBuilder& TypedBytes(const std::string& name, const std::vector<std::string>& elements) {
    auto* output = AddOutput(name, "BYTES");
    for (const std::string& element : elements) {
      output->mutable_contents()->add_bytes_contents(element);
    }
    raw_.emplace_back();
    return *this;
  }

  inference::ModelInferResponse Build() const {
    inference::ModelInferResponse response = response_;
    bool any_raw = false;
    for (const std::string& raw : raw_) {
      any_raw = any_raw || !raw.empty();
    }
    if (any_raw) {
      for (const std::string& raw : raw_) {
        response.add_raw_output_contents(raw);
      }
    }
    return response;
  }

 private:
  inference::ModelInferResponse::InferOutputTensor* AddOutput(const std::string& name,
                                                              const std::string& datatype) {
    auto* output = response_.add_outputs();
    output->set_name(name);
    output->set_datatype(datatype);
    return output;
  }

  inference::ModelInferResponse response_;
  std::vector<std::string> raw_;
};

// One KServe BYTES buffer: per element a uint32 little-endian length, then the payload.
inline std::string BytesTensor(const std::vector<std::string>& elements) {
  std::string out;
  for (const std::string& element : elements) {
    const auto length = static_cast<std::uint32_t>(element.size());
    for (std::size_t b = 0; b < 4; ++b) {
      out.push_back(static_cast<char>((length >> (8 * b)) & 0xFFu));
    }
    out += element;
  }
  return out;
}

// Runs `action` and checks it throws exactly `Error` (not merely something derived from a
// common base) with message `message`.
template <typename Error, typename Action>
void ExpectThrowWithMessage(Action&& action, std::string_view message) {
  try {
    action();
    ADD_FAILURE() << "expected an exception with message: " << message;
  } catch (const Error& error) {
    EXPECT_EQ(typeid(error), typeid(Error));
    EXPECT_EQ(std::string_view(error.what()), message);
  } catch (const std::exception& other) {
    ADD_FAILURE() << "wrong exception type " << typeid(other).name() << ": " << other.what();
  }
}

}  // namespace protifer::adapters::testing

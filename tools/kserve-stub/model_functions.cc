#include "model_functions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "triton/tensor_codec.h"

namespace protifer::kserve_stub {
namespace {

using nlohmann::json;

std::size_t Sz(std::int64_t value) { return static_cast<std::size_t>(value); }

std::string Param(const ModelSpec& spec, const json& params, const char* key) {
  if (!params.contains(key) || !params.at(key).is_string()) {
    throw CatalogError("model catalog: model '" + spec.name + "': function needs string '" + key +
                       "'");
  }
  return params.at(key).get<std::string>();
}

std::int64_t IntParam(const ModelSpec& spec, const json& params, const char* key,
                      std::int64_t fallback) {
  if (!params.contains(key)) return fallback;
  if (!params.at(key).is_number_integer() || params.at(key).get<std::int64_t>() < 0) {
    throw CatalogError("model catalog: model '" + spec.name + "': function parameter '" + key +
                       "' must be a non-negative integer");
  }
  return params.at(key).get<std::int64_t>();
}

void RequireInput(const ModelSpec& spec, const std::string& name) {
  if (spec.FindInput(name) == nullptr) {
    throw CatalogError("model catalog: model '" + spec.name + "': function uses unknown input '" +
                       name + "'");
  }
}

void RequireOutput(const ModelSpec& spec, const std::string& name) {
  if (spec.FindOutput(name) == nullptr) {
    throw CatalogError("model catalog: model '" + spec.name + "': function uses unknown output '" +
                       name + "'");
  }
}

bool ParseLayout(const ModelSpec& spec, const json& params, const char* key) {
  const std::string layout = params.value(key, std::string("channels_last"));
  if (layout == "channels_last") return false;
  if (layout == "channels_first") return true;
  throw CatalogError("model catalog: model '" + spec.name + "': layout must be channels_last or " +
                     "channels_first, got '" + layout + "'");
}

// The shapes reaching a function passed validation against the config, so a surprise here is a
// catalog inconsistency; report it the way a crashing backend would.
grpc::Status Internal(const std::string& model, const std::string& message) {
  return {grpc::StatusCode::INTERNAL, "model '" + model + "': " + message};
}

// K x C projection weights and K biases of one seed.
struct Projection {
  std::int64_t classes = 0;
  std::int64_t channels = 0;
  std::vector<float> weights;
  std::vector<float> bias;

  Projection(std::uint64_t seed, std::int64_t rows, std::int64_t bias_rows, std::int64_t c)
      : classes(rows), channels(c) {
    weights.resize(Sz(rows * c));
    for (std::int64_t k = 0; k < rows; ++k) {
      for (std::int64_t ch = 0; ch < c; ++ch) {
        weights[Sz(k * c + ch)] =
            ProjectionWeight(seed, static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(ch));
      }
    }
    bias.resize(Sz(bias_rows));
    for (std::int64_t k = 0; k < bias_rows; ++k) {
      bias[Sz(k)] = ProjectionBias(seed, static_cast<std::uint64_t>(k));
    }
  }

  // 0.125 * sum_c row[c] * W(k, c). Eight interleaved partial sums in a fixed order: the
  // compiler can keep them in one vector register (a plain serial sum cannot be vectorised
  // without -ffast-math), and the result stays bit-identical from run to run.
  float Dot(const float* row, std::int64_t k) const {
    const float* w = weights.data() + k * channels;
    float lanes[8] = {};
    std::int64_t c = 0;
    for (; c + 8 <= channels; c += 8) {
      for (int j = 0; j < 8; ++j) lanes[j] += row[c + j] * w[c + j];
    }
    float sum = 0.0f;
    for (; c < channels; ++c) sum += row[c] * w[c];
    for (float lane : lanes) sum += lane;
    return 0.125f * sum;
  }
};

// Residue-major [L, C] rows of batch item `b` (channels-first tensors are transposed first, so
// both layouts run the same arithmetic on the same values).
std::vector<float> ResidueRows(const std::vector<float>& values, std::int64_t b,
                               std::int64_t length, std::int64_t channels, bool channels_first) {
  const std::size_t item = Sz(length * channels);
  std::span<const float> source(values.data() + Sz(b) * item, item);
  std::vector<float> rows(item);
  if (channels_first) {
    triton::Transpose(source, Sz(channels), Sz(length), rows);
  } else {
    std::copy(source.begin(), source.end(), rows.begin());
  }
  return rows;
}

class ResidueProjection final : public ModelFunction {
 public:
  explicit ResidueProjection(const ModelSpec& spec) : model_(spec.name) {
    const json& params = spec.function;
    input_ = Param(spec, params, "input");
    RequireInput(spec, input_);
    if (params.contains("mask")) {
      mask_ = Param(spec, params, "mask");
      RequireInput(spec, mask_);
    }
    input_channels_first_ = ParseLayout(spec, params, "layout");
    channels_ = IntParam(spec, params, "channels", 1024);
    if (!params.contains("outputs") || !params.at("outputs").is_object()) {
      throw CatalogError("model catalog: model '" + spec.name + "': function needs 'outputs'");
    }
    for (const auto& [name, out] : params.at("outputs").items()) {
      RequireOutput(spec, name);
      const std::int64_t classes = IntParam(spec, out, "classes", 0);
      if (classes < 1) {
        throw CatalogError("model catalog: model '" + spec.name + "': classes must be >= 1");
      }
      const auto seed = static_cast<std::uint64_t>(IntParam(spec, out, "seed", 0));
      outputs_.push_back(OutputSpec{name, ParseLayout(spec, out, "layout"),
                                    Projection(seed, classes, classes, channels_)});
    }
    if (outputs_.size() != spec.outputs.size()) {
      throw CatalogError("model catalog: model '" + spec.name + "': function must define every " +
                         "output");
    }
  }

  grpc::Status Evaluate(const TensorList& inputs, TensorList* outputs) const override {
    const Tensor* x = FindTensor(inputs, input_);
    if (x == nullptr || x->shape().size() != 3) return Internal(model_, "input must be rank 3");
    const std::int64_t batch = x->shape()[0];
    const std::int64_t channels = input_channels_first_ ? x->shape()[1] : x->shape()[2];
    const std::int64_t length = input_channels_first_ ? x->shape()[2] : x->shape()[1];
    if (channels != channels_) {
      return Internal(model_, "input has " + std::to_string(channels) + " channels, expected " +
                                  std::to_string(channels_));
    }
    std::vector<float> mask;
    if (!mask_.empty()) {
      const Tensor* m = FindTensor(inputs, mask_);
      if (m == nullptr || m->shape() != Shape{batch, length}) {
        return Internal(model_, "mask must have shape " + ShapeToString({batch, length}));
      }
      mask = ReadFloats(*m);
    }
    const std::vector<float> values = ReadFloats(*x);
    for (const OutputSpec& out : outputs_) {
      const std::int64_t classes = out.projection.classes;
      std::vector<float> y(Sz(batch * length * classes));
      for (std::int64_t b = 0; b < batch; ++b) {
        const std::vector<float> rows =
            ResidueRows(values, b, length, channels, input_channels_first_);
        for (std::int64_t r = 0; r < length; ++r) {
          const float m = mask.empty() ? 1.0f : mask[Sz(b * length + r)];
          for (std::int64_t k = 0; k < classes; ++k) {
            const float value = m * (out.projection.Dot(rows.data() + r * channels, k) +
                                     out.projection.bias[Sz(k)]);
            const std::int64_t index = out.channels_first ? (b * classes + k) * length + r
                                                          : (b * length + r) * classes + k;
            y[Sz(index)] = value;
          }
        }
      }
      Shape shape =
          out.channels_first ? Shape{batch, classes, length} : Shape{batch, length, classes};
      outputs->push_back(MakeFp32Tensor(out.name, std::move(shape), y));
    }
    return grpc::Status::OK;
  }

 private:
  struct OutputSpec {
    std::string name;
    bool channels_first;
    Projection projection;
  };

  std::string model_;
  std::string input_;
  std::string mask_;
  bool input_channels_first_ = false;
  std::int64_t channels_ = 1024;
  std::vector<OutputSpec> outputs_;
};

class LightAttention final : public ModelFunction {
 public:
  explicit LightAttention(const ModelSpec& spec)
      : model_(spec.name),
        input_(Param(spec, spec.function, "input")),
        mask_(Param(spec, spec.function, "mask")),
        output_(Param(spec, spec.function, "output")),
        classes_(IntParam(spec, spec.function, "classes", 0)),
        channels_(IntParam(spec, spec.function, "channels", 1024)),
        // Rows 0..K-1 are the value projections, row K the attention logits.
        projection_(static_cast<std::uint64_t>(IntParam(spec, spec.function, "seed", 0)),
                    classes_ + 1, classes_, channels_) {
    RequireInput(spec, input_);
    RequireInput(spec, mask_);
    RequireOutput(spec, output_);
    if (classes_ < 1) throw CatalogError("model catalog: model '" + spec.name + "': classes < 1");
  }

  grpc::Status Evaluate(const TensorList& inputs, TensorList* outputs) const override {
    const Tensor* x = FindTensor(inputs, input_);
    const Tensor* m = FindTensor(inputs, mask_);
    if (x == nullptr || m == nullptr || x->shape().size() != 3 || m->shape().size() != 2) {
      return Internal(model_, "unexpected input ranks");
    }
    const std::int64_t batch = x->shape()[0];
    const std::int64_t channels = x->shape()[1];
    const std::int64_t length = x->shape()[2];
    // The ONNX model's Conv1d fixes the channel axis even though the config says [-1, -1]: this
    // is what a channels-last request runs into on real Triton.
    if (channels != channels_) {
      return {grpc::StatusCode::INVALID_ARGUMENT,
              "onnx runtime error 2: Got invalid dimensions for input: " + input_ +
                  " for the following indices\n index: 1 Got: " + std::to_string(channels) +
                  " Expected: " + std::to_string(channels_) +
                  "\n Please fix either the inputs or the model."};
    }
    if (m->shape()[0] != batch || m->shape()[1] != length) {
      return {grpc::StatusCode::INTERNAL,
              "onnx runtime error 1: Non-zero status code returned while running Mul node. "
              "Status Message: mask shape " +
                  ShapeToString(m->shape()) + " does not match input shape " +
                  ShapeToString(x->shape())};
    }
    const std::vector<float> values = ReadFloats(*x);
    const std::vector<float> mask = ReadFloats(*m);
    std::vector<float> y(Sz(batch * classes_));
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::vector<float> rows = ResidueRows(values, b, length, channels, true);
      std::vector<double> attention;
      std::vector<std::vector<double>> value(Sz(classes_));
      for (std::int64_t r = 0; r < length; ++r) {
        if (mask[Sz(b * length + r)] == 0.0f) continue;
        const float* row = rows.data() + r * channels;
        attention.push_back(projection_.Dot(row, classes_));
        for (std::int64_t k = 0; k < classes_; ++k) {
          value[Sz(k)].push_back(projection_.Dot(row, k));
        }
      }
      std::vector<double> alpha(attention.size());
      if (!attention.empty()) {
        const double peak = *std::max_element(attention.begin(), attention.end());
        double total = 0.0;
        for (std::size_t i = 0; i < attention.size(); ++i) {
          alpha[i] = std::exp(attention[i] - peak);
          total += alpha[i];
        }
        for (double& a : alpha) a /= total;
      }
      for (std::int64_t k = 0; k < classes_; ++k) {
        double out = projection_.bias[Sz(k)];
        if (!alpha.empty()) {
          double pooled = 0.0;
          for (std::size_t i = 0; i < alpha.size(); ++i) pooled += alpha[i] * value[Sz(k)][i];
          out += pooled + *std::max_element(value[Sz(k)].begin(), value[Sz(k)].end());
        }
        y[Sz(b * classes_ + k)] = static_cast<float>(out);
      }
    }
    outputs->push_back(MakeFp32Tensor(output_, {batch, classes_}, y));
    return grpc::Status::OK;
  }

 private:
  std::string model_;
  std::string input_;
  std::string mask_;
  std::string output_;
  std::int64_t classes_;
  std::int64_t channels_;
  Projection projection_;
};

class TmbedDecoder final : public ModelFunction {
 public:
  static constexpr std::int64_t kClasses = 5;

  explicit TmbedDecoder(const ModelSpec& spec)
      : model_(spec.name),
        mask_(Param(spec, spec.function, "mask")),
        labels_(Param(spec, spec.function, "labels")),
        probabilities_(Param(spec, spec.function, "probabilities")) {
    if (!spec.function.contains("cv_inputs") || !spec.function.at("cv_inputs").is_array()) {
      throw CatalogError("model catalog: model '" + spec.name + "': needs 'cv_inputs'");
    }
    for (const json& name : spec.function.at("cv_inputs")) {
      cv_inputs_.push_back(name.get<std::string>());
      RequireInput(spec, cv_inputs_.back());
    }
    if (cv_inputs_.empty()) throw CatalogError("model catalog: '" + spec.name + "': no CVs");
    RequireInput(spec, mask_);
    RequireOutput(spec, labels_);
    RequireOutput(spec, probabilities_);
  }

  grpc::Status Evaluate(const TensorList& inputs, TensorList* outputs) const override {
    const Tensor* m = FindTensor(inputs, mask_);
    if (m == nullptr || m->shape().size() != 2) return Internal(model_, "mask must be [B, L]");
    const std::int64_t batch = m->shape()[0];
    const std::int64_t length = m->shape()[1];
    const Shape cv_shape{batch, kClasses, length};
    std::vector<double> probabilities(Sz(batch * length * kClasses), 0.0);
    for (const std::string& name : cv_inputs_) {
      const Tensor* cv = FindTensor(inputs, name);
      if (cv == nullptr || cv->shape() != cv_shape) {
        return Internal(model_, "CV input '" + name + "' must have shape " +
                                    ShapeToString(cv_shape) + " (channels-first logits)");
      }
      const std::vector<float> logits = ReadFloats(*cv);
      for (std::int64_t b = 0; b < batch; ++b) {
        for (std::int64_t r = 0; r < length; ++r) {
          std::array<double, kClasses> e{};
          double peak = -std::numeric_limits<double>::infinity();
          for (std::int64_t k = 0; k < kClasses; ++k) {
            e[Sz(k)] = logits[Sz((b * kClasses + k) * length + r)];
            peak = std::max(peak, e[Sz(k)]);
          }
          double total = 0.0;
          for (double& v : e) {
            v = std::exp(v - peak);
            total += v;
          }
          for (std::int64_t k = 0; k < kClasses; ++k) {
            probabilities[Sz((b * length + r) * kClasses + k)] +=
                e[Sz(k)] / total / static_cast<double>(cv_inputs_.size());
          }
        }
      }
    }
    const std::vector<float> mask = ReadFloats(*m);
    std::vector<std::string> labels;
    for (std::int64_t b = 0; b < batch; ++b) {
      double mask_sum = 0.0;
      for (std::int64_t r = 0; r < length; ++r) mask_sum += mask[Sz(b * length + r)];
      const auto residues = static_cast<std::int64_t>(
          std::clamp(std::llround(mask_sum), 0LL, static_cast<long long>(length)));
      labels.push_back(Decode(probabilities, b, length, residues));
    }
    outputs->push_back(MakeBytesTensor(labels_, {batch, 1}, labels));
    std::vector<float> narrowed(probabilities.begin(), probabilities.end());
    outputs->push_back(MakeFp32Tensor(probabilities_, {batch, length, kClasses}, narrowed));
    return grpc::Status::OK;
  }

 private:
  static std::string Decode(const std::vector<double>& p, std::int64_t b, std::int64_t length,
                            std::int64_t residues) {
    static constexpr std::array<char, kClasses> kUpper{'B', 'H', 'S', 'i', 'o'};
    std::string labels;
    char last_side = 0;
    for (std::int64_t r = 0; r < residues; ++r) {
      const double* row = p.data() + (b * length + r) * kClasses;
      std::int64_t best = 0;
      for (std::int64_t k = 1; k < kClasses; ++k) {
        if (row[k] > row[best]) best = k;
      }
      char label = kUpper[Sz(best)];
      if ((label == 'B' || label == 'H') && last_side == 'o') label = label == 'B' ? 'b' : 'h';
      if (label == 'i' || label == 'o') last_side = label;
      labels.push_back(label);
    }
    return labels;
  }

  std::string model_;
  std::vector<std::string> cv_inputs_;
  std::string mask_;
  std::string labels_;
  std::string probabilities_;
};

class ProtT5Tokenizer final : public ModelFunction {
 public:
  explicit ProtT5Tokenizer(const ModelSpec& spec)
      : model_(spec.name),
        input_(Param(spec, spec.function, "input")),
        ids_(Param(spec, spec.function, "ids")),
        mask_(Param(spec, spec.function, "mask")) {
    RequireInput(spec, input_);
    RequireOutput(spec, ids_);
    RequireOutput(spec, mask_);
  }

  grpc::Status Evaluate(const TensorList& inputs, TensorList* outputs) const override {
    const Tensor* sequences = FindTensor(inputs, input_);
    if (sequences == nullptr || sequences->shape().size() != 2) {
      return Internal(model_, "sequences must be [B, n]");
    }
    const std::int64_t batch = sequences->shape()[0];
    if (sequences->shape()[1] != 1) {
      return {grpc::StatusCode::INTERNAL,
              "Failed to process the request(s) for model '" + model_ +
                  "', message: expected 1 sequence per batch item, got " +
                  std::to_string(sequences->shape()[1])};
    }
    const std::vector<std::string> strings = ReadStrings(*sequences);
    std::size_t longest = 0;
    for (const auto& s : strings) longest = std::max(longest, s.size());
    const auto width = static_cast<std::int64_t>(longest + 1);
    std::vector<std::int64_t> ids(Sz(batch * width), 0);
    std::vector<std::int64_t> mask(Sz(batch * width), 0);
    for (std::int64_t b = 0; b < batch; ++b) {
      const std::string& s = strings[Sz(b)];
      for (std::size_t i = 0; i < s.size(); ++i) {
        ids[Sz(b * width) + i] = ProtT5TokenId(static_cast<unsigned char>(s[i]));
        mask[Sz(b * width) + i] = 1;
      }
      ids[Sz(b * width) + s.size()] = 1;  // </s>
      mask[Sz(b * width) + s.size()] = 1;
    }
    outputs->push_back(MakeInt64Tensor(ids_, {batch, width}, ids));
    outputs->push_back(MakeInt64Tensor(mask_, {batch, width}, mask));
    return grpc::Status::OK;
  }

 private:
  std::string model_;
  std::string input_;
  std::string ids_;
  std::string mask_;
};

class ProtT5Encoder final : public ModelFunction {
 public:
  explicit ProtT5Encoder(const ModelSpec& spec)
      : model_(spec.name),
        ids_(Param(spec, spec.function, "ids")),
        mask_(Param(spec, spec.function, "mask")),
        output_(Param(spec, spec.function, "output")),
        channels_(IntParam(spec, spec.function, "channels", 1024)) {
    RequireInput(spec, ids_);
    RequireInput(spec, mask_);
    RequireOutput(spec, output_);
  }

  grpc::Status Evaluate(const TensorList& inputs, TensorList* outputs) const override {
    const Tensor* ids_tensor = FindTensor(inputs, ids_);
    const Tensor* mask_tensor = FindTensor(inputs, mask_);
    if (ids_tensor == nullptr || mask_tensor == nullptr || ids_tensor->shape().size() != 2 ||
        ids_tensor->shape() != mask_tensor->shape()) {
      return Internal(model_, "input_ids and attention_mask must share a [B, T] shape");
    }
    const std::int64_t batch = ids_tensor->shape()[0];
    const std::int64_t width = ids_tensor->shape()[1];
    const std::vector<std::int64_t> ids = ReadInt64s(*ids_tensor);
    std::vector<float> hidden(Sz(batch * width * channels_));
    for (std::int64_t bt = 0; bt < batch * width; ++bt) {
      const std::int64_t position = bt % width;
      for (std::int64_t c = 0; c < channels_; ++c) {
        hidden[Sz(bt * channels_ + c)] = EncoderValue(ids[Sz(bt)], position, c);
      }
    }
    outputs->push_back(MakeFp16Tensor(output_, {batch, width, channels_}, hidden));
    return grpc::Status::OK;
  }

 private:
  std::string model_;
  std::string ids_;
  std::string mask_;
  std::string output_;
  std::int64_t channels_;
};

class ProtT5Postprocess final : public ModelFunction {
 public:
  explicit ProtT5Postprocess(const ModelSpec& spec)
      : model_(spec.name),
        hidden_(Param(spec, spec.function, "hidden")),
        mask_(Param(spec, spec.function, "mask")),
        output_(Param(spec, spec.function, "output")) {
    RequireInput(spec, hidden_);
    RequireInput(spec, mask_);
    RequireOutput(spec, output_);
  }

  grpc::Status Evaluate(const TensorList& inputs, TensorList* outputs) const override {
    const Tensor* hidden = FindTensor(inputs, hidden_);
    const Tensor* mask_tensor = FindTensor(inputs, mask_);
    if (hidden == nullptr || mask_tensor == nullptr || hidden->shape().size() != 3 ||
        mask_tensor->shape().size() != 2 || hidden->shape()[0] != mask_tensor->shape()[0] ||
        hidden->shape()[1] != mask_tensor->shape()[1]) {
      return Internal(model_, "last_hidden_state [B, T, C] and attention_mask [B, T] disagree");
    }
    const std::int64_t batch = hidden->shape()[0];
    const std::int64_t width = hidden->shape()[1];
    const std::int64_t channels = hidden->shape()[2];
    const std::vector<std::int64_t> mask = ReadInt64s(*mask_tensor);
    std::vector<std::int64_t> keep(Sz(batch), 0);
    std::int64_t longest = 0;
    for (std::int64_t b = 0; b < batch; ++b) {
      std::int64_t attended = 0;
      for (std::int64_t t = 0; t < width; ++t) attended += mask[Sz(b * width + t)];
      keep[Sz(b)] = std::clamp<std::int64_t>(attended - 1, 0, width);  // drop the single </s>
      longest = std::max(longest, keep[Sz(b)]);
    }
    const std::size_t row_bytes = Sz(channels) * 2;
    std::string bytes(Sz(batch * longest) * row_bytes, '\0');
    for (std::int64_t b = 0; b < batch; ++b) {
      if (keep[Sz(b)] == 0) continue;
      std::memcpy(bytes.data() + Sz(b * longest) * row_bytes,
                  hidden->bytes().data() + Sz(b * width) * row_bytes, Sz(keep[Sz(b)]) * row_bytes);
    }
    outputs->push_back(
        Tensor::Owned(output_, DataType::kFp16, {batch, longest, channels}, std::move(bytes)));
    return grpc::Status::OK;
  }

 private:
  std::string model_;
  std::string hidden_;
  std::string mask_;
  std::string output_;
};

}  // namespace

std::uint64_t Mix64(std::uint64_t value) {
  value += 0x9E3779B97F4A7C15ULL;
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31);
}

double HashUnit(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  const std::uint64_t h = Mix64(Mix64(Mix64(a) ^ b) ^ c);
  return 2.0 * static_cast<double>(h >> 40) / 16777216.0 - 1.0;
}

float ProjectionWeight(std::uint64_t seed, std::uint64_t k, std::uint64_t channel) {
  return static_cast<float>(HashUnit(seed, k, channel));
}

float ProjectionBias(std::uint64_t seed, std::uint64_t k) {
  return static_cast<float>(0.25 * HashUnit(seed, k, std::uint64_t{1} << 32));
}

float EncoderValue(std::int64_t token, std::int64_t position, std::int64_t channel) {
  return static_cast<float>(0.5 * HashUnit(static_cast<std::uint64_t>(token),
                                           static_cast<std::uint64_t>(position),
                                           static_cast<std::uint64_t>(channel)));
}

std::int64_t ProtT5TokenId(unsigned char residue) {
  static constexpr std::string_view kVocabulary = "ALGVSREDTIPKFQNYMHWCX";  // ids 3..23
  if (residue == 'U' || residue == 'Z' || residue == 'O' || residue == 'B') residue = 'X';
  const std::size_t index = kVocabulary.find(static_cast<char>(residue));
  if (index == std::string_view::npos) return 2;  // <unk>
  return static_cast<std::int64_t>(index) + 3;
}

std::unique_ptr<ModelFunction> MakeModelFunction(const ModelSpec& spec) {
  const std::string kind = spec.function.value("kind", std::string());
  if (kind == "residue_projection") return std::make_unique<ResidueProjection>(spec);
  if (kind == "light_attention") return std::make_unique<LightAttention>(spec);
  if (kind == "tmbed_decoder") return std::make_unique<TmbedDecoder>(spec);
  if (kind == "prott5_tokenizer") return std::make_unique<ProtT5Tokenizer>(spec);
  if (kind == "prott5_encoder") return std::make_unique<ProtT5Encoder>(spec);
  if (kind == "prott5_postprocess") return std::make_unique<ProtT5Postprocess>(spec);
  throw CatalogError("model catalog: model '" + spec.name + "': unknown function kind '" + kind +
                     "'");
}

grpc::Status VerifyOutputs(const ModelSpec& spec, std::int64_t batch_size,
                           const TensorList& outputs) {
  for (const TensorSpec& expected : spec.outputs) {
    const Tensor* actual = FindTensor(outputs, expected.name);
    if (actual == nullptr)
      return Internal(spec.name, "did not produce output '" + expected.name + "'");
    if (actual->datatype() != expected.datatype) {
      return Internal(spec.name, "output '" + expected.name + "' has the wrong datatype");
    }
    Shape full = expected.dims;
    if (spec.max_batch_size > 0) full.insert(full.begin(), batch_size);
    bool match = full.size() == actual->shape().size();
    for (std::size_t i = 0; match && i < full.size(); ++i) {
      match = full[i] == -1 || full[i] == actual->shape()[i];
    }
    if (!match) {
      return Internal(spec.name, "output '" + expected.name + "' has shape " +
                                     ShapeToString(actual->shape()) + ", config allows " +
                                     ShapeToString(full));
    }
  }
  return grpc::Status::OK;
}

}  // namespace protifer::kserve_stub

#include "adapters/bind_embed.h"

#include <cmath>
#include <string>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/decode_helpers.h"
#include "adapters/request_building.h"
#include "triton/tensor_codec.h"

namespace protifer::adapters {

namespace {

double Sigmoid(double logit) { return 1.0 / (1.0 + std::exp(-logit)); }

}  // namespace

inference::ModelInferRequest BindEmbedAdapter::BuildRequest(const AdapterContext& context) const {
  return BuildFp32Request(
      kModelName, context, {{"ensemble_input", InputPayload::kEmbeddingChannelsFirst}},
      {kCvOutputs[0], kCvOutputs[1], kCvOutputs[2], kCvOutputs[3], kCvOutputs[4]});
}

nlohmann::ordered_json BindEmbedAdapter::Decode(
    const inference::ModelInferResponse& response) const {
  if (static_cast<std::size_t>(response.outputs_size()) < kCvOutputs.size()) {
    throw ShapeError("bind_embed: expected 5 outputs, got " +
                     std::to_string(response.outputs_size()));
  }
  std::array<std::vector<float>, kCvOutputs.size()> cvs;
  for (std::size_t i = 0; i < kCvOutputs.size(); ++i) {
    cvs[i] = triton::ReadFp32Output(response, RequireOutputIndex(response, kCvOutputs[i]));
    if (cvs[i].empty() || cvs[i].size() % kClasses != 0) {
      throw ShapeError("bind_embed cv" + std::to_string(i) + ": length " +
                       std::to_string(cvs[i].size()) + " not divisible by 3");
    }
  }
  for (std::size_t i = 1; i < cvs.size(); ++i) {
    if (cvs[i].size() != cvs[0].size()) {
      throw ShapeError("bind_embed cv" + std::to_string(i) + " length mismatch with cv0");
    }
  }

  const std::size_t residues = cvs[0].size() / kClasses;
  std::array<std::string, kClasses> channels;
  for (std::string& channel : channels) {
    channel.reserve(residues);
  }
  for (std::size_t r = 0; r < residues; ++r) {
    for (std::size_t c = 0; c < kClasses; ++c) {
      double sum = 0.0;
      for (const std::vector<float>& cv : cvs) {
        sum += Sigmoid(static_cast<double>(cv[r * kClasses + c]));
      }
      // A NaN logit makes the mean NaN, which compares false: '-' (as in JavaScript).
      const double mean = sum / static_cast<double>(cvs.size());
      channels[c] += mean >= kBindThreshold ? 'b' : '-';
    }
  }

  nlohmann::ordered_json result = nlohmann::ordered_json::object();
  result["metal"] = std::move(channels[0]);
  result["nucleicAcids"] = std::move(channels[1]);
  result["smallMolecules"] = std::move(channels[2]);
  return result;
}

std::optional<std::size_t> BindEmbedAdapter::DecodedResidues(
    const nlohmann::ordered_json& decoded) const {
  return decoded.at("metal").get_ref<const std::string&>().size();
}

}  // namespace protifer::adapters

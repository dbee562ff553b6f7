#include "response_builder.h"

#include <algorithm>

namespace protifer::kserve_stub {

std::optional<OutputOrder> ParseOutputOrder(std::string_view name) {
  if (name == "model") return OutputOrder::kModel;
  if (name == "requested") return OutputOrder::kRequested;
  if (name == "reversed") return OutputOrder::kReversed;
  if (name == "rotate") return OutputOrder::kRotate;
  return std::nullopt;
}

std::string_view OutputOrderName(OutputOrder order) {
  switch (order) {
    case OutputOrder::kModel:
      return "model";
    case OutputOrder::kRequested:
      return "requested";
    case OutputOrder::kReversed:
      return "reversed";
    case OutputOrder::kRotate:
      return "rotate";
  }
  return "model";
}

std::optional<OutputContents> ParseOutputContents(std::string_view name) {
  if (name == "raw") return OutputContents::kRaw;
  if (name == "typed") return OutputContents::kTyped;
  return std::nullopt;
}

std::string_view OutputContentsName(OutputContents contents) {
  return contents == OutputContents::kRaw ? "raw" : "typed";
}

std::vector<std::string> ResponseOutputNames(const ModelSpec& model,
                                             const std::vector<std::string>& requested,
                                             OutputOrder order) {
  std::vector<std::string> model_order = model.response_output_order;
  if (model_order.empty()) {
    for (const auto& output : model.outputs) model_order.push_back(output.name);
  }
  std::vector<std::string> names;
  if (order == OutputOrder::kRequested && !requested.empty()) return requested;
  for (const auto& name : model_order) {
    if (requested.empty() ||
        std::find(requested.begin(), requested.end(), name) != requested.end()) {
      names.push_back(name);
    }
  }
  if (order == OutputOrder::kReversed) std::reverse(names.begin(), names.end());
  if (order == OutputOrder::kRotate && !names.empty()) {
    std::rotate(names.begin(), names.begin() + 1, names.end());
  }
  return names;
}

void BuildInferResponse(const ModelSpec& model, const std::string& request_id,
                        const std::vector<std::string>& requested, TensorList outputs,
                        OutputOrder order, OutputContents contents,
                        inference::ModelInferResponse* response) {
  response->set_model_name(model.name);
  response->set_model_version("1");
  response->set_id(request_id);
  for (const std::string& name : ResponseOutputNames(model, requested, order)) {
    auto it = std::find_if(outputs.begin(), outputs.end(),
                           [&](const Tensor& tensor) { return tensor.name() == name; });
    if (it == outputs.end()) continue;  // VerifyOutputs guarantees presence
    auto* output = response->add_outputs();
    output->set_name(name);
    output->set_datatype(std::string(ProtocolName(it->datatype())));
    for (std::int64_t dim : it->shape()) output->add_shape(dim);
    if (contents == OutputContents::kRaw) {
      response->add_raw_output_contents(it->TakeBytes());
      continue;
    }
    auto* typed = output->mutable_contents();
    switch (it->datatype()) {
      case DataType::kFp32:
      case DataType::kFp16:
        for (float value : ReadFloats(*it)) typed->add_fp32_contents(value);
        break;
      case DataType::kInt64:
        for (std::int64_t value : ReadInt64s(*it)) typed->add_int64_contents(value);
        break;
      case DataType::kBytes:
        for (auto& element : ReadStrings(*it)) typed->add_bytes_contents(std::move(element));
        break;
      default:
        break;  // the catalog only declares the datatypes above
    }
  }
}

}  // namespace protifer::kserve_stub

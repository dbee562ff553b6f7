#include "model_catalog.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace protifer::kserve_stub {
namespace {

using nlohmann::json;

[[noreturn]] void Fail(const std::string& where, const std::string& what) {
  throw CatalogError("model catalog: " + where + ": " + what);
}

const json& Require(const json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key))
    Fail(where, std::string("missing '") + key + "'");
  return object.at(key);
}

std::string RequireString(const json& object, const char* key, const std::string& where) {
  const json& value = Require(object, key, where);
  if (!value.is_string()) Fail(where, std::string("'") + key + "' must be a string");
  return value.get<std::string>();
}

std::int64_t RequireInt(const json& value, const std::string& where, const char* what) {
  if (!value.is_number_integer()) Fail(where, std::string("'") + what + "' must be an integer");
  return value.get<std::int64_t>();
}

double OptionalNumber(const json& object, const char* key, double fallback,
                      const std::string& where) {
  if (!object.contains(key)) return fallback;
  const json& value = object.at(key);
  if (!value.is_number() || value.get<double>() < 0) {
    Fail(where, std::string("'") + key + "' must be a non-negative number");
  }
  return value.get<double>();
}

std::vector<TensorSpec> ParseTensors(const json& list, const std::string& where) {
  if (!list.is_array()) Fail(where, "tensor list must be an array");
  std::vector<TensorSpec> tensors;
  for (const json& entry : list) {
    TensorSpec spec;
    spec.name = RequireString(entry, "name", where);
    const std::string type_name = RequireString(entry, "datatype", where + " tensor " + spec.name);
    auto type = ParseCatalogDataType(type_name);
    if (!type) Fail(where + " tensor " + spec.name, "unknown datatype '" + type_name + "'");
    spec.datatype = *type;
    const json& dims = Require(entry, "dims", where + " tensor " + spec.name);
    if (!dims.is_array()) Fail(where + " tensor " + spec.name, "'dims' must be an array");
    for (const json& dim : dims) {
      std::int64_t value = RequireInt(dim, where + " tensor " + spec.name, "dims");
      if (value < -1 || value == 0) Fail(where + " tensor " + spec.name, "dims must be -1 or > 0");
      spec.dims.push_back(value);
    }
    tensors.push_back(std::move(spec));
  }
  return tensors;
}

std::vector<std::pair<std::string, std::string>> ParseMap(const json& object,
                                                          const std::string& where) {
  if (!object.is_object()) Fail(where, "map must be an object");
  std::vector<std::pair<std::string, std::string>> map;
  for (const auto& [key, value] : object.items()) {
    if (!value.is_string()) Fail(where, "map values must be strings");
    map.emplace_back(key, value.get<std::string>());
  }
  return map;
}

ModelSpec ParseModel(const json& entry) {
  ModelSpec spec;
  spec.name = RequireString(entry, "name", "model entry");
  const std::string where = "model '" + spec.name + "'";
  spec.platform = RequireString(entry, "platform", where);
  spec.max_batch_size =
      RequireInt(Require(entry, "max_batch_size", where), where, "max_batch_size");
  if (spec.max_batch_size < 0) Fail(where, "max_batch_size must be >= 0");
  spec.inputs = ParseTensors(Require(entry, "inputs", where), where);
  spec.outputs = ParseTensors(Require(entry, "outputs", where), where);
  if (spec.inputs.empty() || spec.outputs.empty()) Fail(where, "needs inputs and outputs");

  if (entry.contains("response_output_order")) {
    for (const json& name : entry.at("response_output_order")) {
      if (!name.is_string()) Fail(where, "response_output_order must list names");
      spec.response_output_order.push_back(name.get<std::string>());
    }
  }

  if (spec.IsEnsemble()) {
    const json& steps = Require(entry, "ensemble_steps", where);
    if (!steps.is_array() || steps.empty()) Fail(where, "ensemble_steps must be a non-empty array");
    for (const json& step_json : steps) {
      EnsembleStep step;
      step.model = RequireString(step_json, "model", where + " step");
      step.input_map = ParseMap(Require(step_json, "input_map", where), where + " input_map");
      step.output_map = ParseMap(Require(step_json, "output_map", where), where + " output_map");
      spec.ensemble_steps.push_back(std::move(step));
    }
    return spec;
  }

  spec.instance_count =
      static_cast<int>(RequireInt(entry.value("instance_count", json(1)), where, "instance_count"));
  if (spec.instance_count < 1) Fail(where, "instance_count must be >= 1");
  if (entry.contains("dynamic_batching")) {
    const json& batching = entry.at("dynamic_batching");
    DynamicBatching db;
    if (batching.contains("preferred_batch_size")) {
      for (const json& size : batching.at("preferred_batch_size")) {
        std::int64_t value = RequireInt(size, where, "preferred_batch_size");
        if (value < 1 || (spec.max_batch_size > 0 && value > spec.max_batch_size)) {
          Fail(where, "preferred_batch_size must be within 1..max_batch_size");
        }
        db.preferred_batch_sizes.push_back(value);
      }
      std::sort(db.preferred_batch_sizes.begin(), db.preferred_batch_sizes.end());
    }
    db.max_queue_delay = std::chrono::microseconds(
        RequireInt(batching.value("max_queue_delay_us", json(0)), where, "max_queue_delay_us"));
    if (spec.max_batch_size == 0) Fail(where, "dynamic_batching needs max_batch_size > 0");
    spec.dynamic_batching = db;
  }
  if (entry.contains("max_queue_size")) {
    std::int64_t size = RequireInt(entry.at("max_queue_size"), where, "max_queue_size");
    if (size < 1) Fail(where, "max_queue_size must be >= 1");
    spec.max_queue_size = static_cast<std::size_t>(size);
  }
  if (entry.contains("service_time")) {
    const json& time = entry.at("service_time");
    spec.service_time.fixed_ms = OptionalNumber(time, "fixed_ms", 0.0, where);
    spec.service_time.per_residue_us = OptionalNumber(time, "per_residue_us", 0.0, where);
  }
  if (entry.contains("residues")) {
    const json& residues = entry.at("residues");
    ResidueSource source;
    source.input = RequireString(residues, "input", where + " residues");
    source.string_length = residues.value("string_length", false);
    source.axis = static_cast<std::size_t>(
        RequireInt(residues.value("axis", json(1)), where, "residues.axis"));
    spec.residues = source;
  }
  spec.function = Require(entry, "function", where);
  if (!spec.function.is_object() || !spec.function.contains("kind")) {
    Fail(where, "'function' must be an object with a 'kind'");
  }
  return spec;
}

}  // namespace

const TensorSpec* ModelSpec::FindInput(std::string_view tensor_name) const {
  for (const auto& tensor : inputs) {
    if (tensor.name == tensor_name) return &tensor;
  }
  return nullptr;
}

const TensorSpec* ModelSpec::FindOutput(std::string_view tensor_name) const {
  for (const auto& tensor : outputs) {
    if (tensor.name == tensor_name) return &tensor;
  }
  return nullptr;
}

ModelCatalog ModelCatalog::FromJson(std::string_view text) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& error) {
    throw CatalogError(std::string("model catalog: invalid JSON: ") + error.what());
  }
  ModelCatalog catalog;
  if (document.contains("server")) {
    const json& server = document.at("server");
    catalog.server_name_ = server.value("name", catalog.server_name_);
    catalog.server_version_ = server.value("version", catalog.server_version_);
  }
  const json& models = Require(document, "models", "top level");
  if (!models.is_array()) Fail("top level", "'models' must be an array");
  std::set<std::string> names;
  for (const json& entry : models) {
    ModelSpec spec = ParseModel(entry);
    if (!names.insert(spec.name).second) Fail("model '" + spec.name + "'", "defined twice");
    catalog.models_.push_back(std::move(spec));
  }
  catalog.Validate();
  return catalog;
}

ModelCatalog ModelCatalog::FromFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw CatalogError("model catalog: cannot open '" + path + "'");
  std::stringstream text;
  text << file.rdbuf();
  return FromJson(text.str());
}

ModelCatalog ModelCatalog::BuiltIn() { return FromJson(BuiltInCatalogJson()); }

const ModelSpec* ModelCatalog::Find(std::string_view name) const {
  for (const auto& model : models_) {
    if (model.name == name) return &model;
  }
  return nullptr;
}

ModelSpec* ModelCatalog::FindMutable(std::string_view name) {
  for (auto& model : models_) {
    if (model.name == name) return &model;
  }
  return nullptr;
}

void ModelCatalog::Validate() const {
  for (const ModelSpec& model : models_) {
    const std::string where = "model '" + model.name + "'";
    for (const std::string& name : model.response_output_order) {
      if (model.FindOutput(name) == nullptr)
        Fail(where, "response_output_order names '" + name + "'");
    }
    if (model.response_output_order.size() > 0 &&
        model.response_output_order.size() != model.outputs.size()) {
      Fail(where, "response_output_order must list every output once");
    }
    if (!model.IsEnsemble()) {
      if (model.residues) {
        const TensorSpec* input = model.FindInput(model.residues->input);
        if (input == nullptr) Fail(where, "residues.input is not an input");
        const std::size_t rank = input->dims.size() + (model.max_batch_size > 0 ? 1 : 0);
        if (!model.residues->string_length && model.residues->axis >= rank) {
          Fail(where, "residues.axis is out of range");
        }
      }
      continue;
    }
    // Ensemble: simulate the data flow the way Triton's ensemble scheduler does.
    std::set<std::string> available;
    for (const auto& input : model.inputs) available.insert(input.name);
    std::vector<bool> done(model.ensemble_steps.size(), false);
    std::size_t remaining = model.ensemble_steps.size();
    while (remaining > 0) {
      bool progressed = false;
      for (std::size_t i = 0; i < model.ensemble_steps.size(); ++i) {
        if (done[i]) continue;
        const EnsembleStep& step = model.ensemble_steps[i];
        const ModelSpec* step_model = Find(step.model);
        if (step_model == nullptr) Fail(where, "step model '" + step.model + "' is not defined");
        if (step_model->IsEnsemble()) Fail(where, "nested ensembles are not supported");
        if (step.input_map.size() != step_model->inputs.size()) {
          Fail(where, "step '" + step.model + "' must map every input");
        }
        bool ready = true;
        for (const auto& [step_tensor, ensemble_tensor] : step.input_map) {
          if (step_model->FindInput(step_tensor) == nullptr) {
            Fail(where, "step '" + step.model + "' has no input '" + step_tensor + "'");
          }
          if (available.count(ensemble_tensor) == 0) ready = false;
        }
        for (const auto& [step_tensor, ensemble_tensor] : step.output_map) {
          if (step_model->FindOutput(step_tensor) == nullptr) {
            Fail(where, "step '" + step.model + "' has no output '" + step_tensor + "'");
          }
        }
        if (!ready) continue;
        for (const auto& mapping : step.output_map) available.insert(mapping.second);
        done[i] = true;
        --remaining;
        progressed = true;
      }
      if (!progressed) Fail(where, "some ensemble steps wait for tensors no step produces");
    }
    for (const auto& output : model.outputs) {
      if (available.count(output.name) == 0) {
        Fail(where, "no step produces ensemble output '" + output.name + "'");
      }
    }
  }
}

}  // namespace protifer::kserve_stub

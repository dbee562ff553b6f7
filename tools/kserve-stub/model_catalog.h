// The stub's model repository: what Triton would read from each config.pbtxt (names, datatypes,
// dims, max_batch_size, instances, dynamic batching, ensemble steps) plus what only a stub needs
// (simulated service time, how to count residues, which deterministic function computes the
// outputs). Loaded from JSON; tools/kserve-stub/models.json mirrors protifer's repository and is
// compiled into the binary as the default.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensor.h"

namespace protifer::kserve_stub {

// A malformed catalog: bad JSON, a missing field, an ensemble step that cannot run, ...
class CatalogError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TensorSpec {
  std::string name;
  DataType datatype = DataType::kFp32;
  Shape dims;  // without the batch dimension; -1 is a wildcard
};

// Triton's dynamic_batching block. A batch is sent as soon as it reaches the largest preferred
// size (or max_batch_size without preferred sizes), otherwise when the oldest request has waited
// max_queue_delay.
struct DynamicBatching {
  std::vector<std::int64_t> preferred_batch_sizes;
  std::chrono::microseconds max_queue_delay{0};
};

// Simulated execution time of one batch: fixed_ms + per_residue_us * (residues in the batch),
// before --time-scale is applied.
struct ServiceTime {
  double fixed_ms = 0.0;
  double per_residue_us = 0.0;
};

// Where a request's residue count comes from: batch * shape[axis] of `input`, or the summed
// byte length of the strings of a BYTES input.
struct ResidueSource {
  std::string input;
  std::size_t axis = 1;
  bool string_length = false;
};

struct EnsembleStep {
  std::string model;
  // (step tensor name, ensemble tensor name), as in Triton's input_map/output_map.
  std::vector<std::pair<std::string, std::string>> input_map;
  std::vector<std::pair<std::string, std::string>> output_map;
};

struct ModelSpec {
  std::string name;
  std::string platform;  // "onnxruntime_onnx", "python" or "ensemble"
  std::int64_t max_batch_size = 0;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  // Leaf models only.
  int instance_count = 1;
  std::optional<DynamicBatching> dynamic_batching;
  std::optional<std::size_t> max_queue_size;  // Triton's default_queue_policy.max_queue_size
  ServiceTime service_time;
  std::optional<ResidueSource> residues;
  nlohmann::json function;  // parameters of the model function (see model_functions.h)
  // Ensembles only.
  std::vector<EnsembleStep> ensemble_steps;
  // Order in which outputs appear in a response when --output-order=model (default: the order of
  // `outputs`). Real Triton does not promise any order; tmbed was observed reversed.
  std::vector<std::string> response_output_order;

  bool IsEnsemble() const { return platform == "ensemble"; }
  const TensorSpec* FindInput(std::string_view tensor_name) const;
  const TensorSpec* FindOutput(std::string_view tensor_name) const;
};

class ModelCatalog {
 public:
  // Parses and cross-checks a catalog (every step model exists, maps name real tensors, every
  // ensemble output is produced, no step waits on a tensor nobody makes). Throws CatalogError.
  static ModelCatalog FromJson(std::string_view text);
  static ModelCatalog FromFile(const std::string& path);
  // tools/kserve-stub/models.json as compiled into the binary.
  static ModelCatalog BuiltIn();

  const ModelSpec* Find(std::string_view name) const;
  // For tests and tools that tune a catalog before starting a server.
  ModelSpec* FindMutable(std::string_view name);
  const std::vector<ModelSpec>& models() const { return models_; }

  const std::string& server_name() const { return server_name_; }
  const std::string& server_version() const { return server_version_; }

 private:
  void Validate() const;

  std::string server_name_ = "triton";
  std::string server_version_ = "2.59.0";
  std::vector<ModelSpec> models_;
};

// The text of tools/kserve-stub/models.json (generated at build time).
std::string_view BuiltInCatalogJson();

}  // namespace protifer::kserve_stub

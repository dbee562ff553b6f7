#include "prediction/prediction_processor.h"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/keys.h"
#include "core/sha256.h"
#include "prediction/job_data.h"
#include "prediction/stored_prediction.h"
#include "triton/tensor_codec.h"

namespace protifer::prediction {
namespace {

// JavaScript truthiness of a JSON value: false, 0, NaN, "" and null are falsy.
bool IsTruthy(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::null:
    case nlohmann::ordered_json::value_t::discarded:
      return false;
    case nlohmann::ordered_json::value_t::boolean:
      return value.get<bool>();
    case nlohmann::ordered_json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned:
    case nlohmann::ordered_json::value_t::number_float: {
      const double number = value.get<double>();
      return number == number && number != 0.0;  // NaN and +-0 are falsy
    }
    default:
      return true;  // objects, arrays, binary
  }
}

// "Reusing the results of 7 models from an earlier attempt: seth, tmbed, ..." (registry order).
std::string ReusedResultsLine(const std::unordered_map<std::string, nlohmann::ordered_json>& reused,
                              std::span<const adapters::Adapter* const> adapters) {
  std::string models;
  std::size_t count = 0;
  for (const adapters::Adapter* adapter : adapters) {
    if (reused.contains(std::string(adapter->output_key()))) {
      models += models.empty() ? "" : ", ";
      models += adapter->model_name();
      ++count;
    }
  }
  return "Reusing the results of " + std::to_string(count) + (count == 1 ? " model" : " models") +
         " from an earlier attempt: " + models;
}

}  // namespace

nlohmann::ordered_json PredictionJobResult::ToJson() const {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  json["predictionRef"] = prediction_ref;
  json["computedAt"] = computed_at;
  return json;
}

std::size_t ValidateEmbeddingLength(std::size_t byte_length, std::string_view key,
                                    std::size_t max_bytes) {
  const std::string length = std::to_string(byte_length);
  if (byte_length == 0) {
    throw std::runtime_error("embedding buffer at " + std::string(key) +
                             " is empty (0 bytes): expected FP16 [seqLen, 1024] with seqLen >= 1");
  }
  if (byte_length > max_bytes) {
    throw std::runtime_error("embedding buffer length " + length + " at " + std::string(key) +
                             " exceeds the maximum of " + std::to_string(max_bytes) + " bytes");
  }
  if (byte_length % 2 != 0) {
    throw std::runtime_error("embedding buffer length " + length +
                             " is not valid FP16 (must be even)");
  }
  if ((byte_length / 2) % adapters::kEmbeddingDim != 0) {
    throw std::runtime_error("embedding buffer length " + length +
                             " does not match [seqLen, 1024] FP16 shape");
  }
  return byte_length / kEmbeddingRowBytes;
}

std::string EmbeddingRefFromChildren(const std::vector<nlohmann::ordered_json>& children) {
  if (children.empty() || !children.front().is_object()) {
    throw std::runtime_error(std::string(kMissingEmbeddingRefMessage));
  }
  const nlohmann::ordered_json& child = children.front();
  const auto ref = child.find("embeddingRef");
  if (ref == child.end() || !IsTruthy(*ref)) {
    throw std::runtime_error(std::string(kMissingEmbeddingRefMessage));
  }
  if (!ref->is_string()) {
    throw UnrecoverableJobError("embedding child job result has an embeddingRef of type " +
                                std::string(ref->type_name()) + ", expected a string");
  }
  return ref->get<std::string>();
}

PredictionProcessor::PredictionProcessor(storage::ObjectStore& store,
                                         triton::InferenceClient& client,
                                         concurrency::FifoSemaphore& semaphore,
                                         std::span<const adapters::Adapter* const> adapters,
                                         DispatchObserver& observer,
                                         PredictionProcessorOptions options)
    : store_(store),
      client_(client),
      semaphore_(semaphore),
      adapters_(adapters),
      observer_(observer),
      options_(std::move(options)) {
  if (!options_.clock) {
    throw std::invalid_argument("PredictionProcessorOptions::clock is empty");
  }
}

PredictionJobResult PredictionProcessor::Process(JobContext& job) const {
  const PredictionJobData data = ParsePredictionJobData(job.data());
  // Computed before any work: the key is a pure function of the job data.
  const std::string prediction_ref =
      core::PredictionRefKey(data.embedding_model, data.prediction_models, data.sequence_hash);
  job.UpdateProgress(10);

  const std::string embedding_ref = EmbeddingRefFromChildren(job.ChildrenValues());
  std::size_t seq_len = 0;
  std::vector<float> embedding;
  std::string input_identity;
  {
    // Scoped so the FP16 bytes are freed before the fan-out; only the FP32 copy is needed.
    const std::string fp16 = store_.Get(embedding_ref);
    seq_len = ValidateEmbeddingLength(fp16.size(), embedding_ref, options_.max_embedding_bytes);
    embedding = triton::Fp16BytesToFloats(fp16);  // once per job, shared by all 8 adapters
    if (options_.result_store != nullptr) {
      // What the models see, whatever the attempt: kept results are reused only for this input.
      input_identity = core::Sha256Hex(fp16);
    }
  }
  const std::vector<float> mask(seq_len, 1.0f);
  job.UpdateProgress(30);

  DispatchOptions dispatch_options;
  dispatch_options.clock = options_.clock;
  ModelResultStore* const kept = options_.result_store;
  if (kept != nullptr) {
    dispatch_options.reused = kept->Load(job.id(), input_identity);
    if (!dispatch_options.reused.empty()) {
      job.Log(ReusedResultsLine(dispatch_options.reused, adapters_));
    }
    dispatch_options.on_result = [kept, &job, &input_identity](
                                     const std::string& output_key,
                                     const nlohmann::ordered_json& value) {
      kept->Save(job.id(), input_identity, output_key, value);
    };
  }
  const adapters::AdapterContext context{embedding, seq_len, mask, data.sequence};
  const DispatchResult result =
      DispatchAll(context, adapters_, client_, semaphore_, observer_, dispatch_options);
  job.UpdateProgress(80);

  if (result.AllFailed()) {
    throw std::runtime_error(std::string(kAllModelsFailedPrefix) + result.FailureSummary());
  }

  store_.Put(prediction_ref, SerializeStoredPrediction(data.prediction_models, result),
             kStoredPredictionContentType);
  if (kept != nullptr) {
    kept->Forget(job.id());
  }
  PredictionJobResult job_result{prediction_ref, FormatIsoTimestamp(options_.clock())};
  job.UpdateProgress(100);
  job.Log("Stored prediction at " + prediction_ref);
  return job_result;
}

}  // namespace protifer::prediction

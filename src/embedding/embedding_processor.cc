#include "embedding/embedding_processor.h"

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "core/keys.h"
#include "embedding/embedding_request.h"
#include "prediction/classification.h"
#include "prediction/job_data.h"

namespace protifer::embedding {
namespace {

using SteadyClock = std::chrono::steady_clock;

double SecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

// EmbeddingJobData: the fields this processor reads (named errors, as for prediction jobs).
struct EmbeddingJobData {
  std::string sequence;
  std::string sequence_hash;
  core::ModelVersion embedding_model;
};

EmbeddingJobData ParseEmbeddingJobData(const nlohmann::ordered_json& data) {
  prediction::RequireObject(data, "");
  return EmbeddingJobData{prediction::RequireStringField(data, "", "sequence"),
                          prediction::RequireStringField(data, "", "sequenceHash"),
                          prediction::RequireModelVersionField(data, "embeddingModel")};
}

}  // namespace

nlohmann::ordered_json EmbeddingJobResult::ToJson() const {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  json["embeddingRef"] = embedding_ref;
  json["computedAt"] = computed_at;
  return json;
}

void EmbeddingObserver::OnModelCall(std::string_view /*model_name*/, std::string_view /*status*/,
                                    double /*seconds*/) {}
void EmbeddingObserver::OnEmbeddingJob(std::string_view /*status*/, double /*seconds*/) {}

EmbeddingObserver& NoopEmbeddingObserver() {
  class Noop final : public EmbeddingObserver {};
  static Noop noop;  // stateless: safe to share between threads
  return noop;
}

EmbeddingProcessor::EmbeddingProcessor(storage::ObjectStore& store, triton::InferenceClient& client,
                                       EmbeddingObserver& observer,
                                       EmbeddingProcessorOptions options)
    : store_(store), client_(client), observer_(observer), options_(std::move(options)) {
  if (!options_.clock) {
    throw std::invalid_argument("EmbeddingProcessorOptions::clock is empty");
  }
}

EmbeddingJobResult EmbeddingProcessor::Process(prediction::JobContext& job) const {
  const SteadyClock::time_point started = SteadyClock::now();
  try {
    EmbeddingJobResult result = ProcessUntimed(job);
    observer_.OnEmbeddingJob("success", SecondsSince(started));
    return result;
  } catch (...) {
    observer_.OnEmbeddingJob("failure", SecondsSince(started));
    throw;
  }
}

EmbeddingJobResult EmbeddingProcessor::ProcessUntimed(prediction::JobContext& job) const {
  const EmbeddingJobData data = ParseEmbeddingJobData(job.data());
  const std::string embedding_ref = core::EmbeddingRefKey(data.embedding_model, data.sequence_hash);

  // Content-addressed: the same sequence and model always give the same bytes, so a stored
  // object is reused as it is.
  if (store_.Exists(embedding_ref)) {
    job.Log("Cache hit: reusing stored embedding at " + embedding_ref);
    return EmbeddingJobResult{embedding_ref, prediction::FormatIsoTimestamp(options_.clock())};
  }

  job.UpdateProgress(10);
  const auto request =
      std::make_shared<const inference::ModelInferRequest>(BuildEmbeddingRequest(data.sequence));
  const std::string model_name(kEmbeddingModelName);
  const SteadyClock::time_point call_started = SteadyClock::now();
  std::optional<triton::InferResult> result;
  try {
    result.emplace(client_.ModelInfer(request));
  } catch (...) {
    observer_.OnModelCall(
        model_name,
        prediction::ModelErrorCodeName(prediction::ClassifyTritonStatus(std::current_exception())),
        SecondsSince(call_started));
    throw;
  }
  if (!result->ok()) {
    observer_.OnModelCall(
        model_name,
        prediction::ModelErrorCodeName(prediction::ModelErrorCodeForStatus(result->error().code())),
        SecondsSince(call_started));
    throw result->error();
  }
  observer_.OnModelCall(model_name, "success", SecondsSince(call_started));
  job.UpdateProgress(70);

  const std::string bytes = ExtractEmbeddingFp16(result->value(), data.sequence);
  result.reset();                        // the response holds a second copy of the bytes
  store_.Put(embedding_ref, bytes, "");  // protifer passes no content type
  job.UpdateProgress(100);
  job.Log("Stored embedding at " + embedding_ref + " (" + std::to_string(bytes.size()) +
          " FP16 bytes)");
  return EmbeddingJobResult{embedding_ref, prediction::FormatIsoTimestamp(options_.clock())};
}

}  // namespace protifer::embedding

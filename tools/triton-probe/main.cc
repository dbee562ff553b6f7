// triton-probe: asks a Triton (or kserve-stub) server what the workers will ask it, through the
// project's own client and fan-out, and prints what happened.
//
//  1. boot gate: waits for ServerReady, then checks ModelReady of every model the workers use;
//  2. embedding: one prot_t5_pipeline call for the sequence, as the embedding worker makes it;
//  3. prediction: `--jobs` concurrent fan-outs of the 8 adapters over that embedding, all
//     sharing one FIFO semaphore of `--max-inflight` permits, as the prediction worker does.
// Exit code 0 when every model answered, 1 when something failed, 2 for bad flags.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "adapters/registry.h"
#include "concurrency/fifo_semaphore.h"
#include "core/js_json.h"
#include "embedding/embedding_request.h"
#include "prediction/dispatch.h"
#include "triton/client.h"
#include "triton/tensor_codec.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kUsage = R"(usage: triton-probe --url HOST:PORT [options]

Checks a Triton (or kserve-stub) server the way the workers use it: readiness of every model,
one prot_t5_pipeline embedding, then concurrent prediction fan-outs of the 8 models bounded by
one FIFO semaphore. Prints a table per step.

  --url HOST:PORT        Triton gRPC endpoint (default: $TRITON_URL, else 127.0.0.1:8001)
  --sequence LETTERS     protein sequence to embed (default: a 120-residue sample)
  --jobs N               concurrent prediction jobs (default 3)
  --max-inflight N       permits of the shared semaphore (default 8)
  --boot-timeout-ms MS   how long to wait for ServerReady (default 30000)
  --deadline-ms MS       per-attempt ModelInfer deadline (default 90000)
  --help                 this text
Exit codes: 0 all calls succeeded, 1 a call failed or the server never became ready, 2 bad flags.
)";

constexpr std::string_view kSampleSequence =
    "MSDNGPQSNQRSAPRITFGGPTDSTDNNQNGGRNGARPKQRRPQGLPNNTASWFTALTQHGKEELRFPRGQGVPINTNSGPDDQIGYY"
    "RRATRRVRGGDGKMKELSPRWYFYYLGTGPEA";

struct Flags {
  std::string url;
  std::string sequence{kSampleSequence};
  int jobs = 3;
  int max_inflight = 8;
  long boot_timeout_ms = 30000;
  long deadline_ms = 90000;
};

std::optional<long> ParsePositive(std::string_view text) {
  char* end = nullptr;
  const std::string copy(text);
  const long value = std::strtol(copy.c_str(), &end, 10);
  if (copy.empty() || *end != '\0' || value <= 0) {
    return std::nullopt;
  }
  return value;
}

// Returns nullopt after printing the problem (exit 2).
std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  const char* env_url = std::getenv("TRITON_URL");
  flags.url = env_url != nullptr && *env_url != '\0' ? env_url : "127.0.0.1:8001";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    std::string_view value;
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::cerr << "triton-probe: " << arg << " needs a value\n" << kUsage;
      return std::nullopt;
    }
    const auto number = ParsePositive(value);
    auto need_number = [&](auto& field) {
      if (!number) {
        std::cerr << "triton-probe: " << arg << " must be a positive integer, got '" << value
                  << "'\n";
        return false;
      }
      field = static_cast<std::remove_reference_t<decltype(field)>>(*number);
      return true;
    };
    bool ok = true;
    if (arg == "--url") {
      flags.url = value;
    } else if (arg == "--sequence") {
      flags.sequence = value;
    } else if (arg == "--jobs") {
      ok = need_number(flags.jobs);
    } else if (arg == "--max-inflight") {
      ok = need_number(flags.max_inflight);
    } else if (arg == "--boot-timeout-ms") {
      ok = need_number(flags.boot_timeout_ms);
    } else if (arg == "--deadline-ms") {
      ok = need_number(flags.deadline_ms);
    } else {
      std::cerr << "triton-probe: unknown flag " << arg << "\n" << kUsage;
      return std::nullopt;
    }
    if (!ok) {
      return std::nullopt;
    }
  }
  if (flags.sequence.empty()) {
    std::cerr << "triton-probe: --sequence must not be empty\n";
    return std::nullopt;
  }
  return flags;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Counts calls per model and the longest wait for a permit, as the fan-out reports them.
class ProbeObserver final : public protifer::prediction::DispatchObserver {
 public:
  void OnPermitWait(std::string_view, double seconds) override {
    const std::lock_guard lock(mutex_);
    max_permit_wait_ = std::max(max_permit_wait_, seconds);
  }

  void OnInferCall(std::string_view model, std::string_view status, double seconds) override {
    const std::lock_guard lock(mutex_);
    auto& entry = calls_[std::string(model)];
    entry.count += 1;
    entry.seconds += seconds;
    if (status != "success") {
      entry.failures += 1;
    }
  }

  struct ModelCalls {
    int count = 0;
    int failures = 0;
    double seconds = 0;
  };
  std::map<std::string, ModelCalls> calls() const {
    const std::lock_guard lock(mutex_);
    return calls_;
  }
  double max_permit_wait() const {
    const std::lock_guard lock(mutex_);
    return max_permit_wait_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, ModelCalls> calls_;
  double max_permit_wait_ = 0;
};

bool WaitForServer(protifer::triton::Client& client, long timeout_ms) {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::milliseconds(timeout_ms);
  std::string last_reason;
  while (Clock::now() < deadline) {
    const auto ready = client.ProbeServerReady();
    if (ready.ok() && ready.value()) {
      std::printf("server %s ready after %.2f s\n", client.options().target.c_str(),
                  SecondsSince(start));
      return true;
    }
    last_reason = ready.ok() ? "ServerReady false" : ready.error().what();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::printf("server %s not ready after %ld ms: %s\n", client.options().target.c_str(), timeout_ms,
              last_reason.c_str());
  return false;
}

std::string Preview(const nlohmann::ordered_json& value, std::size_t width) {
  std::string text = protifer::core::JsJsonStringify(value);
  if (text.size() > width) {
    text.resize(width - 3);
    text += "...";
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const auto flags = ParseFlags(argc, argv);
  if (!flags) {
    return 2;
  }
  protifer::triton::ClientOptions options;
  options.target = flags->url;
  options.infer_deadline = std::chrono::milliseconds(flags->deadline_ms);
  protifer::triton::Client client(options);

  // 1. Boot gate.
  if (!WaitForServer(client, flags->boot_timeout_ms)) {
    return 1;
  }
  const auto& adapters = protifer::adapters::DefaultAdapters();
  std::vector<std::string> models{std::string(protifer::embedding::kEmbeddingModelName)};
  for (const auto* adapter : adapters) {
    models.emplace_back(adapter->model_name());
  }
  bool all_ready = true;
  std::printf("\n%-28s %s\n", "model", "ready");
  for (const auto& model : models) {
    const auto ready = client.ProbeModelReady(model);
    const bool is_ready = ready.ok() && ready.value();
    all_ready = all_ready && is_ready;
    std::printf("%-28s %s\n", model.c_str(),
                is_ready ? "yes" : (ready.ok() ? "no" : ready.error().what()));
  }
  if (!all_ready) {
    return 1;
  }

  // 2. Embedding, exactly as the embedding worker requests it.
  const auto embed_start = Clock::now();
  const auto embed_result = client.ModelInfer(std::make_shared<const inference::ModelInferRequest>(
      protifer::embedding::BuildEmbeddingRequest(flags->sequence)));
  if (!embed_result.ok()) {
    std::printf("\nembedding failed: %s\n", embed_result.error().what());
    return 1;
  }
  std::vector<float> embedding;
  try {
    embedding = protifer::triton::Fp16BytesToFloats(
        protifer::embedding::ExtractEmbeddingFp16(embed_result.value(), flags->sequence));
  } catch (const std::exception& error) {
    std::printf("\nembedding unusable: %s\n", error.what());
    return 1;
  }
  const std::size_t seq_len = embedding.size() / 1024;
  std::printf("\nembedding: %s -> [%zu, 1024] FP16 in %.3f s (%d attempt(s))\n",
              std::string(protifer::embedding::kEmbeddingModelName).c_str(), seq_len,
              SecondsSince(embed_start), embed_result.attempts());

  // 3. Concurrent fan-outs through one shared semaphore.
  const std::vector<float> mask(seq_len, 1.0f);
  const protifer::adapters::AdapterContext context{embedding, seq_len, mask, flags->sequence};
  protifer::concurrency::FifoSemaphore semaphore(flags->max_inflight);
  ProbeObserver observer;
  std::vector<protifer::prediction::DispatchResult> results(static_cast<std::size_t>(flags->jobs));
  const auto fan_out_start = Clock::now();
  {
    std::vector<std::jthread> jobs;
    for (auto& result : results) {
      jobs.emplace_back([&] {
        result = protifer::prediction::DispatchAll(context, adapters, client, semaphore, observer);
      });
    }
  }
  const double fan_out_seconds = SecondsSince(fan_out_start);

  const auto calls = observer.calls();
  std::printf("\n%-26s %-30s %-9s %-8s %s\n", "model", "output key", "calls ok", "mean s",
              "first job's result");
  bool all_ok = true;
  for (const auto* adapter : adapters) {
    const std::string model(adapter->model_name());
    const std::string key(adapter->output_key());
    const auto found = calls.find(model);
    const auto stats = found == calls.end() ? ProbeObserver::ModelCalls{} : found->second;
    std::string detail;
    const auto& first = results.front();
    if (first.outputs.contains(key)) {
      detail = Preview(first.outputs.at(key), 60);
    } else {
      for (const auto& failure : first.model_errors) {
        if (failure.output_key == key) {
          detail = std::string(protifer::prediction::ModelErrorCodeName(failure.code)) + ": " +
                   failure.message;
        }
      }
    }
    all_ok = all_ok && stats.failures == 0 && stats.count == flags->jobs;
    std::printf("%-26s %-30s %3d/%-5d %-8.3f %s\n", model.c_str(), key.c_str(),
                stats.count - stats.failures, stats.count,
                stats.count > 0 ? stats.seconds / stats.count : 0.0, detail.c_str());
  }
  std::printf(
      "\n%d job(s) x %zu models in %.3f s (%.2f jobs/s) through %d shared permits; longest "
      "permit wait %.3f s\n",
      flags->jobs, adapters.size(), fan_out_seconds, flags->jobs / fan_out_seconds,
      flags->max_inflight, observer.max_permit_wait());
  return all_ok ? 0 : 1;
}

// Fixtures of the dispatch and processor tests: stand-in adapters with the registry's names, an
// observer that records what it is told, and a client decorator that measures in-flight calls
// the way the semaphore bounds them and can park calls to complete them in any order.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/adapter.h"
#include "prediction/dispatch_observer.h"
#include "triton/inference_client.h"

namespace protifer::prediction::testing {

// The registry's (model name, output key) pairs in fan-out order (spec §3.1).
inline const std::vector<std::pair<std::string, std::string>>& RegistryNames() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"prott5_sec", "prott5_secondary_structure"},
      {"tmbed", "tmbed"},
      {"seth", "seth"},
      {"bind_embed", "bindembed"},
      {"prott5_cons", "prott5_conservation"},
      {"vespag", "variation"},
      {"light_attention_subcell", "light_attention_subcellular"},
      {"light_attention_membrane", "light_attention_membrane"}};
  return names;
}

// Builds a one-input request (shape [1, seq_len]) and decodes any response to
// "<output_key>:ok", unless a hook says otherwise. Hooks run on whatever thread calls the
// adapter, so they must be thread-safe when the test shares them between jobs.
class FakeAdapter final : public adapters::Adapter {
 public:
  using BuildHook = std::function<void(std::string_view model_name)>;
  using DecodeHook = std::function<nlohmann::ordered_json(const inference::ModelInferResponse&)>;

  FakeAdapter(std::string model_name, std::string output_key)
      : model_name_(std::move(model_name)), output_key_(std::move(output_key)) {}

  void set_build_hook(BuildHook hook) { build_hook_ = std::move(hook); }
  void set_decode_hook(DecodeHook hook) { decode_hook_ = std::move(hook); }
  // What DecodedResidues reports (default: nullopt, a per-protein model).
  void set_decoded_residues(std::optional<std::size_t> residues) { residues_ = residues; }

  std::string_view model_name() const override { return model_name_; }
  std::string_view output_key() const override { return output_key_; }

  inference::ModelInferRequest BuildRequest(
      const adapters::AdapterContext& context) const override {
    if (build_hook_) {
      build_hook_(model_name_);
    }
    inference::ModelInferRequest request;
    request.set_model_name(model_name_);
    auto* input = request.add_inputs();
    input->set_name("input");
    input->set_datatype("FP32");
    input->add_shape(1);
    input->add_shape(static_cast<std::int64_t>(context.seq_len));
    request.add_raw_input_contents(std::string(context.seq_len * 4, '\0'));
    return request;
  }

  nlohmann::ordered_json Decode(const inference::ModelInferResponse& response) const override {
    if (decode_hook_) {
      return decode_hook_(response);
    }
    return output_key_ + ":ok";
  }

  std::optional<std::size_t> DecodedResidues(const nlohmann::ordered_json&) const override {
    return residues_;
  }

 private:
  std::string model_name_;
  std::string output_key_;
  std::optional<std::size_t> residues_;
  BuildHook build_hook_;
  DecodeHook decode_hook_;
};

// Eight FakeAdapters with the registry's names, in registry order.
class FakeRegistry {
 public:
  FakeRegistry() {
    for (const auto& [model, key] : RegistryNames()) {
      owned_.push_back(std::make_unique<FakeAdapter>(model, key));
      pointers_.push_back(owned_.back().get());
    }
  }
  FakeAdapter& adapter(std::string_view model_name) {
    for (auto& adapter : owned_) {
      if (adapter->model_name() == model_name) {
        return *adapter;
      }
    }
    throw std::out_of_range("no fake adapter " + std::string(model_name));
  }
  std::span<const adapters::Adapter* const> adapters() const { return pointers_; }

 private:
  std::vector<std::unique_ptr<FakeAdapter>> owned_;
  std::vector<const adapters::Adapter*> pointers_;
};

// Records every observer call (thread-safe: shared by concurrent jobs in some tests).
class RecordingObserver final : public DispatchObserver {
 public:
  struct Call {
    std::string model;
    std::string status;
    double seconds;
  };

  void OnModelCall(std::string_view model, std::string_view status, double seconds) override {
    std::lock_guard lock(mutex_);
    model_calls_.push_back({std::string(model), std::string(status), seconds});
  }
  void OnPermitWait(std::string_view model, double seconds) override {
    std::lock_guard lock(mutex_);
    permit_waits_.push_back({std::string(model), "", seconds});
  }
  void OnInferCall(std::string_view model, std::string_view status, double seconds) override {
    std::lock_guard lock(mutex_);
    infer_calls_.push_back({std::string(model), std::string(status), seconds});
  }
  void OnFanOut(std::string_view status, double seconds) override {
    std::lock_guard lock(mutex_);
    fan_outs_.push_back({"", std::string(status), seconds});
  }

  std::vector<Call> model_calls() const { return Locked(model_calls_); }
  std::vector<Call> permit_waits() const { return Locked(permit_waits_); }
  std::vector<Call> infer_calls() const { return Locked(infer_calls_); }
  std::vector<Call> fan_outs() const { return Locked(fan_outs_); }

 private:
  std::vector<Call> Locked(const std::vector<Call>& calls) const {
    std::lock_guard lock(mutex_);
    return calls;
  }

  mutable std::mutex mutex_;
  std::vector<Call> model_calls_;
  std::vector<Call> permit_waits_;
  std::vector<Call> infer_calls_;
  std::vector<Call> fan_outs_;
};

// Wraps a client to count calls in flight exactly as the semaphore bounds them: from
// ModelInferAsync until just before the caller's `done` runs (the caller releases its permit
// inside `done`, and may start the next call there). Optionally parks calls so a test can let
// them through in any order and from its own thread.
class GateClient final : public triton::InferenceClient {
 public:
  explicit GateClient(triton::InferenceClient& inner) : inner_(inner) {}

  void set_park(bool park) {
    std::lock_guard lock(mutex_);
    park_ = park;
  }

  // Extra hook run on the calling thread at the start of ModelInferAsync (ordering logs).
  void set_on_call(std::function<void(const inference::ModelInferRequest&)> on_call) {
    std::lock_guard lock(mutex_);
    on_call_ = std::move(on_call);
  }

  void ModelInferAsync(std::shared_ptr<const inference::ModelInferRequest> request,
                       triton::InferCallback done) override {
    std::function<void(const inference::ModelInferRequest&)> on_call;
    bool park = false;
    {
      std::lock_guard lock(mutex_);
      ++in_flight_;
      max_in_flight_ = std::max(max_in_flight_, in_flight_);
      on_call = on_call_;
      park = park_;
    }
    if (on_call) {
      on_call(*request);
    }
    triton::InferCallback counted = [this, done = std::move(done)](triton::InferResult result) {
      {
        std::lock_guard lock(mutex_);
        --in_flight_;
      }
      changed_.notify_all();
      done(std::move(result));
    };
    if (park) {
      {
        std::lock_guard lock(mutex_);
        parked_.push_back({std::move(request), std::move(counted)});
      }
      changed_.notify_all();
      return;
    }
    inner_.ModelInferAsync(std::move(request), std::move(counted));
  }

  bool WaitForParked(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return parked_.size() >= count; });
  }
  std::size_t parked() const {
    std::lock_guard lock(mutex_);
    return parked_.size();
  }
  // Forwards the parked call at `index` (0 = oldest) to the inner client.
  void ReleaseParked(std::size_t index) {
    Parked call;
    {
      std::lock_guard lock(mutex_);
      call = std::move(parked_.at(index));
      parked_.erase(parked_.begin() + static_cast<std::ptrdiff_t>(index));
    }
    inner_.ModelInferAsync(std::move(call.request), std::move(call.done));
  }

  int in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_;
  }
  int max_in_flight() const {
    std::lock_guard lock(mutex_);
    return max_in_flight_;
  }

  triton::CallResult<bool> ProbeServerReady() override { return inner_.ProbeServerReady(); }
  triton::CallResult<bool> ProbeModelReady(const std::string& name,
                                           const std::string& version) override {
    return inner_.ProbeModelReady(name, version);
  }

 private:
  struct Parked {
    std::shared_ptr<const inference::ModelInferRequest> request;
    triton::InferCallback done;
  };

  triton::InferenceClient& inner_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool park_ = false;
  std::function<void(const inference::ModelInferRequest&)> on_call_;
  std::vector<Parked> parked_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

// Polls `condition` until it holds; false after `timeout` (generous: never a timing assertion).
template <typename Condition>
bool Eventually(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace protifer::prediction::testing

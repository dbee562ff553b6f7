#include "prediction/dispatch.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter_errors.h"

namespace protifer::prediction {
namespace {

using SteadyClock = std::chrono::steady_clock;
using concurrency::FifoSemaphore;

// A per-residue answer must cover the embedding's residues (Adapter::DecodedResidues).
void CheckResidueCount(const adapters::Adapter& adapter, const nlohmann::ordered_json& decoded,
                       std::size_t seq_len) {
  const std::optional<std::size_t> residues = adapter.DecodedResidues(decoded);
  if (residues && *residues != seq_len) {
    throw adapters::ShapeError(std::string(adapter.model_name()) + ": output covers " +
                               std::to_string(*residues) + " residues, expected " +
                               std::to_string(seq_len) + " (the embedding's length)");
  }
}

double Seconds(SteadyClock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// Everything known about one adapter's call. Written by whichever thread drives the call at the
// time (job thread, semaphore hand-off, gRPC completion), always under FanOutState::mutex.
struct CallSlot {
  const adapters::Adapter* adapter = nullptr;
  SteadyClock::time_point started;  // the model timer: before BuildRequest
  std::shared_ptr<const inference::ModelInferRequest> request;
  std::optional<inference::ModelInferResponse> response;
  std::exception_ptr error;  // build, permit or inference failure
  // Decoded on the job thread once the call settled (or taken from an earlier attempt).
  std::optional<nlohmann::ordered_json> decoded;
  std::exception_ptr decode_error;
  SteadyClock::duration decode_time{};
  bool reused = false;
  bool permit_granted = false;
  SteadyClock::time_point permit_requested;
  SteadyClock::time_point permit_granted_at;
  SteadyClock::time_point settled_at;
};

// Shared by the job thread and the callbacks of the job's calls; the callbacks keep it alive.
struct FanOutState {
  std::mutex mutex;
  std::condition_variable settled;
  std::vector<CallSlot> slots;
  std::size_t unsettled = 0;
  // Slots settled since the job thread last looked, in completion order.
  std::vector<std::size_t> newly_settled;
};

// Gives a permit back from a completion callback. FifoSemaphore::Permit::Release may propagate an
// exception thrown by the callback of the waiter it hands the permit to; the semaphore is
// consistent either way, and a gRPC thread must not throw, so the exception stops here. (The
// callbacks this file registers never throw.)
void ReleaseQuietly(FifoSemaphore::Permit& permit) noexcept {
  try {
    permit.Release();
  } catch (...) {  // NOLINT(bugprone-empty-catch): see above
  }
}

// One in-flight adapter call: owned jointly by the semaphore's waiter entry and the client's
// completion callback, so it lives exactly as long as somebody may still complete it.
class PendingCall : public std::enable_shared_from_this<PendingCall> {
 public:
  PendingCall(std::shared_ptr<FanOutState> state, std::size_t index,
              triton::InferenceClient& client)
      : state_(std::move(state)), index_(index), client_(client) {}

  // A call nobody completed (the client dropped its callback against its contract, or the
  // semaphore was destroyed with this call still waiting) still settles, so the job thread can
  // never wait forever.
  ~PendingCall() {
    if (!settled_.load()) {
      Settle(std::nullopt, std::make_exception_ptr(
                               std::runtime_error("ModelInfer was abandoned without a result")));
    }
  }
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;

  void MarkPermitRequested() {
    std::lock_guard lock(state_->mutex);
    state_->slots[index_].permit_requested = SteadyClock::now();
  }

  // Runs on the job thread (free permit) or on the thread that handed the permit over.
  void OnPermitGranted(FifoSemaphore::Permit permit) noexcept {
    try {
      std::shared_ptr<const inference::ModelInferRequest> request;
      {
        std::lock_guard lock(state_->mutex);
        CallSlot& slot = state_->slots[index_];
        slot.permit_granted = true;
        slot.permit_granted_at = SteadyClock::now();
        request = slot.request;
      }
      // std::function needs a copyable callable; the permit is move-only.
      auto held = std::make_shared<FifoSemaphore::Permit>(std::move(permit));
      try {
        client_.ModelInferAsync(std::move(request),
                                [self = shared_from_this(), held](triton::InferResult result) {
                                  self->OnCompleted(*held, std::move(result));
                                });
      } catch (...) {
        // The client refused the call: nothing is in flight, so the permit goes back now.
        ReleaseQuietly(*held);
        Settle(std::nullopt, std::current_exception());
      }
    } catch (...) {
      // Allocation failure before the call started; `permit` (if still here) is released by
      // unwinding.
      Settle(std::nullopt, std::current_exception());
    }
  }

  // Runs on a client (gRPC) thread: record, release, wake. Nothing here blocks or throws.
  void OnCompleted(FifoSemaphore::Permit& permit, triton::InferResult result) noexcept {
    // Release before settling: once the job thread sees every call settled, every permit of the
    // job must already be back (or handed to the next waiter).
    ReleaseQuietly(permit);
    try {
      if (result.ok()) {
        Settle(std::move(result).value(), nullptr);
      } else {
        Settle(std::nullopt, std::make_exception_ptr(result.error()));
      }
    } catch (...) {
      Settle(std::nullopt, std::current_exception());
    }
  }

  // First outcome wins; later ones (a client that answers twice) are ignored.
  void Settle(std::optional<inference::ModelInferResponse> response,
              std::exception_ptr error) noexcept {
    if (settled_.exchange(true)) {
      return;
    }
    std::lock_guard lock(state_->mutex);
    CallSlot& slot = state_->slots[index_];
    slot.settled_at = SteadyClock::now();
    if (response.has_value()) {
      slot.response.emplace(std::move(*response));
    } else {
      slot.error = std::move(error);
    }
    --state_->unsettled;
    state_->newly_settled.push_back(index_);
    state_->settled.notify_all();
  }

 private:
  std::shared_ptr<FanOutState> state_;
  std::size_t index_;
  triton::InferenceClient& client_;
  std::atomic<bool> settled_{false};
};

}  // namespace

std::string DispatchResult::FailureSummary() const {
  std::string summary;
  for (const ModelFailure& failure : model_errors) {
    if (!summary.empty()) {
      summary += " | ";
    }
    summary += failure.output_key;
    summary += '(';
    summary += ModelErrorCodeName(failure.code);
    summary += "): ";
    summary += failure.message;
  }
  return summary;
}

DispatchResult DispatchAll(const adapters::AdapterContext& context,
                           std::span<const adapters::Adapter* const> adapters,
                           triton::InferenceClient& client, concurrency::FifoSemaphore& semaphore,
                           DispatchObserver& observer, const DispatchOptions& options) {
  const SteadyClock::time_point fan_out_started = SteadyClock::now();
  auto state = std::make_shared<FanOutState>();
  state->slots.resize(adapters.size());

  // 1. Build every request before asking for any permit (protifer's order): a job's request
  //    buffers all exist up front, and a permit is never held while building. Results kept from
  //    an earlier attempt of the job need no request at all.
  for (std::size_t i = 0; i < adapters.size(); ++i) {
    CallSlot& slot = state->slots[i];
    slot.adapter = adapters[i];
    slot.started = SteadyClock::now();
    if (auto kept = options.reused.find(std::string(slot.adapter->output_key()));
        kept != options.reused.end()) {
      slot.reused = true;
      slot.decoded = kept->second;
      continue;
    }
    try {
      slot.request =
          std::make_shared<const inference::ModelInferRequest>(slot.adapter->BuildRequest(context));
      ++state->unsettled;
    } catch (...) {
      slot.error = std::current_exception();
      slot.settled_at = SteadyClock::now();
    }
  }

  // 2. Queue for permits in registry order, each weighted by its request's size. A free permit
  //    starts the call right here; the others start on whichever thread releases a permit to
  //    them. Nothing waits on a thread.
  for (std::size_t i = 0; i < adapters.size(); ++i) {
    if (state->slots[i].request == nullptr) {
      continue;
    }
    const auto bytes = static_cast<std::int64_t>(state->slots[i].request->ByteSizeLong());
    auto call = std::make_shared<PendingCall>(state, i, client);
    call->MarkPermitRequested();
    try {
      semaphore.Acquire(
          [call](FifoSemaphore::Permit permit) { call->OnPermitGranted(std::move(permit)); },
          bytes);
    } catch (...) {
      // Nothing was enqueued (e.g. allocation failure): this call fails, the others go on.
      call->Settle(std::nullopt, std::current_exception());
    }
  }

  // 3. Settle-all, decoding each response on this thread as soon as it arrives (outside every
  //    permit); completion callbacks just notify. A settled slot is no longer written by anybody.
  for (;;) {
    std::vector<std::size_t> ready;
    bool all_settled = false;
    {
      std::unique_lock lock(state->mutex);
      state->settled.wait(
          lock, [&state] { return !state->newly_settled.empty() || state->unsettled == 0; });
      ready.swap(state->newly_settled);
      all_settled = state->unsettled == 0;
    }
    for (const std::size_t i : ready) {
      CallSlot& slot = state->slots[i];
      if (!slot.response.has_value()) {
        continue;
      }
      const SteadyClock::time_point decode_started = SteadyClock::now();
      try {
        nlohmann::ordered_json value = slot.adapter->Decode(*slot.response);
        CheckResidueCount(*slot.adapter, value, context.seq_len);
        slot.decoded = std::move(value);
      } catch (...) {
        slot.decode_error = std::current_exception();
      }
      slot.decode_time = SteadyClock::now() - decode_started;
      slot.response.reset();  // responses can be large; keep at most one decoded copy around
      if (slot.decoded && options.on_result) {
        options.on_result(std::string(slot.adapter->output_key()), *slot.decoded);
      }
    }
    if (all_settled) {
      break;
    }
  }

  // 4. Aggregate in registry order.
  DispatchResult result;
  std::vector<std::pair<std::size_t, ClassifiedError>> failures;
  for (std::size_t i = 0; i < state->slots.size(); ++i) {
    CallSlot& slot = state->slots[i];
    const std::string_view model = slot.adapter->model_name();
    if (slot.reused) {
      observer.OnResultReused(model);
      result.outputs[std::string(slot.adapter->output_key())] = std::move(*slot.decoded);
      continue;
    }
    std::exception_ptr error = slot.error != nullptr ? slot.error : slot.decode_error;
    if (slot.decoded) {
      result.outputs[std::string(slot.adapter->output_key())] = std::move(*slot.decoded);
    }

    std::optional<ClassifiedError> classified;
    if (error != nullptr) {
      classified = ClassifyError(error);
    }
    if (slot.permit_granted) {
      observer.OnPermitWait(model, Seconds(slot.permit_granted_at - slot.permit_requested));
      const std::string_view infer_status =
          slot.error == nullptr ? std::string_view("success")
                                : ModelErrorCodeName(ClassifyError(slot.error).code);
      observer.OnInferCall(model, infer_status, Seconds(slot.settled_at - slot.permit_granted_at));
    }
    // The model's own latency: as if it had been decoded the moment its call completed (which
    // is when protifer decodes), not after waiting for the slowest model of the job.
    observer.OnModelCall(
        model, classified ? ModelErrorCodeName(classified->code) : std::string_view("success"),
        Seconds(slot.settled_at - slot.started + slot.decode_time));
    if (classified) {
      failures.emplace_back(i, std::move(*classified));
    }
  }

  if (!failures.empty()) {
    // Stamped once, after everything settled (protifer's timing of failedAt).
    const std::string failed_at = FormatIsoTimestamp(options.clock());
    for (auto& [index, classified] : failures) {
      const adapters::Adapter& adapter = *state->slots[index].adapter;
      result.model_errors.push_back(ModelFailure{std::string(adapter.model_name()),
                                                 std::string(adapter.output_key()), classified.code,
                                                 std::move(classified.message), failed_at});
    }
  }

  observer.OnFanOut(result.AllFailed() ? "failure" : "success",
                    Seconds(SteadyClock::now() - fan_out_started));
  return result;
}

}  // namespace protifer::prediction

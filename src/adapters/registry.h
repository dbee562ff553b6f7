// The 8 prediction adapters every job runs. Registry order is the fan-out order, the
// ModelReady probe order and the key order of the stored `outputs` / `modelErrors`
// (protifer ADAPTER_REGISTRY). The embedding pipeline (prot_t5_pipeline) is not here: it
// belongs to the embedding worker.
#pragma once

#include <span>
#include <string_view>

#include "adapters/adapter.h"

namespace protifer::adapters {

// The adapters in registry order. The instances are stateless and live for the whole
// process, so the pointers may be shared freely between threads.
std::span<const Adapter* const> DefaultAdapters();

// The registered adapter for a Triton model name, or nullptr.
const Adapter* FindAdapter(std::string_view model_name);

}  // namespace protifer::adapters

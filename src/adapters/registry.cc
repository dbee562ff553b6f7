#include "adapters/registry.h"

#include <array>

#include "adapters/bind_embed.h"
#include "adapters/light_attention.h"
#include "adapters/prott5_cons.h"
#include "adapters/prott5_sec.h"
#include "adapters/seth.h"
#include "adapters/tmbed.h"
#include "adapters/vespag.h"

namespace protifer::adapters {

namespace {

// Function-local statics: initialised once, thread-safely, on first use, so callers in
// other translation units never see an unconstructed registry.
const std::array<const Adapter*, 8>& Registry() {
  static const Prott5SecAdapter prott5_sec;
  static const TmbedAdapter tmbed;
  static const SethAdapter seth;
  static const BindEmbedAdapter bind_embed;
  static const Prott5ConsAdapter prott5_cons;
  static const VespagAdapter vespag;
  static const LightAttentionSubcellAdapter light_attention_subcell;
  static const LightAttentionMembraneAdapter light_attention_membrane;
  static const std::array<const Adapter*, 8> registry = {&prott5_sec,
                                                         &tmbed,
                                                         &seth,
                                                         &bind_embed,
                                                         &prott5_cons,
                                                         &vespag,
                                                         &light_attention_subcell,
                                                         &light_attention_membrane};
  return registry;
}

}  // namespace

std::span<const Adapter* const> DefaultAdapters() { return Registry(); }

const Adapter* FindAdapter(std::string_view model_name) {
  for (const Adapter* adapter : Registry()) {
    if (adapter->model_name() == model_name) {
      return adapter;
    }
  }
  return nullptr;
}

}  // namespace protifer::adapters

// Deterministic stand-ins for the real models. Each output is a documented function of the input
// VALUES (not just their shapes), chosen so that layout bugs are visible: a channels-last tensor
// sent where channels-first is expected (or the reverse) yields different numbers, and outputs of
// one model are different functions, so reading them by position instead of by name is wrong.
//
// Notation (README.md "Model functions" repeats it):
//   mix(x)          = splitmix64 finaliser
//   U(a, b, c)      = 2 * (top 24 bits of mix(mix(mix(a) ^ b) ^ c)) / 2^24 - 1   in [-1, 1)
//   W_s(k, c)       = U(s, k, c)                 projection weight, seed s, class k, channel c
//   beta_s(k)       = 0.25 * U(s, k, 2^32)       class bias
//   P_s(x_r)[k]     = 0.125 * sum_c x_r[c] * W_s(k, c) + beta_s(k)   (x_r = the 1024 channels of
//                                                                   residue r)
// Kinds (the "function" block of a catalog entry):
//   residue_projection  y[b, r, k] = m[b, r] * P_s(x[b, r, :])[k]; x read channels-last
//                       [B, L, C] or channels-first [B, C, L]; m = mask input or 1; output
//                       channels-last [B, L, K] or channels-first [B, K, L].
//   light_attention     x [B, 1024, L] (C must be 1024, like the ONNX model), mask [B, L]:
//                       v[k, r] = P_s(x_r)[k] - beta_s(k), a[r] = 0.125 * sum_c x_r[c] W_s(K, c),
//                       alpha = softmax of a over residues with mask != 0,
//                       out[k] = sum_r alpha[r] v[k, r] + max_r v[k, r] + beta_s(k).
//   tmbed_decoder       5 CV logits [B, 5, L] + mask [B, L] -> probabilities[b, r, k] = mean over
//                       CVs of softmax_k, channels-last [B, L, 5]; labels = one string per item,
//                       for the first round(sum(mask)) residues: argmax class k -> 'B','H','S',
//                       'i','o'; a B/H segment is lower-case ('b','h') when the last
//                       inside/outside residue before it was 'o' (stand-in for TMbed's Viterbi).
//   prott5_tokenizer    one string per item -> ids (ProtT5 vocabulary: A=3 L=4 G=5 V=6 S=7 R=8
//                       E=9 D=10 T=11 I=12 P=13 K=14 F=15 Q=16 N=17 Y=18 M=19 H=20 W=21 C=22
//                       X=23; U Z O B -> X; other bytes -> <unk>=2), then </s>=1, padded with 0;
//                       attention_mask 1 for residues and </s>.
//   prott5_encoder      hidden[b, t, c] = FP16(0.5 * U(id[b, t], t, c))
//   prott5_postprocess  keeps the first sum(mask) - 1 rows of each item (drops </s>), zero-pads to
//                       the longest item (Triton's _internal_prott5_postprocess).
#pragma once

#include <grpcpp/support/status.h>

#include <cstdint>
#include <memory>

#include "model_catalog.h"
#include "tensor.h"

namespace protifer::kserve_stub {

class ModelFunction {
 public:
  virtual ~ModelFunction() = default;
  // Computes every output of the model (named as in the config) for one request whose inputs
  // already passed validation (batch-first shapes). Errors mimic what the real backend reports.
  virtual grpc::Status Evaluate(const TensorList& inputs, TensorList* outputs) const = 0;
};

// Builds the function named by spec.function.kind. Throws CatalogError on bad parameters.
std::unique_ptr<ModelFunction> MakeModelFunction(const ModelSpec& spec);

// Checks that `outputs` holds every configured output with the configured datatype and dims
// (batch dim = `batch_size` when max_batch_size > 0); INTERNAL otherwise. Guards the stub against
// its own functions drifting from the catalog.
grpc::Status VerifyOutputs(const ModelSpec& spec, std::int64_t batch_size,
                           const TensorList& outputs);

// ---- Formula building blocks (public so tests can recompute values independently) --------
std::uint64_t Mix64(std::uint64_t value);
double HashUnit(std::uint64_t a, std::uint64_t b, std::uint64_t c);
float ProjectionWeight(std::uint64_t seed, std::uint64_t k, std::uint64_t channel);
float ProjectionBias(std::uint64_t seed, std::uint64_t k);
float EncoderValue(std::int64_t token, std::int64_t position, std::int64_t channel);
std::int64_t ProtT5TokenId(unsigned char residue);

}  // namespace protifer::kserve_stub

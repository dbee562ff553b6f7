// DecodedResidues: what the fan-out compares with the embedding's length.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/bind_embed.h"
#include "adapters/light_attention.h"
#include "adapters/prott5_cons.h"
#include "adapters/prott5_sec.h"
#include "adapters/seth.h"
#include "adapters/tests/test_support.h"
#include "adapters/tmbed.h"
#include "adapters/vespag.h"

namespace protifer::adapters {
namespace {

using testing::BytesTensor;
using testing::ResponseBuilder;

constexpr std::size_t kResidues = 3;

std::vector<float> Zeros(std::size_t count) { return std::vector<float>(count, 0.0f); }

std::optional<std::size_t> ResiduesOf(const Adapter& adapter,
                                      const inference::ModelInferResponse& response) {
  return adapter.DecodedResidues(adapter.Decode(response));
}

TEST(DecodedResidues, PerResidueModelsCountTheirRows) {
  EXPECT_EQ(ResiduesOf(SethAdapter(),
                       ResponseBuilder("seth").RawFp32("output", Zeros(kResidues)).Build()),
            kResidues);
  EXPECT_EQ(
      ResiduesOf(Prott5ConsAdapter(),
                 ResponseBuilder("prott5_cons").RawFp32("output", Zeros(kResidues * 9)).Build()),
      kResidues);
  EXPECT_EQ(ResiduesOf(VespagAdapter(),
                       ResponseBuilder("vespag").RawFp32("output", Zeros(kResidues * 20)).Build()),
            kResidues);
  EXPECT_EQ(ResiduesOf(Prott5SecAdapter(), ResponseBuilder("prott5_sec")
                                               .RawFp32("d3_Yhat", Zeros(kResidues * 3))
                                               .RawFp32("d8_Yhat", Zeros(kResidues * 8))
                                               .Build()),
            kResidues);
  ResponseBuilder bind("bind_embed");
  for (int cv = 0; cv < 5; ++cv) {
    bind.RawFp32("output_" + std::to_string(cv), Zeros(kResidues * 3));
  }
  EXPECT_EQ(ResiduesOf(BindEmbedAdapter(), bind.Build()), kResidues);
  EXPECT_EQ(ResiduesOf(TmbedAdapter(), ResponseBuilder("tmbed")
                                           .RawBytes("labels", "BYTES", BytesTensor({"ooo"}))
                                           .RawFp32("probabilities", Zeros(kResidues * 5))
                                           .Build()),
            kResidues);
}

TEST(DecodedResidues, AnEmptyPerResidueAnswerCoversNoResidue) {
  EXPECT_EQ(
      ResiduesOf(Prott5ConsAdapter(), ResponseBuilder("prott5_cons").RawFp32("output", {}).Build()),
      0u);
}

TEST(DecodedResidues, PerProteinModelsHaveNone) {
  const LightAttentionSubcellAdapter subcell;
  EXPECT_EQ(
      ResiduesOf(subcell,
                 ResponseBuilder("light_attention_subcell").RawFp32("output", Zeros(10)).Build()),
      std::nullopt);
}

}  // namespace
}  // namespace protifer::adapters

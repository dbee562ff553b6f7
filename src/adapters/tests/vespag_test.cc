#include "adapters/vespag.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/adapter_errors.h"
#include "adapters/tests/test_support.h"

namespace protifer::adapters {
namespace {

using testing::ExpectThrowWithMessage;
using testing::ResponseBuilder;

const VespagAdapter kAdapter;

// [residues x 20] distinct scores, element i = i * 0.37 - 3 (as float32).
std::vector<float> Scores(std::size_t residues) {
  std::vector<float> flat(residues * 20);
  for (std::size_t i = 0; i < flat.size(); ++i) {
    flat[i] = static_cast<float>(i) * 0.37f - 3.0f;
  }
  return flat;
}

void ExpectHeatMap(const nlohmann::ordered_json& decoded, const std::vector<float>& flat) {
  const std::size_t residues = flat.size() / 20;
  ASSERT_TRUE(decoded.is_object());
  std::vector<std::string> keys;
  for (const auto& item : decoded.items()) {
    keys.push_back(item.key());
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"x_axis", "y_axis", "values"}));
  ASSERT_EQ(decoded["x_axis"].size(), residues);
  for (std::size_t r = 0; r < residues; ++r) {
    EXPECT_EQ(decoded["x_axis"][r], std::to_string(r + 1));
  }
  EXPECT_EQ(decoded["y_axis"].dump(),
            R"(["A","L","G","V","S","R","E","D","T","I","P","K","F","Q","N","Y","M","H","W","C"])");
  const auto& values = decoded["values"];
  ASSERT_EQ(values.size(), 20u);
  for (std::size_t aa = 0; aa < 20; ++aa) {
    ASSERT_EQ(values[aa].size(), residues) << aa;
    for (std::size_t r = 0; r < residues; ++r) {
      EXPECT_EQ(values[aa][r].get<double>(), static_cast<double>(flat[r * 20 + aa]))
          << "aa " << aa << " residue " << r;
    }
  }
}

TEST(Vespag, RequestIsOneChannelsLastEmbedding) {
  const testing::TestEmbedding embedding(2);
  const auto request = kAdapter.BuildRequest(embedding.context());
  testing::ExpectRequestConventions(request, "vespag");
  ASSERT_EQ(request.inputs_size(), 1);
  ASSERT_EQ(request.raw_input_contents_size(), 1);
  EXPECT_EQ(request.inputs(0).name(), "input");
  EXPECT_EQ(testing::ShapeOf(request.inputs(0)), (std::vector<std::int64_t>{1, 2, 1024}));
  testing::ExpectChannelsLastPayload(request.raw_input_contents(0), 2);
  EXPECT_EQ(testing::RequestedOutputs(request), (std::vector<std::string>{"output"}));
  EXPECT_EQ(kAdapter.output_key(), "variation");
}

TEST(Vespag, TransposesResidueMajorScoresIntoAminoAcidRows) {
  const std::vector<float> flat = Scores(2);
  const nlohmann::ordered_json decoded =
      kAdapter.Decode(ResponseBuilder("vespag").RawFp32("output", flat).Build());
  ExpectHeatMap(decoded, flat);
  // values[1][0] is the second score of residue 1 (flat[1]), values[0][1] its 21st (flat[20]).
  EXPECT_EQ(decoded["values"][1][0].get<double>(), static_cast<double>(flat[1]));
  EXPECT_EQ(decoded["values"][0][1].get<double>(), static_cast<double>(flat[20]));
}

TEST(Vespag, XAxisUsesPlainDecimalPositions) {
  const std::vector<float> flat = Scores(12);
  const nlohmann::ordered_json decoded =
      kAdapter.Decode(ResponseBuilder("vespag").RawFp32("output", flat).Build());
  ExpectHeatMap(decoded, flat);
  EXPECT_EQ(decoded["x_axis"][9], "10");
  EXPECT_EQ(decoded["x_axis"][11], "12");
}

TEST(Vespag, FallsBackToTypedContents) {
  const std::vector<float> flat = Scores(3);
  ExpectHeatMap(kAdapter.Decode(ResponseBuilder("vespag").TypedFp32("output", flat).Build()), flat);
}

TEST(Vespag, ShapeErrors) {
  ExpectThrowWithMessage<ShapeError>(
      [&] { kAdapter.Decode(ResponseBuilder("vespag").TypedFp32("output", {}).Build()); },
      "vespag: empty output");
  ExpectThrowWithMessage<ShapeError>(
      [&] {
        kAdapter.Decode(ResponseBuilder("vespag").RawFp32("output", {1, 2, 3}).Build());
      },
      "vespag: output length 3 not divisible by 20");
}

}  // namespace
}  // namespace protifer::adapters

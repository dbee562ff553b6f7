#include "model_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "model_functions.h"

namespace protifer::kserve_stub {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ModelCatalogTest, BuiltInMirrorsProtiferRepository) {
  const ModelCatalog catalog = ModelCatalog::BuiltIn();
  std::set<std::string> ensembles;
  std::set<std::string> leaves;
  for (const auto& model : catalog.models()) {
    (model.IsEnsemble() ? ensembles : leaves).insert(model.name);
  }
  // infra/triton/tests/test_triton_stub.py expects 3 ensembles and 20 leaves.
  EXPECT_EQ(ensembles, (std::set<std::string>{"bind_embed", "prot_t5_pipeline", "tmbed"}));
  EXPECT_EQ(leaves.size(), 20u);
  for (const char* name : {"prott5_sec", "tmbed", "seth", "bind_embed", "prott5_cons", "vespag",
                           "light_attention_subcell", "light_attention_membrane"}) {
    EXPECT_NE(catalog.Find(name), nullptr) << name;
  }
  EXPECT_EQ(catalog.server_name(), "triton");
}

TEST(ModelCatalogTest, ShapesFollowContractSection8) {
  const ModelCatalog catalog = ModelCatalog::BuiltIn();
  const ModelSpec& sec = *catalog.Find("prott5_sec");
  EXPECT_EQ(sec.max_batch_size, 16);
  EXPECT_THAT(sec.inputs[0].dims, ElementsAre(-1, 1024));
  EXPECT_THAT(sec.outputs[0].dims, ElementsAre(-1, 3));
  EXPECT_THAT(sec.outputs[1].dims, ElementsAre(-1, 8));
  ASSERT_TRUE(sec.dynamic_batching.has_value());
  EXPECT_THAT(sec.dynamic_batching->preferred_batch_sizes, ElementsAre(4, 8, 16));
  EXPECT_EQ(sec.dynamic_batching->max_queue_delay.count(), 5000);

  const ModelSpec& bind = *catalog.Find("bind_embed");
  EXPECT_EQ(bind.max_batch_size, 128);
  EXPECT_THAT(bind.inputs[0].dims, ElementsAre(1024, -1));
  EXPECT_EQ(bind.ensemble_steps.size(), 5u);
  EXPECT_FALSE(catalog.Find("_bind_embed_cv0")->dynamic_batching.has_value());

  const ModelSpec& tmbed = *catalog.Find("tmbed");
  ASSERT_EQ(tmbed.ensemble_steps.size(), 6u);
  EXPECT_EQ(tmbed.ensemble_steps.back().model, "_tmbed_viterbi");
  EXPECT_EQ(tmbed.outputs[0].datatype, DataType::kBytes);
  EXPECT_THAT(catalog.Find("_tmbed_cv3")->outputs[0].dims, ElementsAre(-1, -1));

  const ModelSpec& pipeline = *catalog.Find("prot_t5_pipeline");
  EXPECT_EQ(pipeline.max_batch_size, 8);
  EXPECT_EQ(pipeline.inputs[0].name, "sequences");
  EXPECT_EQ(pipeline.inputs[0].datatype, DataType::kBytes);
  EXPECT_EQ(pipeline.outputs[0].name, "embeddings");
  EXPECT_EQ(pipeline.outputs[0].datatype, DataType::kFp16);
  EXPECT_THAT(pipeline.outputs[0].dims, ElementsAre(-1, 1024));

  for (const char* name : {"light_attention_subcell", "light_attention_membrane"}) {
    EXPECT_THAT(catalog.Find(name)->inputs[0].dims, ElementsAre(-1, -1)) << name;
  }
}

TEST(ModelCatalogTest, CheckedInFileEqualsBuiltInCopy) {
  const ModelCatalog from_file = ModelCatalog::FromFile(KSERVE_STUB_MODELS_JSON);
  ASSERT_EQ(from_file.models().size(), ModelCatalog::BuiltIn().models().size());
}

TEST(ModelCatalogTest, EveryBuiltInFunctionBuilds) {
  const ModelCatalog catalog = ModelCatalog::BuiltIn();
  for (const auto& model : catalog.models()) {
    if (!model.IsEnsemble()) {
      EXPECT_NO_THROW(MakeModelFunction(model)) << model.name;
    }
  }
}

constexpr const char* kLeaf = R"({"name": "leaf", "platform": "python", "max_batch_size": 4,
  "inputs": [{"name": "x", "datatype": "FP32", "dims": [-1, 1024]}],
  "outputs": [{"name": "y", "datatype": "FP32", "dims": [-1, 2]}],
  "function": {"kind": "residue_projection", "input": "x",
               "outputs": {"y": {"classes": 2, "seed": 1}}}})";

std::string CatalogWith(const std::string& extra_model) {
  return std::string(R"({"models": [)") + kLeaf + "," + extra_model + "]}";
}

TEST(ModelCatalogTest, RejectsEnsembleStepOnUnknownModel) {
  const std::string text = CatalogWith(R"({"name": "e", "platform": "ensemble",
    "max_batch_size": 4, "inputs": [{"name": "a", "datatype": "FP32", "dims": [-1, 1024]}],
    "outputs": [{"name": "b", "datatype": "FP32", "dims": [-1, 2]}],
    "ensemble_steps": [{"model": "missing", "input_map": {"x": "a"}, "output_map": {"y": "b"}}]})");
  EXPECT_THAT([&] { ModelCatalog::FromJson(text); },
              ::testing::ThrowsMessage<CatalogError>(HasSubstr("step model 'missing'")));
}

TEST(ModelCatalogTest, RejectsEnsembleOutputNoStepProduces) {
  const std::string text = CatalogWith(R"({"name": "e", "platform": "ensemble",
    "max_batch_size": 4, "inputs": [{"name": "a", "datatype": "FP32", "dims": [-1, 1024]}],
    "outputs": [{"name": "c", "datatype": "FP32", "dims": [-1, 2]}],
    "ensemble_steps": [{"model": "leaf", "input_map": {"x": "a"}, "output_map": {"y": "b"}}]})");
  EXPECT_THAT([&] { ModelCatalog::FromJson(text); },
              ::testing::ThrowsMessage<CatalogError>(HasSubstr("ensemble output 'c'")));
}

TEST(ModelCatalogTest, RejectsStepWaitingForMissingTensor) {
  const std::string text = CatalogWith(R"({"name": "e", "platform": "ensemble",
    "max_batch_size": 4, "inputs": [{"name": "a", "datatype": "FP32", "dims": [-1, 1024]}],
    "outputs": [{"name": "b", "datatype": "FP32", "dims": [-1, 2]}],
    "ensemble_steps": [{"model": "leaf", "input_map": {"x": "nowhere"}, "output_map": {"y": "b"}}]})");
  EXPECT_THAT([&] { ModelCatalog::FromJson(text); },
              ::testing::ThrowsMessage<CatalogError>(HasSubstr("wait for tensors")));
}

TEST(ModelCatalogTest, RejectsUnknownDatatypeAndBadJson) {
  EXPECT_THROW(ModelCatalog::FromJson("{"), CatalogError);
  std::string text = std::string(R"({"models": [)") + kLeaf + "]}";
  text.replace(text.find("\"FP32\""), 6, "\"FP33\"");
  EXPECT_THAT([&] { ModelCatalog::FromJson(text); },
              ::testing::ThrowsMessage<CatalogError>(HasSubstr("unknown datatype 'FP33'")));
}

TEST(ModelCatalogTest, RejectsUnknownFunctionKind) {
  std::string text = std::string(R"({"models": [)") + kLeaf + "]}";
  text.replace(text.find("residue_projection"), 18, "magic");
  const ModelCatalog catalog = ModelCatalog::FromJson(text);
  EXPECT_THAT([&] { MakeModelFunction(*catalog.Find("leaf")); },
              ::testing::ThrowsMessage<CatalogError>(HasSubstr("unknown function kind 'magic'")));
}

}  // namespace
}  // namespace protifer::kserve_stub

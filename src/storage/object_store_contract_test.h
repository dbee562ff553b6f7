// The behaviour every ObjectStore promises (object_store.h), written once and instantiated for
// each implementation: filesystem and in-memory in object_store_test, S3 against s3rver in
// s3_store_test. Each test works under its own key prefix, so stores may be shared.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "storage/object_store.h"

namespace protifer::storage::testing {

// A store under test together with whatever keeps it alive (a temporary directory, ...).
class StoreUnderTest {
 public:
  virtual ~StoreUnderTest() = default;
  virtual ObjectStore& store() = 0;
};

struct StoreFactory {
  std::string name;  // test-name suffix: "Filesystem", "InMemory", "S3"
  std::function<std::unique_ptr<StoreUnderTest>()> make;
};

class ObjectStoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;

  ObjectStore& store() { return under_test_->store(); }
  // `suffix` under this test's own prefix.
  std::string Key(std::string_view suffix) const { return prefix_ + std::string(suffix); }
  const std::string& prefix() const { return prefix_; }

 private:
  std::unique_ptr<StoreUnderTest> under_test_;
  std::string prefix_;
};

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info);

// Lets GoogleTest print the parameter by name instead of its bytes.
void PrintTo(const StoreFactory& factory, std::ostream* out);

}  // namespace protifer::storage::testing

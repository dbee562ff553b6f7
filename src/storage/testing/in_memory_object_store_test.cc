#include "storage/testing/in_memory_object_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/storage_error.h"

namespace protifer::storage::testing {
namespace {

TEST(InMemoryObjectStoreTest, RecordsContentTypeWithDefault) {
  InMemoryObjectStore store;
  store.Put("pred/a", "{}", "application/json");
  store.Put("emb/a", "\x01\x02", "");
  EXPECT_EQ(store.ContentType("pred/a"), "application/json");
  EXPECT_EQ(store.ContentType("emb/a"), std::string(kDefaultContentType));
  EXPECT_EQ(store.ContentType("missing"), std::nullopt);
  EXPECT_EQ(store.size(), 2u);
}

TEST(InMemoryObjectStoreTest, FaultHookSeesEveryCallAndCanFailIt) {
  InMemoryObjectStore store;
  std::vector<std::string> calls;
  store.SetFaultHook([&](std::string_view operation, std::string_view key) {
    calls.push_back(std::string(operation) + " " + std::string(key));
    if (operation == "Put" && key == "pred/fail") {
      throw StorageError("injected: disk full");
    }
  });

  store.Put("pred/ok", "x", "");
  EXPECT_THROW(store.Put("pred/fail", "x", ""), StorageError);
  EXPECT_FALSE(store.Exists("pred/fail"));
  store.List("pred/");
  store.Delete("pred/ok");
  EXPECT_THROW(store.Get("pred/ok"), NotFoundError);

  EXPECT_EQ(calls, (std::vector<std::string>{"Put pred/ok", "Put pred/fail", "Exists pred/fail",
                                             "List pred/", "Delete pred/ok", "Get pred/ok"}));

  store.SetFaultHook(nullptr);
  store.Put("pred/fail", "x", "");
  EXPECT_TRUE(store.Exists("pred/fail"));
}

}  // namespace
}  // namespace protifer::storage::testing

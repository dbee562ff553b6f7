#include "storage/object_store_contract_test.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "storage/storage_error.h"

namespace protifer::storage::testing {

void ObjectStoreContractTest::SetUp() {
  static std::atomic<int> counter{0};
  under_test_ = GetParam().make();
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info->name();  // "Case/Param" for parameterised tests
  std::replace(name.begin(), name.end(), '/', '-');
  prefix_ = "contract/" + std::to_string(counter.fetch_add(1)) + "-" + name + "/";
}

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

namespace {

std::string AllByteValues(std::size_t repeat) {
  std::string bytes;
  for (std::size_t r = 0; r < repeat; ++r) {
    for (int value = 0; value < 256; ++value) {
      bytes += static_cast<char>(value);
    }
  }
  return bytes;
}

TEST_P(ObjectStoreContractTest, PutThenGetReturnsTheSameBytes) {
  const std::string bytes = AllByteValues(4);
  store().Put(Key("emb/model/v1/hash"), bytes, "");
  EXPECT_EQ(store().Get(Key("emb/model/v1/hash")), bytes);
}

TEST_P(ObjectStoreContractTest, PutReplacesThePreviousObject) {
  store().Put(Key("pred/x"), "first version, longer", "application/json");
  store().Put(Key("pred/x"), "second", "application/json");
  EXPECT_EQ(store().Get(Key("pred/x")), "second");
}

TEST_P(ObjectStoreContractTest, ExistsFollowsPutAndDelete) {
  EXPECT_FALSE(store().Exists(Key("a/b")));
  store().Put(Key("a/b"), "x", "");
  EXPECT_TRUE(store().Exists(Key("a/b")));
  EXPECT_FALSE(store().Exists(Key("a")));  // a prefix of a key is not an object
  store().Delete(Key("a/b"));
  EXPECT_FALSE(store().Exists(Key("a/b")));
}

TEST_P(ObjectStoreContractTest, GetOfMissingKeyThrowsNotFoundNamingTheKey) {
  const std::string key = Key("emb/none/v/0000");
  try {
    store().Get(key);
    FAIL() << "Get of a missing key returned";
  } catch (const NotFoundError& error) {
    EXPECT_EQ(std::string(error.what()), "Not found: " + key);
    EXPECT_EQ(error.key(), key);
  }
}

TEST_P(ObjectStoreContractTest, GetAfterDeleteThrowsNotFound) {
  store().Put(Key("gone"), "x", "");
  store().Delete(Key("gone"));
  EXPECT_THROW(store().Get(Key("gone")), NotFoundError);
}

TEST_P(ObjectStoreContractTest, DeleteOfMissingKeyIsNotAnError) {
  EXPECT_NO_THROW(store().Delete(Key("never/written")));
}

TEST_P(ObjectStoreContractTest, ListReturnsEveryKeyStartingWithThePrefixInByteOrder) {
  for (const char* suffix : {"emb/b/2", "emb/a/1", "emb/ab", "pred/x/y", "emb/a/0", "emb/B"}) {
    store().Put(Key(suffix), suffix, "");
  }
  // A plain string prefix, not a directory: "emb/a" also matches "emb/ab".
  EXPECT_EQ(store().List(Key("emb/a")),
            (std::vector<std::string>{Key("emb/a/0"), Key("emb/a/1"), Key("emb/ab")}));
  EXPECT_EQ(store().List(Key("emb/")),
            (std::vector<std::string>{Key("emb/B"), Key("emb/a/0"), Key("emb/a/1"), Key("emb/ab"),
                                      Key("emb/b/2")}));
  EXPECT_EQ(store().List(prefix()).size(), 6u);
  EXPECT_TRUE(store().List(Key("nothing")).empty());
  EXPECT_TRUE(store().List(Key("emb/a/0/deeper")).empty());
}

TEST_P(ObjectStoreContractTest, KeysWithSpecialCharactersRoundTripAndList) {
  const std::vector<std::string> suffixes = {
      "sp ace/plus+and&eq=q?h#p%25",
      "unicode/\xc3\xbc-\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-\xe2\x82\xac",
      "punct/~!*'();:@,$[]<>\"",
      "dots/a.b..c...",
  };
  for (const std::string& suffix : suffixes) {
    store().Put(Key(suffix), "body of " + suffix, "text/plain");
  }
  for (const std::string& suffix : suffixes) {
    EXPECT_TRUE(store().Exists(Key(suffix))) << suffix;
    EXPECT_EQ(store().Get(Key(suffix)), "body of " + suffix);
  }
  std::vector<std::string> expected;
  for (const std::string& suffix : suffixes) {
    expected.push_back(Key(suffix));
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(store().List(prefix()), expected);
  for (const std::string& suffix : suffixes) {
    store().Delete(Key(suffix));
  }
  EXPECT_TRUE(store().List(prefix()).empty());
}

TEST_P(ObjectStoreContractTest, EmptyKeyIsRejected) {
  EXPECT_THROW(store().Put("", "x", ""), InvalidKeyError);
  EXPECT_THROW(store().Get(""), InvalidKeyError);
  EXPECT_THROW(store().Delete(""), InvalidKeyError);
}

TEST_P(ObjectStoreContractTest, ConcurrentCallsFromSeveralThreads) {
  constexpr int kThreads = 4;
  constexpr int kObjectsPerThread = 8;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kObjectsPerThread; ++i) {
        const std::string key = Key("t" + std::to_string(t) + "/o" + std::to_string(i));
        const std::string body(static_cast<std::size_t>(1000 + i), static_cast<char>('a' + t));
        store().Put(key, body, "");
        if (store().Get(key) != body || !store().Exists(key)) {
          mismatches.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(store().List(prefix()).size(), static_cast<std::size_t>(kThreads * kObjectsPerThread));
}

}  // namespace
}  // namespace protifer::storage::testing

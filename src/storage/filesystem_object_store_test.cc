#include "storage/filesystem_object_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "storage/object_store_contract_test.h"
#include "storage/storage_error.h"
#include "storage/testing/in_memory_object_store.h"
#include "storage/testing/temporary_directory.h"

namespace protifer::storage {
namespace {

namespace fs = std::filesystem;
using testing::ObjectStoreContractTest;
using testing::TemporaryDirectory;

// ---- The shared contract, for the filesystem and the in-memory store ---------------------

class FilesystemUnderTest final : public testing::StoreUnderTest {
 public:
  FilesystemUnderTest() : store_(directory_.path() / "objects") {}
  ObjectStore& store() override { return store_; }

 private:
  TemporaryDirectory directory_;
  FilesystemObjectStore store_;
};

class InMemoryUnderTest final : public testing::StoreUnderTest {
 public:
  ObjectStore& store() override { return store_; }

 private:
  testing::InMemoryObjectStore store_;
};

INSTANTIATE_TEST_SUITE_P(
    Local, ObjectStoreContractTest,
    ::testing::Values(
        testing::StoreFactory{"Filesystem", [] { return std::make_unique<FilesystemUnderTest>(); }},
        testing::StoreFactory{"InMemory", [] { return std::make_unique<InMemoryUnderTest>(); }}),
    testing::StoreFactoryName);

// ---- Filesystem specifics -----------------------------------------------------------------

class FilesystemObjectStoreTest : public ::testing::Test {
 protected:
  fs::path root() const { return directory_.path() / "root"; }

  // Every file name under the root, temporary ones included (what a crash would leave).
  std::vector<std::string> AllFileNames() const {
    std::vector<std::string> names;
    if (!fs::exists(root())) {
      return names;
    }
    for (const auto& entry : fs::recursive_directory_iterator(root())) {
      if (entry.is_regular_file()) {
        names.push_back(entry.path().lexically_relative(root()).generic_string());
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  TemporaryDirectory directory_;
  FilesystemObjectStore store_{directory_.path() / "root"};
};

TEST_F(FilesystemObjectStoreTest, KeyMapsToNestedPathUnderRoot) {
  store_.Put("emb/prott5_xl_u50/dev/c3b2", "fp16", kDefaultContentType);
  std::ifstream file(root() / "emb" / "prott5_xl_u50" / "dev" / "c3b2", std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "fp16");
  EXPECT_EQ(AllFileNames(), std::vector<std::string>{"emb/prott5_xl_u50/dev/c3b2"});
}

TEST_F(FilesystemObjectStoreTest, ReadsObjectsWrittenByOthersUnderTheRoot) {
  fs::create_directories(root() / "pred" / "abc");
  std::ofstream(root() / "pred" / "abc" / "def", std::ios::binary) << "{\"schemaVersion\":2}";
  EXPECT_TRUE(store_.Exists("pred/abc/def"));
  EXPECT_EQ(store_.Get("pred/abc/def"), "{\"schemaVersion\":2}");
  EXPECT_EQ(store_.List("pred/"), std::vector<std::string>{"pred/abc/def"});
}

TEST_F(FilesystemObjectStoreTest, EmptyObjectIsStoredAndReadBack) {
  store_.Put("empty", "", "");
  EXPECT_TRUE(store_.Exists("empty"));
  EXPECT_EQ(store_.Get("empty"), "");
}

TEST_F(FilesystemObjectStoreTest, ListOfAbsentRootIsEmpty) {
  EXPECT_FALSE(fs::exists(root()));
  EXPECT_TRUE(store_.List("").empty());
  EXPECT_TRUE(store_.List("emb/").empty());
}

TEST_F(FilesystemObjectStoreTest, RootWithTrailingSlashListsTheSameKeys) {
  FilesystemObjectStore with_slash(root().string() + "/");
  with_slash.Put("a/b", "x", "");
  EXPECT_EQ(with_slash.List(""), std::vector<std::string>{"a/b"});
  EXPECT_EQ(store_.List(""), std::vector<std::string>{"a/b"});
}

TEST_F(FilesystemObjectStoreTest, PutLeavesNoTemporaryFileBehind) {
  for (int i = 0; i < 5; ++i) {
    store_.Put("emb/m/v/h", std::string(static_cast<std::size_t>(1000 * i), 'x'), "");
  }
  EXPECT_EQ(AllFileNames(), std::vector<std::string>{"emb/m/v/h"});
}

TEST_F(FilesystemObjectStoreTest, TemporaryFilesAreNeverListed) {
  // What a writer in progress (or killed mid-write) leaves next to the target.
  fs::create_directories(root() / "emb");
  std::ofstream(root() / "emb" / "h.tmp.0123456789abcdef") << "partial";
  std::ofstream(root() / "emb" / "h.tmp.not-hex-at-all!") << "a real object";
  store_.Put("emb/h", "complete", "");

  EXPECT_EQ(store_.List(""), (std::vector<std::string>{"emb/h", "emb/h.tmp.not-hex-at-all!"}));
}

TEST_F(FilesystemObjectStoreTest, ReadersNeverSeeAPartialObject) {
  // One writer alternates two large, distinct bodies; readers must always get one of them
  // whole. With an in-place write they would see truncated or mixed content.
  const std::string body_a(std::size_t{256} * 1024, 'a');
  const std::string body_b(std::size_t{300} * 1024, 'b');
  store_.Put("emb/m/v/h", body_a, "");

  std::atomic<bool> writing{true};
  std::atomic<int> reads{0};
  std::atomic<int> torn_reads{0};
  std::atomic<int> temporary_names_listed{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (writing.load()) {
        const std::string seen = store_.Get("emb/m/v/h");
        if (seen != body_a && seen != body_b) {
          torn_reads.fetch_add(1);
        }
        for (const std::string& key : store_.List("emb/")) {
          if (key != "emb/m/v/h") {
            temporary_names_listed.fetch_add(1);
          }
        }
        reads.fetch_add(1);
      }
    });
  }
  for (int i = 0; i < 40 || reads.load() < 20; ++i) {
    store_.Put("emb/m/v/h", i % 2 == 0 ? body_b : body_a, "");
  }
  writing.store(false);
  for (std::thread& reader : readers) {
    reader.join();
  }
  EXPECT_GE(reads.load(), 20);
  EXPECT_EQ(torn_reads.load(), 0);
  EXPECT_EQ(temporary_names_listed.load(), 0);
  EXPECT_EQ(AllFileNames(), std::vector<std::string>{"emb/m/v/h"});
}

TEST_F(FilesystemObjectStoreTest, FailedRenameRemovesTheTemporaryFile) {
  // A non-empty directory where the object should go: the rename fails after the temporary
  // file was written, and the temporary file must not stay behind.
  fs::create_directories(root() / "k" / "child");
  std::ofstream(root() / "k" / "child" / "f") << "x";

  EXPECT_THROW(store_.Put("k", "data", ""), StorageError);
  EXPECT_EQ(AllFileNames(), std::vector<std::string>{"k/child/f"});
}

TEST_F(FilesystemObjectStoreTest, PutUnderAnExistingFileFailsWithAClearMessage) {
  store_.Put("a", "file", "");
  try {
    store_.Put("a/b", "x", "");
    FAIL() << "Put under a file succeeded";
  } catch (const StorageError& error) {
    EXPECT_NE(std::string(error.what()).find("\"a/b\""), std::string::npos) << error.what();
  }
  EXPECT_FALSE(store_.Exists("a/b"));  // ENOTDIR is "missing", not an error
  EXPECT_THROW(store_.Get("a/b"), NotFoundError);
}

TEST_F(FilesystemObjectStoreTest, DirectoriesAreNotObjects) {
  store_.Put("emb/m/v/h", "x", "");
  EXPECT_FALSE(store_.Exists("emb/m"));
  EXPECT_THROW(store_.Get("emb/m"), NotFoundError);
  EXPECT_NO_THROW(store_.Delete("emb/m"));
  EXPECT_TRUE(store_.Exists("emb/m/v/h"));
}

TEST_F(FilesystemObjectStoreTest, KeysThatEscapeTheRootOrAreMalformedAreRejected) {
  const std::vector<std::string> bad_keys = {
      "",
      "/etc/passwd",
      "../outside",
      "emb/../../outside",
      "a/./b",
      ".",
      "a//b",
      "a/",
      "a/..",
      std::string("a\0b", 3),
      "emb/h.tmp.0123456789abcdef",
      std::string(1025, 'k'),
  };
  for (const std::string& key : bad_keys) {
    EXPECT_THROW(store_.Put(key, "x", ""), InvalidKeyError) << key;
    EXPECT_THROW(store_.Get(key), InvalidKeyError) << key;
    EXPECT_THROW(store_.Exists(key), InvalidKeyError) << key;
    EXPECT_THROW(store_.Delete(key), InvalidKeyError) << key;
  }
  EXPECT_FALSE(fs::exists(directory_.path() / "outside"));
  EXPECT_TRUE(AllFileNames().empty());
}

TEST_F(FilesystemObjectStoreTest, InvalidKeyMessageNamesKeyAndReason) {
  try {
    store_.Get("../x");
    FAIL() << "no exception";
  } catch (const InvalidKeyError& error) {
    EXPECT_EQ(std::string(error.what()),
              "Invalid object key \"../x\": key has a '.' or '..' path segment");
  }
}

TEST_F(FilesystemObjectStoreTest, KeysUpTo1024BytesAndDotsInsideNamesAreValid) {
  EXPECT_NO_THROW(store_.Put("..a/b..", "x", ""));
  EXPECT_EQ(store_.Get("..a/b.."), "x");
  const std::string long_key = std::string(200, 'a') + "/" + std::string(200, 'b');
  EXPECT_NO_THROW(store_.Put(long_key, "y", ""));
}

TEST_F(FilesystemObjectStoreTest, ListPrefixThatCannotMatchAValidKeyIsEmpty) {
  store_.Put("emb/a", "x", "");
  EXPECT_TRUE(store_.List("../").empty());
  EXPECT_TRUE(store_.List("emb//").empty());
  EXPECT_TRUE(store_.List("/emb").empty());
  EXPECT_EQ(store_.List("e"), std::vector<std::string>{"emb/a"});
}

TEST_F(FilesystemObjectStoreTest, EmptyRootIsRejected) {
  EXPECT_THROW(FilesystemObjectStore(""), StorageError);
}

TEST(FilesystemTemporaryNameTest, RecognisesOnlyTheExactPattern) {
  EXPECT_TRUE(FilesystemObjectStore::IsTemporaryName("h.tmp.0123456789abcdef"));
  EXPECT_TRUE(FilesystemObjectStore::IsTemporaryName(".tmp.ffffffffffffffff"));
  EXPECT_FALSE(FilesystemObjectStore::IsTemporaryName("h.tmp.0123456789ABCDEF"));
  EXPECT_FALSE(FilesystemObjectStore::IsTemporaryName("h.tmp.0123456789abcde"));
  EXPECT_FALSE(FilesystemObjectStore::IsTemporaryName("h.tmp.0123456789abcdef0"));
  EXPECT_FALSE(FilesystemObjectStore::IsTemporaryName("h.tmq.0123456789abcdef"));
}

}  // namespace
}  // namespace protifer::storage

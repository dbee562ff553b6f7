#include "storage/filesystem_eviction.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stop_token>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "storage/filesystem_object_store.h"
#include "storage/testing/temporary_directory.h"

namespace protifer::storage {
namespace {

namespace fs = std::filesystem;
using testing::TemporaryDirectory;

// Hashes of the spec's test vectors (§2.6), so the layout is the one protifer writes.
constexpr char kSequenceHash[] = "c3b29c8154d4b6719cdac8a5815859ca3eb45b5ea70d0dfd14d300c0ddd5c151";
constexpr char kPredictionInnerHash[] =
    "ad58723a28243e92462d5a6674603942c6a47a6d77c19b88ebfd74659ad57989";

// An arbitrary fixed base, so that access times never depend on the clock or on whether the
// filesystem updates atime on read (relatime, noatime).
constexpr std::time_t kBase = 1'700'000'000;

class FilesystemEvictionTest : public ::testing::Test {
 protected:
  fs::path root() const { return directory_.path() / "objects"; }

  // Writes `size` bytes at `key` under the root and gives it the access time kBase + seconds.
  void Write(const std::string& key, std::size_t size, std::time_t seconds, long nanoseconds = 0) {
    const fs::path path = root() / key;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << std::string(size, 'x');
    SetAccessTime(path, seconds, nanoseconds);
  }

  static void SetAccessTime(const fs::path& path, std::time_t seconds, long nanoseconds = 0) {
    const struct timespec times[2] = {{kBase + seconds, nanoseconds}, {0, UTIME_OMIT}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
  }

  // Every file left under the root (temporary ones included), as sorted keys.
  std::vector<std::string> Files() const {
    std::vector<std::string> keys;
    if (!fs::exists(root())) {
      return keys;
    }
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(root())) {
      if (!entry.is_directory()) {
        keys.push_back(entry.path().lexically_relative(root()).generic_string());
      }
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  TemporaryDirectory directory_;
};

TEST_F(FilesystemEvictionTest, UnderOrAtBudgetDeletesNothing) {
  Write("a", 10, 1);
  Write("b", 20, 2);
  Write("c", 30, 3);

  for (const std::int64_t budget : {60, 61, 1'000'000}) {
    const EvictionReport report = EvictColdestObjects(root(), budget);
    EXPECT_EQ(report.scanned_files, 3u);
    EXPECT_EQ(report.scanned_bytes, 60u);
    EXPECT_EQ(report.evicted_files, 0u);
    EXPECT_EQ(report.evicted_bytes, 0u);
    EXPECT_EQ(report.remaining_bytes, 60u);
    EXPECT_FALSE(report.stopped);
  }
  EXPECT_EQ(Files(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(FilesystemEvictionTest, OverBudgetDeletesOldestAccessFirstUntilWithinBudget) {
  // Access order b, d, a, c: neither name nor size order.
  Write("a", 100, 30);
  Write("b", 200, 10);
  Write("c", 300, 40);
  Write("d", 400, 20);

  // 1000 > 800: deleting b alone reaches the budget exactly, which is enough.
  EvictionReport report = EvictColdestObjects(root(), 800);
  EXPECT_EQ(report.scanned_files, 4u);
  EXPECT_EQ(report.scanned_bytes, 1000u);
  EXPECT_EQ(report.evicted_files, 1u);
  EXPECT_EQ(report.evicted_bytes, 200u);
  EXPECT_EQ(report.remaining_bytes, 800u);
  EXPECT_EQ(Files(), (std::vector<std::string>{"a", "c", "d"}));

  // 800 > 350: d (400 bytes) then a (100 bytes) go; c, the most recent, stays.
  report = EvictColdestObjects(root(), 350);
  EXPECT_EQ(report.scanned_files, 3u);
  EXPECT_EQ(report.scanned_bytes, 800u);
  EXPECT_EQ(report.evicted_files, 2u);
  EXPECT_EQ(report.evicted_bytes, 500u);
  EXPECT_EQ(report.remaining_bytes, 300u);
  EXPECT_EQ(Files(), (std::vector<std::string>{"c"}));
}

TEST_F(FilesystemEvictionTest, BudgetSmallerThanEveryObjectEmptiesTheStore) {
  Write("a", 100, 1);
  Write("b", 100, 2);

  const EvictionReport report = EvictColdestObjects(root(), 1);
  EXPECT_EQ(report.evicted_files, 2u);
  EXPECT_EQ(report.remaining_bytes, 0u);
  EXPECT_EQ(Files(), std::vector<std::string>{});
}

TEST_F(FilesystemEvictionTest, AccessTimesCompareToTheNanosecond) {
  // "a" sorts first by key, so only the nanoseconds can make "b" the colder one.
  Write("a", 10, 5, 2);
  Write("b", 10, 5, 1);

  EvictColdestObjects(root(), 10);
  EXPECT_EQ(Files(), std::vector<std::string>{"a"});
}

TEST_F(FilesystemEvictionTest, EqualAccessTimesGoInLocaleCompareOrderOfTheirKeys) {
  // Expected order from Node 20: keys.sort((a, b) => a.localeCompare(b)). Byte order would be
  // quite different ("1a" < "Ab" < "_a" < ... < "emb/x" < "emb0" < "emb_x").
  const std::vector<std::string> expected = {"_a",    "1a",    "a b",   "a_b",   "a-b", "a.b",
                                             "a1",    "a10",   "a2",    "ab",    "aB",  "Ab",
                                             "emb_x", "emb-x", "emb.x", "emb/x", "emb0"};
  // Written in byte order, so that the readdir order is no accidental help.
  std::vector<std::string> keys = expected;
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    Write(key, 1, 7);
  }

  // Each sweep is one byte over budget, so it evicts exactly the next key in order.
  std::vector<std::string> evicted;
  for (std::size_t left = keys.size(); left > 1; --left) {
    const std::vector<std::string> before = Files();
    const EvictionReport report = EvictColdestObjects(root(), static_cast<std::int64_t>(left - 1));
    ASSERT_EQ(report.evicted_files, 1u);
    const std::vector<std::string> after = Files();
    std::vector<std::string> gone;
    std::set_difference(before.begin(), before.end(), after.begin(), after.end(),
                        std::back_inserter(gone));
    ASSERT_EQ(gone.size(), 1u);
    evicted.push_back(gone.front());
  }
  evicted.push_back(Files().at(0));
  EXPECT_EQ(evicted, expected);
}

TEST_F(FilesystemEvictionTest, TemporaryFilesOfPutsInProgressAreNeitherCountedNorDeleted) {
  // The oldest and biggest file is a Put in progress: it must survive any budget.
  Write("emb/m/v/h.tmp.0123456789abcdef", 1000, 1);
  // Not the temporary pattern (3 hex digits, upper-case hex): ordinary objects.
  Write("emb/m/v/g.tmp.123", 10, 2);
  Write("emb/m/v/f.tmp.0123456789ABCDEF", 10, 3);
  Write("emb/m/v/h", 10, 4);

  const EvictionReport report = EvictColdestObjects(root(), 15);
  EXPECT_EQ(report.scanned_files, 3u);
  EXPECT_EQ(report.scanned_bytes, 30u);
  EXPECT_EQ(report.evicted_files, 2u);
  EXPECT_EQ(report.remaining_bytes, 10u);
  EXPECT_EQ(Files(), (std::vector<std::string>{"emb/m/v/h", "emb/m/v/h.tmp.0123456789abcdef"}));
}

TEST_F(FilesystemEvictionTest, BudgetOfZeroOrLessDisablesEviction) {
  Write("a", 10, 1);
  for (const std::int64_t budget : {std::int64_t{0}, std::int64_t{-1}, INT64_MIN}) {
    const EvictionReport report = EvictColdestObjects(root(), budget);
    EXPECT_EQ(report.scanned_files, 0u);
    EXPECT_EQ(report.scanned_bytes, 0u);
    EXPECT_EQ(report.evicted_files, 0u);
    EXPECT_EQ(report.remaining_bytes, 0u);
  }
  EXPECT_EQ(Files(), std::vector<std::string>{"a"});
}

TEST_F(FilesystemEvictionTest, MissingRootOrRootThatIsNoDirectoryYieldsNothing) {
  EvictionReport report = EvictColdestObjects(root(), 1);
  EXPECT_EQ(report.scanned_files, 0u);
  EXPECT_EQ(report.evicted_files, 0u);

  report = EvictColdestObjects(root() / "below" / "a" / "missing" / "directory", 1);
  EXPECT_EQ(report.scanned_files, 0u);

  // A file as root, and as a directory on the root's path (ENOTDIR).
  std::ofstream(root(), std::ios::binary) << "not a directory";
  report = EvictColdestObjects(root(), 1);
  EXPECT_EQ(report.scanned_files, 0u);
  report = EvictColdestObjects(root() / "sub", 1);
  EXPECT_EQ(report.scanned_files, 0u);
  EXPECT_TRUE(fs::is_regular_file(root()));
}

TEST_F(FilesystemEvictionTest, WalksTheStoreLayoutOfEmbeddingsAndPredictions) {
  FilesystemObjectStore store(root());
  const std::string embedding = std::string("emb/prott5_xl_u50/dev/") + kSequenceHash;
  const std::string other_embedding = std::string("emb/prott5_xl_u50/v2/") + kSequenceHash;
  const std::string prediction = std::string("pred/") + kPredictionInnerHash + "/" + kSequenceHash;
  store.Put(embedding, std::string(10 * 2048, '\0'), "application/octet-stream");
  store.Put(other_embedding, std::string(2048, '\0'), "application/octet-stream");
  store.Put(prediction, std::string(500, '{'), "application/json");
  SetAccessTime(root() / embedding, 20);
  SetAccessTime(root() / other_embedding, 30);
  SetAccessTime(root() / prediction, 10);

  // 22 508 bytes against 20 000: the prediction (coldest) and then the big embedding go.
  const EvictionReport report = EvictColdestObjects(root(), 20'000);
  EXPECT_EQ(report.scanned_files, 3u);
  EXPECT_EQ(report.scanned_bytes, 10u * 2048u + 2048u + 500u);
  EXPECT_EQ(report.evicted_files, 2u);
  EXPECT_EQ(report.evicted_bytes, 10u * 2048u + 500u);
  EXPECT_EQ(report.remaining_bytes, 2048u);
  EXPECT_EQ(store.List(""), std::vector<std::string>{other_embedding});
  EXPECT_FALSE(store.Exists(embedding));
  EXPECT_FALSE(store.Exists(prediction));
  // Directories stay: a concurrent Put may be about to rename into them.
  EXPECT_TRUE(fs::is_directory(root() / "pred" / kPredictionInnerHash));
}

TEST_F(FilesystemEvictionTest, SymbolicLinksAreNeitherFollowedNorCounted) {
  const fs::path outside = directory_.path() / "outside";
  fs::create_directories(outside / "dir");
  std::ofstream(outside / "big", std::ios::binary) << std::string(1000, 'x');
  std::ofstream(outside / "dir" / "inner", std::ios::binary) << std::string(1000, 'x');
  Write("emb/a", 10, 1);
  fs::create_symlink(outside / "big", root() / "emb" / "link-to-file");
  fs::create_directory_symlink(outside / "dir", root() / "link-to-dir");
  fs::create_symlink(root(), root() / "emb" / "loop");

  const EvictionReport report = EvictColdestObjects(root(), 5);
  EXPECT_EQ(report.scanned_files, 1u);
  EXPECT_EQ(report.scanned_bytes, 10u);
  EXPECT_EQ(report.evicted_files, 1u);
  EXPECT_TRUE(fs::is_symlink(root() / "emb" / "link-to-file"));
  EXPECT_TRUE(fs::is_symlink(root() / "link-to-dir"));
  EXPECT_EQ(fs::file_size(outside / "big"), 1000u);
  EXPECT_EQ(fs::file_size(outside / "dir" / "inner"), 1000u);
}

TEST_F(FilesystemEvictionTest, RootThroughASymbolicLinkIsWalked) {
  Write("a", 10, 1);
  Write("b", 10, 2);
  const fs::path link = directory_.path() / "link";
  fs::create_directory_symlink(root(), link);

  const EvictionReport report = EvictColdestObjects(link, 10);
  EXPECT_EQ(report.evicted_files, 1u);
  EXPECT_EQ(Files(), std::vector<std::string>{"b"});
}

TEST_F(FilesystemEvictionTest, RequestedStopEndsTheSweepWithoutDeleting) {
  Write("a", 10, 1);
  Write("b", 10, 2);
  std::stop_source stop;
  stop.request_stop();

  const EvictionReport report = EvictColdestObjects(root(), 1, stop.get_token());
  EXPECT_TRUE(report.stopped);
  EXPECT_EQ(report.evicted_files, 0u);
  EXPECT_EQ(Files(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(FilesystemEvictionTest, ObjectsAndDirectoriesVanishingMidSweepAreSkipped) {
  // Whatever the interleaving, a concurrent deleter must never make the sweep fail.
  for (int round = 0; round < 3; ++round) {
    for (int d = 0; d < 10; ++d) {
      for (int f = 0; f < 50; ++f) {
        Write("pred/" + std::to_string(d) + "/" + std::to_string(f), 10, f);
      }
    }
    std::atomic<bool> go{false};
    std::thread deleter([&] {
      while (!go.load()) {
        std::this_thread::yield();
      }
      for (int d = 9; d >= 0; --d) {
        std::error_code ignored;
        fs::remove_all(root() / "pred" / std::to_string(d), ignored);
      }
    });
    go.store(true);
    EvictionReport report;
    EXPECT_NO_THROW(report = EvictColdestObjects(root(), 1)) << "round " << round;
    deleter.join();
    EXPECT_LE(report.evicted_files, report.scanned_files);
    EXPECT_EQ(report.remaining_bytes, 0u);
  }
}

}  // namespace
}  // namespace protifer::storage

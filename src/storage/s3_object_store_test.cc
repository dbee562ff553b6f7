// S3ObjectStore against a real S3 server: npm's s3rver, started once for this binary on a port
// the OS picks. s3rver does not verify signatures (sigv4_signer_test.cc pins the signer against
// AWS's examples); these tests pin everything else: addressing, key encoding, headers, status
// and error-document handling, paging, timeouts, concurrency.
#include "storage/s3_object_store.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "storage/object_store_contract_test.h"
#include "storage/storage_error.h"
#include "storage/testing/s3rver_process.h"

namespace protifer::storage {
namespace {

using testing::ObjectStoreContractTest;
using testing::S3rverProcess;

constexpr const char* kBucket = "embeddings";

class S3rverEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    server = S3rverProcess::Start(PROTIFER_REPO_ROOT, kBucket, std::chrono::seconds(30));
  }
  void TearDown() override { server.reset(); }

  static inline std::unique_ptr<S3rverProcess> server;
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new S3rverEnvironment);

S3ObjectStoreOptions S3rverOptions() {
  S3ObjectStoreOptions options;
  options.endpoint = S3rverEnvironment::server->endpoint();
  options.region = "us-east-1";
  options.bucket = kBucket;
  options.access_key_id = S3rverProcess::kAccessKeyId;
  options.secret_access_key = S3rverProcess::kSecretAccessKey;
  options.connect_timeout = std::chrono::seconds(5);
  options.request_timeout = std::chrono::seconds(20);
  return options;
}

// ---- The shared contract ------------------------------------------------------------------

class S3UnderTest final : public testing::StoreUnderTest {
 public:
  S3UnderTest() : store_(S3rverOptions()) {}
  ObjectStore& store() override { return store_; }

 private:
  S3ObjectStore store_;
};

INSTANTIATE_TEST_SUITE_P(S3rver, ObjectStoreContractTest,
                         ::testing::Values(testing::StoreFactory{
                             "S3", [] { return std::make_unique<S3UnderTest>(); }}),
                         testing::StoreFactoryName);

// ---- S3 specifics -------------------------------------------------------------------------

class S3ObjectStoreTest : public ::testing::Test {
 protected:
  S3ObjectStore store_{S3rverOptions()};
};

std::string RandomBytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string bytes(size, '\0');
  for (char& c : bytes) {
    c = static_cast<char>(byte(generator));
  }
  return bytes;
}

TEST_F(S3ObjectStoreTest, OneMebibyteBinaryObjectRoundTrips) {
  const std::string bytes = RandomBytes(1 << 20, 7);
  store_.Put("s3/large/emb", bytes, "");
  const std::string read = store_.Get("s3/large/emb");
  EXPECT_EQ(read.size(), bytes.size());
  EXPECT_TRUE(read == bytes);
  const auto info = store_.Head("s3/large/emb");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->content_length, bytes.size());
}

TEST_F(S3ObjectStoreTest, ContentTypeIsStoredAndDefaultsToOctetStream) {
  store_.Put("s3/ct/pred", "{\"schemaVersion\":2}", "application/json");
  store_.Put("s3/ct/emb", "\x01\x02", "");
  ASSERT_TRUE(store_.Head("s3/ct/pred").has_value());
  EXPECT_EQ(store_.Head("s3/ct/pred")->content_type, "application/json");
  EXPECT_EQ(store_.Head("s3/ct/emb")->content_type, "application/octet-stream");
  EXPECT_EQ(store_.Head("s3/ct/missing"), std::nullopt);
}

TEST_F(S3ObjectStoreTest, KeysArePathStyleAndReachTheServerDecoded) {
  // s3rver keeps each object as <dir>/<bucket>/<key>._S3rver_object: the file name shows the
  // key the server understood from our encoded path.
  const std::string key = "s3/path style/a+b%c/\xc3\xbc";
  store_.Put(key, "x", "");
  EXPECT_TRUE(
      std::filesystem::exists(std::filesystem::path(S3rverEnvironment::server->data_directory()) /
                              kBucket / (key + "._S3rver_object")));
}

TEST_F(S3ObjectStoreTest, ListFollowsContinuationTokensAcrossPages) {
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) {
    expected.push_back("s3/paged/" + std::to_string(i));
    store_.Put(expected.back(), "x", "");
  }
  store_.Put("s3/pagedness-outside", "x", "");

  for (const int page_size : {1, 3, 1000}) {
    S3ObjectStoreOptions options = S3rverOptions();
    options.list_page_size = page_size;
    S3ObjectStore paged(options);
    EXPECT_EQ(paged.List("s3/paged/"), expected) << "page size " << page_size;
  }
}

TEST_F(S3ObjectStoreTest, EmptyObjectReportsEmptyBodyAsProtiferDoes) {
  store_.Put("s3/empty", "", "");
  EXPECT_TRUE(store_.Exists("s3/empty"));
  try {
    store_.Get("s3/empty");
    FAIL() << "Get of an empty object returned";
  } catch (const NotFoundError&) {
    FAIL() << "an empty object is not a missing one";
  } catch (const StorageError& error) {
    EXPECT_EQ(std::string(error.what()), "Empty body for key: s3/empty");
  }
}

TEST_F(S3ObjectStoreTest, UnknownAccessKeyIsS3ErrorWithoutTheSecret) {
  S3ObjectStoreOptions options = S3rverOptions();
  options.access_key_id = "NOT-A-KNOWN-KEY";
  options.secret_access_key = "very-secret-value-123";
  S3ObjectStore store(options);

  try {
    store.Put("s3/denied", "x", "");
    FAIL() << "Put with an unknown access key succeeded";
  } catch (const S3Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.http_status(), 403);
    EXPECT_EQ(error.code(), "InvalidAccessKeyId");
    EXPECT_NE(message.find("S3 PutObject \"s3/denied\" failed: HTTP 403 InvalidAccessKeyId: "),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("very-secret-value-123"), std::string::npos) << message;
  }
  // protifer's exists() answers false on any error.
  store_.Put("s3/present", "x", "");
  EXPECT_FALSE(store.Exists("s3/present"));
  EXPECT_THROW(store.Get("s3/present"), S3Error);
  EXPECT_THROW(store.List("s3/"), S3Error);
}

TEST_F(S3ObjectStoreTest, MissingBucketIsAnErrorNotAMissingObject) {
  S3ObjectStoreOptions options = S3rverOptions();
  options.bucket = "no-such-bucket";
  S3ObjectStore store(options);
  try {
    store.Get("emb/x");
    FAIL() << "Get from a missing bucket returned";
  } catch (const NotFoundError& error) {
    FAIL() << "NoSuchBucket reported as a missing object: " << error.what();
  } catch (const S3Error& error) {
    EXPECT_EQ(error.http_status(), 404);
    EXPECT_EQ(error.code(), "NoSuchBucket");
  }
  EXPECT_THROW(store.Put("emb/x", "x", ""), S3Error);
}

// A loopback port with a listening socket that never answers (or, once closed, with nothing).
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot open a loopback listener");
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { Close(); }
  void Close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(S3ObjectStoreTransportTest, RefusedConnectionIsS3ErrorWithoutStatus) {
  SilentListener listener;
  listener.Close();  // nothing listens on the port any more
  S3ObjectStoreOptions options = S3rverOptions();
  options.endpoint = listener.endpoint();
  S3ObjectStore store(options);

  try {
    store.Put("emb/x", "x", "");
    FAIL() << "Put to a closed port succeeded";
  } catch (const S3Error& error) {
    EXPECT_EQ(error.http_status(), 0);
    EXPECT_NE(std::string(error.what()).find("S3 PutObject \"emb/x\" failed: "), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(store.Exists("emb/x"));
}

TEST(S3ObjectStoreTransportTest, RequestTimeoutEndsACallTheServerNeverAnswers) {
  SilentListener listener;  // the kernel accepts the connection; nobody ever reads or writes
  S3ObjectStoreOptions options = S3rverOptions();
  options.endpoint = listener.endpoint();
  options.request_timeout = std::chrono::milliseconds(300);
  S3ObjectStore store(options);

  try {
    store.Get("emb/x");
    FAIL() << "Get from a silent server returned";
  } catch (const S3Error& error) {
    EXPECT_EQ(error.http_status(), 0);
    EXPECT_NE(std::string(error.what()).find("timed out"), std::string::npos) << error.what();
  }
}

TEST(S3ObjectStoreOptionsTest, RejectsUnusableEndpointsAndSettings) {
  S3ObjectStoreOptions options = S3rverOptions();
  options.endpoint = "ftp://127.0.0.1:21";
  EXPECT_THROW(S3ObjectStore{options}, StorageError);
  options.endpoint = "not a url";
  EXPECT_THROW(S3ObjectStore{options}, StorageError);
  options = S3rverOptions();
  options.bucket.clear();
  EXPECT_THROW(S3ObjectStore{options}, StorageError);
  options = S3rverOptions();
  options.list_page_size = 0;
  EXPECT_THROW(S3ObjectStore{options}, StorageError);
}

TEST(S3ObjectStoreOptionsTest, EndpointPathAndTrailingSlashAreAccepted) {
  S3ObjectStoreOptions options = S3rverOptions();
  options.endpoint += "/";
  S3ObjectStore store(options);
  store.Put("s3/slash", "ok", "");
  EXPECT_EQ(store.Get("s3/slash"), "ok");
}

TEST(S3ObjectStoreKeyTest, OverlongKeyIsRejectedBeforeAnyRequest) {
  S3ObjectStore store(S3rverOptions());
  EXPECT_THROW(store.Put(std::string(1025, 'k'), "x", ""), InvalidKeyError);
}

}  // namespace
}  // namespace protifer::storage

#include "apps/service_components.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "storage/filesystem_object_store.h"
#include "storage/s3_object_store.h"

namespace protifer::apps {
namespace {

using std::chrono::milliseconds;

TEST(ServiceComponentsTest, ClientOptionsCarryEveryTritonSetting) {
  config::TritonSettings settings;
  settings.url = "triton:8001";
  settings.deadline = milliseconds(1234);
  settings.retry_max_attempts = 5;
  settings.retry_base_backoff = milliseconds(77);
  settings.max_message_bytes = 1 << 20;
  settings.keepalive_time = milliseconds(40000);
  settings.keepalive_timeout = milliseconds(9000);
  const triton::ClientOptions options = MakeClientOptions(settings);
  EXPECT_EQ(options.target, "triton:8001");
  EXPECT_EQ(options.infer_deadline, milliseconds(1234));
  EXPECT_EQ(options.retry.max_attempts, 5);
  EXPECT_EQ(options.retry.base_backoff, milliseconds(77));
  EXPECT_EQ(options.max_message_bytes, 1 << 20);
  EXPECT_EQ(options.keepalive_time, milliseconds(40000));
  EXPECT_EQ(options.keepalive_timeout, milliseconds(9000));
  EXPECT_FALSE(options.use_tls);
  EXPECT_FALSE(options.keepalive_permit_without_calls);
}

TEST(ServiceComponentsTest, TlsRootCertificatesAreReadFromTheFile) {
  const auto path = std::filesystem::temp_directory_path() / "service_components_test_roots.pem";
  std::ofstream(path) << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  config::TritonSettings settings;
  settings.url = "triton:8001";
  settings.use_tls = true;
  settings.tls_root_certs_path = path.string();
  EXPECT_EQ(MakeClientOptions(settings).tls_root_certs_pem,
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  std::filesystem::remove(path);
  try {
    MakeClientOptions(settings);
    FAIL() << "expected an error for a missing file";
  } catch (const std::runtime_error& error) {
    EXPECT_EQ(std::string(error.what()), "cannot read TRITON_TLS_ROOT_CERTS from " + path.string());
  }
}

TEST(ServiceComponentsTest, StorageDriverPicksTheStore) {
  config::StorageSettings settings;
  settings.driver = config::StorageDriver::kFilesystem;
  settings.path = (std::filesystem::temp_directory_path() / "service_components_store").string();
  EXPECT_NE(dynamic_cast<storage::FilesystemObjectStore*>(MakeObjectStore(settings).get()),
            nullptr);
  settings.driver = config::StorageDriver::kS3;
  settings.endpoint = "http://127.0.0.1:3900";
  settings.region = "garage";
  settings.bucket = "embeddings";
  settings.access_key_id = "GK1";
  settings.secret_access_key = "secret";
  EXPECT_NE(dynamic_cast<storage::S3ObjectStore*>(MakeObjectStore(settings).get()), nullptr);
}

TEST(ServiceComponentsTest, WorkerOptionsStartFromProtifersDefaults) {
  config::QueueWorkerSettings settings;
  settings.concurrency = 6;
  settings.stalled_interval = milliseconds(5000);
  settings.max_job_data_bytes = 4096;
  const queue::WorkerOptions options = MakeWorkerOptions("prediction", settings);
  EXPECT_EQ(options.queue_name, "prediction");
  EXPECT_EQ(options.prefix, "bull");
  EXPECT_EQ(options.concurrency, 6);
  EXPECT_EQ(options.lock_duration, milliseconds(300000));
  EXPECT_EQ(options.lock_renew_time, milliseconds(30000));
  EXPECT_EQ(options.stalled_interval, milliseconds(5000));
  EXPECT_EQ(options.max_stalled_count, 2);
  EXPECT_EQ(options.max_data_bytes, 4096U);
  ASSERT_TRUE(options.limiter.has_value());
  EXPECT_EQ(options.limiter->max, 20);
  EXPECT_EQ(options.limiter->duration, milliseconds(1000));
}

TEST(ServiceComponentsTest, RedisEndpointCarriesHostPortPasswordAndDb) {
  config::RedisSettings settings{"redis.internal", 6380, "pw", 2};
  const queue::RedisEndpoint endpoint = MakeRedisEndpoint(settings);
  EXPECT_EQ(endpoint.host, "redis.internal");
  EXPECT_EQ(endpoint.port, 6380);
  EXPECT_EQ(endpoint.password, "pw");
  EXPECT_EQ(endpoint.db, 2);
  EXPECT_TRUE(endpoint.username.empty());
}

}  // namespace
}  // namespace protifer::apps

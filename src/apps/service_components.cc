#include "apps/service_components.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "storage/filesystem_object_store.h"
#include "storage/s3_object_store.h"

namespace protifer::apps {

namespace {

std::string ReadWholeFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    throw std::runtime_error("cannot read " + std::string(what) + " from " + path);
  }
  return text.str();
}

}  // namespace

triton::ClientOptions MakeClientOptions(const config::TritonSettings& settings) {
  triton::ClientOptions options;
  options.target = settings.url;
  options.use_tls = settings.use_tls;
  if (settings.use_tls && !settings.tls_root_certs_path.empty()) {
    options.tls_root_certs_pem =
        ReadWholeFile(settings.tls_root_certs_path, "TRITON_TLS_ROOT_CERTS");
  }
  options.max_message_bytes = settings.max_message_bytes;
  options.keepalive_time = settings.keepalive_time;
  options.keepalive_timeout = settings.keepalive_timeout;
  options.infer_deadline = settings.deadline;
  options.retry.max_attempts = settings.retry_max_attempts;
  options.retry.base_backoff = settings.retry_base_backoff;
  options.retry_budget.max_tokens = settings.retry_budget_tokens;
  options.retry_budget.token_ratio = settings.retry_budget_percent / 100.0;
  options.channels = settings.channels;
  return options;
}

std::unique_ptr<storage::ObjectStore> MakeObjectStore(const config::StorageSettings& settings) {
  if (settings.driver == config::StorageDriver::kFilesystem) {
    return std::make_unique<storage::FilesystemObjectStore>(settings.path);
  }
  storage::S3ObjectStoreOptions options;
  options.endpoint = settings.endpoint;
  options.region = settings.region;
  options.bucket = settings.bucket;
  options.access_key_id = settings.access_key_id;
  options.secret_access_key = settings.secret_access_key;
  return std::make_unique<storage::S3ObjectStore>(options);
}

queue::RedisEndpoint MakeRedisEndpoint(const config::RedisSettings& settings) {
  queue::RedisEndpoint endpoint;
  endpoint.host = settings.host;
  endpoint.port = settings.port;
  endpoint.password = settings.password;
  endpoint.db = settings.db;
  return endpoint;
}

queue::WorkerOptions MakeWorkerOptions(const std::string& queue_name,
                                       const config::QueueWorkerSettings& settings) {
  queue::WorkerOptions options;
  options.queue_name = queue_name;
  options.concurrency = settings.concurrency;
  options.lock_duration = settings.lock_duration;
  options.lock_renew_time = settings.lock_renew_time;
  options.stalled_interval = settings.stalled_interval;
  options.max_stalled_count = settings.max_stalled_count;
  options.max_data_bytes = static_cast<std::size_t>(settings.max_job_data_bytes);
  return options;
}

}  // namespace protifer::apps

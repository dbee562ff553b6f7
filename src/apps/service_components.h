// The pieces both workers build from their configuration, each in one place: the Triton client
// options, the object store, the BullMQ worker options and the Redis endpoint.
#pragma once

#include <memory>
#include <string>

#include "config/worker_settings.h"
#include "queue/redis_connection.h"
#include "queue/worker_options.h"
#include "storage/object_store.h"
#include "triton/client_options.h"

namespace protifer::apps {

// TRITON_* settings as client options. Reads the TLS root certificates file
// (std::runtime_error naming the file when it cannot). on_attempt and jitter stay empty.
triton::ClientOptions MakeClientOptions(const config::TritonSettings& settings);

// STORAGE_DRIVER=filesystem: a FilesystemObjectStore at STORAGE_PATH; s3: an S3ObjectStore on
// the GARAGE_* settings.
std::unique_ptr<storage::ObjectStore> MakeObjectStore(const config::StorageSettings& settings);

queue::RedisEndpoint MakeRedisEndpoint(const config::RedisSettings& settings);

// protifer's WORKER_DEFAULTS overridden by the BULLMQ_* / WORKER_CONCURRENCY settings.
queue::WorkerOptions MakeWorkerOptions(const std::string& queue_name,
                                       const config::QueueWorkerSettings& settings);

}  // namespace protifer::apps

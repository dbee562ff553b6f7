#include "storage/s3_object_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iterator>
#include <utility>

#include "storage/s3_xml.h"
#include "storage/storage_error.h"

namespace protifer::storage {
namespace {

constexpr std::size_t kMaxKeyBytes = 1024;

void CheckKey(std::string_view key) {
  if (key.empty()) {
    throw InvalidKeyError(key, "key is empty");
  }
  if (key.size() > kMaxKeyBytes) {
    throw InvalidKeyError(key, "key is longer than 1024 bytes");
  }
}

void Require(const std::string& value, std::string_view field) {
  if (value.empty()) {
    throw StorageError("S3 store: " + std::string(field) + " is empty");
  }
}

// Checked before any member is built from the options.
const S3ObjectStoreOptions& Validated(const S3ObjectStoreOptions& options) {
  Require(options.endpoint, "endpoint");
  Require(options.region, "region");
  Require(options.bucket, "bucket");
  Require(options.access_key_id, "access key id");
  Require(options.secret_access_key, "secret access key");
  if (options.list_page_size < 1 || options.list_page_size > 1000) {
    throw StorageError("S3 store: list page size must be within 1..1000");
  }
  return options;
}

std::string Now() { return FormatAmzDate(std::chrono::system_clock::now()); }

}  // namespace

S3ObjectStore::S3ObjectStore(const S3ObjectStoreOptions& options)
    : list_page_size_(Validated(options).list_page_size),
      requests_(
          S3Endpoint::Parse(options.endpoint), options.bucket,
          SigV4Signer(options.access_key_id, options.secret_access_key, options.region, "s3")),
      http_(HttpClientOptions{options.connect_timeout, options.request_timeout,
                              options.max_idle_connections}) {}

HttpResponse S3ObjectStore::Send(std::string_view operation, std::string_view described_target,
                                 const HttpRequest& request) {
  try {
    return http_.Perform(request);
  } catch (const HttpTransportError& error) {
    throw S3Error(operation, described_target, 0, "", error.what());
  }
}

void S3ObjectStore::ThrowFailure(std::string_view operation, std::string_view described_target,
                                 const HttpResponse& response) const {
  std::optional<S3ErrorDocument> document = ParseS3Error(response.body);
  if (!document) {
    throw S3Error(operation, described_target, response.status, "", "");
  }
  throw S3Error(operation, described_target, response.status, std::move(document->code),
                document->message);
}

std::optional<S3ObjectInfo> S3ObjectStore::Head(std::string_view key) {
  CheckKey(key);
  const HttpResponse response =
      Send("HeadObject", key, requests_.ForObject("HEAD", key, {}, {}, Now()));
  if (response.status == 404) {
    return std::nullopt;
  }
  if (response.status != 200) {
    ThrowFailure("HeadObject", key, response);
  }
  S3ObjectInfo info;
  info.content_type = std::string(response.Header("Content-Type").value_or(""));
  info.etag = std::string(response.Header("ETag").value_or(""));
  if (const auto length = response.Header("Content-Length")) {
    std::from_chars(length->data(), length->data() + length->size(), info.content_length);
  }
  return info;
}

bool S3ObjectStore::Exists(std::string_view key) {
  // protifer's exists() catches every error and answers false (spec §2.7): an unreachable
  // store then looks like a cache miss, and the caller's next Put/Get reports the real error.
  try {
    return Head(key).has_value();
  } catch (const std::exception&) {
    return false;
  }
}

std::string S3ObjectStore::Get(std::string_view key) {
  CheckKey(key);
  HttpResponse response = Send("GetObject", key, requests_.ForObject("GET", key, {}, {}, Now()));
  if (response.status == 404) {
    const std::optional<S3ErrorDocument> document = ParseS3Error(response.body);
    // A missing bucket is a configuration error, not a missing object.
    if (!document || document->code == "NoSuchKey") {
      throw NotFoundError(std::string(key));
    }
  }
  if (response.status != 200) {
    ThrowFailure("GetObject", key, response);
  }
  if (response.body.empty()) {
    throw StorageError("Empty body for key: " + std::string(key));
  }
  return std::move(response.body);
}

void S3ObjectStore::Put(std::string_view key, std::string_view bytes,
                        std::string_view content_type) {
  CheckKey(key);
  const std::string_view type = content_type.empty() ? kDefaultContentType : content_type;
  HttpRequest request = requests_.ForObject("PUT", key, bytes, type, Now());
  request.body = bytes;
  const HttpResponse response = Send("PutObject", key, request);
  if (response.status != 200) {
    ThrowFailure("PutObject", key, response);
  }
}

std::vector<std::string> S3ObjectStore::List(std::string_view prefix) {
  std::vector<std::string> keys;
  std::string continuation_token;
  while (true) {
    std::vector<QueryParameter> query = {{"list-type", "2"},
                                         {"max-keys", std::to_string(list_page_size_)}};
    if (!prefix.empty()) {
      query.push_back({"prefix", std::string(prefix)});
    }
    if (!continuation_token.empty()) {
      query.push_back({"continuation-token", continuation_token});
    }
    const HttpResponse response =
        Send("ListObjectsV2", prefix, requests_.ForBucket("GET", query, Now()));
    if (response.status != 200) {
      ThrowFailure("ListObjectsV2", prefix, response);
    }
    ListObjectsPage page = ParseListObjectsV2(response.body);
    std::move(page.keys.begin(), page.keys.end(), std::back_inserter(keys));
    if (!page.is_truncated) {
      break;
    }
    if (page.next_continuation_token.empty() ||
        page.next_continuation_token == continuation_token) {
      throw S3Error("ListObjectsV2", prefix, response.status, "",
                    "truncated page without a new NextContinuationToken");
    }
    continuation_token = std::move(page.next_continuation_token);
  }
  // S3 already lists in UTF-8 binary order; sorting keeps the promise for servers that don't.
  std::sort(keys.begin(), keys.end());
  return keys;
}

void S3ObjectStore::Delete(std::string_view key) {
  CheckKey(key);
  const HttpResponse response =
      Send("DeleteObject", key, requests_.ForObject("DELETE", key, {}, {}, Now()));
  // S3 answers 204 whether or not the key existed; some compatible servers answer 404.
  if (response.status == 200 || response.status == 204) {
    return;
  }
  if (response.status == 404) {
    const std::optional<S3ErrorDocument> document = ParseS3Error(response.body);
    if (!document || document->code == "NoSuchKey") {
      return;
    }
  }
  ThrowFailure("DeleteObject", key, response);
}

}  // namespace protifer::storage

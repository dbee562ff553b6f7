// Objects in one bucket of an S3-compatible server (Garage in protifer's deployments, s3rver in
// tests), addressed path-style (<endpoint>/<bucket>/<key>), signed with SigV4 by our own signer
// (s3_request_builder.h, sigv4_signer.h) and sent with libcurl.
//
// Behaviour follows protifer's createS3ObjectStore (spec §2.7):
//  - Exists = HeadObject; *any* failure answers false, never throws.
//  - Get = GetObject; a missing key (404 NoSuchKey) is NotFoundError "Not found: <key>", the
//    message of the other drivers (protifer surfaces the SDK's NoSuchKey error instead); a
//    missing bucket is S3Error. A 0-byte object is StorageError "Empty body for key: <key>",
//    protifer's check on the SDK's body.
//  - Put = PutObject with Content-Type (empty → application/octet-stream).
//  - List = ListObjectsV2, following continuation tokens until the last page. Keys come back
//    XML-escaped (no encoding-type=url, which s3rver does not implement), so a key holding a
//    control character that XML 1.0 cannot carry cannot be listed; protifer's keys never do.
//  - Delete = DeleteObject; deleting a missing key is not an error.
// Other failures are S3Error carrying the HTTP status, the S3 error code and message; the
// secret key never appears in any message.
//
// Thread-safe: concurrent calls share a small pool of curl handles (kept-alive connections).
// Proxy variables of the environment are ignored, as the AWS SDK ignores them.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/curl_http_client.h"
#include "storage/object_store.h"
#include "storage/s3_request_builder.h"

namespace protifer::storage {

struct S3ObjectStoreOptions {
  std::string endpoint;  // "http://garage:3900"; a path after the host is kept as a prefix
  std::string region;    // "garage", "us-east-1", ...
  std::string bucket;
  std::string access_key_id;
  std::string secret_access_key;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{60000};  // per request, body included
  // max-keys of each ListObjectsV2 page (S3 caps it at 1000). Tests lower it to force paging.
  int list_page_size = 1000;
  std::size_t max_idle_connections = 8;
};

// What HeadObject reports about a stored object.
struct S3ObjectInfo {
  std::string content_type;
  std::size_t content_length = 0;
  std::string etag;
};

class S3ObjectStore final : public ObjectStore {
 public:
  // Throws StorageError when the endpoint is not an http(s) URL or a field is empty.
  explicit S3ObjectStore(const S3ObjectStoreOptions& options);

  bool Exists(std::string_view key) override;
  std::string Get(std::string_view key) override;
  void Put(std::string_view key, std::string_view bytes, std::string_view content_type) override;
  std::vector<std::string> List(std::string_view prefix) override;
  void Delete(std::string_view key) override;

  // HeadObject: nullopt for a missing object (404), S3Error for any other failure.
  std::optional<S3ObjectInfo> Head(std::string_view key);

 private:
  // Signs and sends one request; a transport failure becomes S3Error with status 0.
  HttpResponse Send(std::string_view operation, std::string_view described_target,
                    const HttpRequest& request);
  [[noreturn]] void ThrowFailure(std::string_view operation, std::string_view described_target,
                                 const HttpResponse& response) const;

  int list_page_size_;
  S3RequestBuilder requests_;
  CurlHttpClient http_;
};

}  // namespace protifer::storage

// Turns one S3 operation into the exact HTTP request to send: path-style URL, S3 key encoding,
// the signed headers and the Authorization header. Pure (the time is a parameter), so tests can
// pin whole requests against a reference signer; S3ObjectStore sends what this builds.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/curl_http_client.h"
#include "storage/sigv4_signer.h"

namespace protifer::storage {

struct S3Endpoint {
  std::string scheme;     // "http" or "https"
  std::string host;       // the Host header: host, plus ":port" unless the scheme's default
  std::string base_path;  // path of the endpoint URL without trailing '/', usually ""

  // Throws StorageError when `url` is not an http(s) URL with a host.
  static S3Endpoint Parse(std::string_view url);
};

class S3RequestBuilder {
 public:
  S3RequestBuilder(S3Endpoint endpoint, std::string bucket, SigV4Signer signer);

  // A request on one object: <endpoint>/<bucket>/<key>, the key encoded with UriEncode (slashes
  // kept). `content_type` is sent and signed when not empty; `body` is hashed into
  // x-amz-content-sha256 but not attached (HttpRequest::body is left for the caller).
  HttpRequest ForObject(std::string_view method, std::string_view key, std::string_view body,
                        std::string_view content_type, std::string_view amz_date) const;

  // A request on the bucket itself (<endpoint>/<bucket>?<query>), e.g. ListObjectsV2.
  HttpRequest ForBucket(std::string_view method, const std::vector<QueryParameter>& query,
                        std::string_view amz_date) const;

 private:
  HttpRequest Build(std::string_view method, std::string canonical_uri,
                    const std::vector<QueryParameter>& query, std::string_view body,
                    std::string_view content_type, std::string_view amz_date) const;

  S3Endpoint endpoint_;
  std::string bucket_;
  SigV4Signer signer_;
};

}  // namespace protifer::storage

#include "storage/s3_request_builder.h"

#include <curl/curl.h>

#include <memory>
#include <utility>

#include "core/sha256.h"
#include "storage/storage_error.h"

namespace protifer::storage {
namespace {

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

// One part of a parsed URL, or "" when it is absent.
std::string UrlPart(CURLU* url, CURLUPart part) {
  char* text = nullptr;
  if (curl_url_get(url, part, &text, 0) != CURLUE_OK || text == nullptr) {
    return {};
  }
  std::string value(text);
  curl_free(text);
  return value;
}

}  // namespace

S3Endpoint S3Endpoint::Parse(std::string_view url) {
  const std::string text(url);
  const std::unique_ptr<CURLU, UrlDeleter> parsed(curl_url());
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    throw StorageError("S3 store: endpoint \"" + text + "\" is not a URL");
  }
  S3Endpoint endpoint;
  endpoint.scheme = UrlPart(parsed.get(), CURLUPART_SCHEME);
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    throw StorageError("S3 store: endpoint \"" + text + "\" is not http(s)");
  }
  endpoint.host = UrlPart(parsed.get(), CURLUPART_HOST);
  if (endpoint.host.empty()) {
    throw StorageError("S3 store: endpoint \"" + text + "\" has no host");
  }
  // Like the AWS SDKs: a port goes into Host only when it is not the scheme's default.
  const std::string port = UrlPart(parsed.get(), CURLUPART_PORT);
  const std::string_view default_port = endpoint.scheme == "https" ? "443" : "80";
  if (!port.empty() && port != default_port) {
    endpoint.host += ':' + port;
  }
  endpoint.base_path = UrlPart(parsed.get(), CURLUPART_PATH);
  while (!endpoint.base_path.empty() && endpoint.base_path.back() == '/') {
    endpoint.base_path.pop_back();
  }
  return endpoint;
}

S3RequestBuilder::S3RequestBuilder(S3Endpoint endpoint, std::string bucket, SigV4Signer signer)
    : endpoint_(std::move(endpoint)), bucket_(std::move(bucket)), signer_(std::move(signer)) {}

HttpRequest S3RequestBuilder::ForObject(std::string_view method, std::string_view key,
                                        std::string_view body, std::string_view content_type,
                                        std::string_view amz_date) const {
  return Build(method,
               endpoint_.base_path + '/' + UriEncode(bucket_, true) + '/' + UriEncode(key, false),
               {}, body, content_type, amz_date);
}

HttpRequest S3RequestBuilder::ForBucket(std::string_view method,
                                        const std::vector<QueryParameter>& query,
                                        std::string_view amz_date) const {
  return Build(method, endpoint_.base_path + '/' + UriEncode(bucket_, true), query, {}, {},
               amz_date);
}

HttpRequest S3RequestBuilder::Build(std::string_view method, std::string canonical_uri,
                                    const std::vector<QueryParameter>& query, std::string_view body,
                                    std::string_view content_type,
                                    std::string_view amz_date) const {
  SigV4Request signing;
  signing.method = std::string(method);
  signing.query = query;
  signing.payload_sha256 = core::Sha256Hex(body);
  signing.headers = {{"host", endpoint_.host},
                     {"x-amz-content-sha256", signing.payload_sha256},
                     {"x-amz-date", std::string(amz_date)}};
  if (!content_type.empty()) {
    signing.headers.push_back({"content-type", std::string(content_type)});
  }

  HttpRequest request;
  request.method = signing.method;
  // The query string sent is the canonical one, so the server sees what was signed.
  request.url = endpoint_.scheme + "://" + endpoint_.host + canonical_uri;
  if (!query.empty()) {
    request.url += '?' + CanonicalQueryString(query);
  }
  signing.canonical_uri = std::move(canonical_uri);
  const SigV4Signature signature = signer_.Sign(signing, amz_date);
  request.headers = std::move(signing.headers);
  request.headers.push_back({"authorization", signature.authorization});
  return request;
}

}  // namespace protifer::storage

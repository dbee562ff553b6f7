// One blocking HTTP/1.1 exchange at a time per calling thread, over libcurl, with a small pool
// of easy handles so connections are kept alive and reused across calls and threads.
//
// Blocking is deliberate: object-store calls run on job threads (one job, one thread), never
// on gRPC callback threads, and each job does a handful of them.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/sigv4_signer.h"  // HttpHeader

namespace protifer::storage {

struct HttpRequest {
  std::string method;  // GET, HEAD, PUT, DELETE
  std::string url;     // already encoded
  std::vector<HttpHeader> headers;
  std::string_view body;  // sent for PUT only
};

struct HttpResponse {
  long status = 0;
  std::vector<HttpHeader> headers;  // of the final response (interim 100 Continue dropped)
  std::string body;

  // The first header with this name (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{60000};  // whole exchange, body included
  std::size_t max_idle_handles = 8;
};

// An exchange that produced no HTTP response. what() is curl's description of the failure.
class HttpTransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CurlHttpClient {
 public:
  explicit CurlHttpClient(HttpClientOptions options);
  ~CurlHttpClient();
  CurlHttpClient(const CurlHttpClient&) = delete;
  CurlHttpClient& operator=(const CurlHttpClient&) = delete;

  // Safe to call from several threads at once. Throws HttpTransportError; any HTTP status,
  // including 4xx/5xx, is a response, not an exception.
  HttpResponse Perform(const HttpRequest& request);

 private:
  void* AcquireHandle();
  void ReleaseHandle(void* handle);

  HttpClientOptions options_;
  std::mutex mutex_;
  std::vector<void*> idle_handles_;
};

}  // namespace protifer::storage

#include "storage/curl_http_client.h"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace protifer::storage {
namespace {

// curl_global_init is not thread-safe in every libcurl build; do it once, before any handle.
void InitialiseCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// The callbacks are called from C; they must not throw, so failures abort the transfer by
// returning a short count instead.
std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* user) {
  const std::size_t bytes = size * count;
  try {
    static_cast<HttpResponse*>(user)->body.append(data, bytes);
    return bytes;
  } catch (...) {
    return 0;
  }
}

std::size_t CollectHeader(char* data, std::size_t size, std::size_t count, void* user) {
  const std::size_t bytes = size * count;
  try {
    auto* response = static_cast<HttpResponse*>(user);
    const std::string_view line = Trim(std::string_view(data, bytes));
    if (line.rfind("HTTP/", 0) == 0) {
      // A new status line: whatever came before belonged to an interim response.
      response->headers.clear();
    } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
      response->headers.push_back(
          {std::string(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1)))});
    }
    return bytes;
  } catch (...) {
    return 0;
  }
}

struct UploadCursor {
  std::string_view remaining;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* cursor = static_cast<UploadCursor*>(user);
  const std::size_t bytes = std::min(size * count, cursor->remaining.size());
  std::memcpy(buffer, cursor->remaining.data(), bytes);
  cursor->remaining.remove_prefix(bytes);
  return bytes;
}

class HeaderList {
 public:
  HeaderList() = default;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  ~HeaderList() { curl_slist_free_all(list_); }

  void Add(const std::string& line) {
    curl_slist* extended = curl_slist_append(list_, line.c_str());
    if (extended == nullptr) {
      throw std::bad_alloc();
    }
    list_ = extended;
  }
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
  for (const HttpHeader& header : headers) {
    if (header.name.size() == name.size() &&
        strncasecmp(header.name.data(), name.data(), name.size()) == 0) {
      return std::string_view(header.value);
    }
  }
  return std::nullopt;
}

CurlHttpClient::CurlHttpClient(HttpClientOptions options) : options_(options) { InitialiseCurl(); }

CurlHttpClient::~CurlHttpClient() {
  for (void* handle : idle_handles_) {
    curl_easy_cleanup(static_cast<CURL*>(handle));
  }
}

void* CurlHttpClient::AcquireHandle() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_handles_.empty()) {
      void* handle = idle_handles_.back();
      idle_handles_.pop_back();
      return handle;
    }
  }
  CURL* handle = curl_easy_init();
  if (handle == nullptr) {
    throw HttpTransportError("curl_easy_init failed");
  }
  return handle;
}

void CurlHttpClient::ReleaseHandle(void* handle) {
  // Reset clears the options but keeps the handle's open connections for the next call.
  curl_easy_reset(static_cast<CURL*>(handle));
  {
    std::lock_guard lock(mutex_);
    if (idle_handles_.size() < options_.max_idle_handles) {
      idle_handles_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

HttpResponse CurlHttpClient::Perform(const HttpRequest& request) {
  struct Lease {
    CurlHttpClient* client;
    void* handle;
    ~Lease() { client->ReleaseHandle(handle); }
  } lease{this, AcquireHandle()};
  CURL* curl = static_cast<CURL*>(lease.handle);

  HttpResponse response;
  UploadCursor upload{request.body};
  HeaderList headers;
  for (const HttpHeader& header : request.headers) {
    headers.Add(header.name + ": " + header.value);
  }
  char error_text[CURL_ERROR_SIZE] = {};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // Signals are not thread-safe; timeouts then rely on the threaded resolver, which Debian's
  // libcurl uses.
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Like the AWS SDK in protifer, ignore http_proxy/https_proxy from the environment.
  curl_easy_setopt(curl, CURLOPT_PROXY, "");
  // Keys may contain "." or ".." segments: send the path exactly as signed.
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    // No "Expect: 100-continue" round trip before the body.
    headers.Add("Expect:");
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  const CURLcode result = curl_easy_perform(curl);
  if (result != CURLE_OK) {
    std::string description = curl_easy_strerror(result);
    if (error_text[0] != '\0') {
      description += " (";
      description += error_text;
      description += ')';
    }
    throw HttpTransportError(description);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace protifer::storage

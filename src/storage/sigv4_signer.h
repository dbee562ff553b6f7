// AWS Signature Version 4 for S3 requests (header-based, single-chunk payload), small enough to
// check line by line against AWS's documented S3 examples (sigv4_signer_test.cc).
//
// We sign ourselves instead of using curl's CURLOPT_AWS_SIGV4 because curl 7.88 does not add
// x-amz-content-sha256 and its canonicalisation cannot be tested in isolation; with our own
// signer, the code the tests pin is exactly the code every request uses.
//
// The signer is pure: it neither adds headers nor reads the clock. The caller puts host,
// x-amz-date and x-amz-content-sha256 among the headers to sign and sends exactly those.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace protifer::storage {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct QueryParameter {
  std::string name;   // decoded
  std::string value;  // decoded; "" for a bare `?lifecycle`
};

struct SigV4Request {
  std::string method;         // "GET", "PUT", ...
  std::string canonical_uri;  // the path exactly as sent, already URI-encoded: "/bucket/a%20b"
  std::vector<QueryParameter> query;
  std::vector<HttpHeader> headers;  // every header to sign; names in any case
  std::string payload_sha256;       // lowercase hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct SigV4Signature {
  std::string canonical_request;
  std::string signed_headers;  // "host;x-amz-content-sha256;x-amz-date"
  std::string string_to_sign;
  std::string signature;      // 64 lowercase hex
  std::string authorization;  // the Authorization header value
};

using SigningKey = std::array<std::uint8_t, 32>;

// S3's URI encoding: every byte except A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex); '/'
// is kept unless `encode_slash` (object key paths keep it, query names and values do not).
std::string UriEncode(std::string_view bytes, bool encode_slash);

// Parameters encoded with UriEncode(.., true), sorted by encoded name then value, joined as
// `name=value&...`. Also the query string to send, so what is signed is what is sent.
std::string CanonicalQueryString(const std::vector<QueryParameter>& query);

// Header names lower-cased, values trimmed with inner runs of spaces collapsed, sorted by name,
// repeated names joined with ','. Returns the canonical request; `signed_headers` receives the
// `;`-joined names.
std::string CanonicalRequest(const SigV4Request& request, std::string* signed_headers);

// `YYYYMMDDTHHMMSSZ` in UTC, the x-amz-date format.
std::string FormatAmzDate(std::chrono::system_clock::time_point time);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
SigningKey DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                            std::string_view region, std::string_view service);

class SigV4Signer {
 public:
  SigV4Signer(std::string access_key_id, std::string secret_access_key, std::string region,
              std::string service);

  // `amz_date` must equal the x-amz-date header among request.headers.
  SigV4Signature Sign(const SigV4Request& request, std::string_view amz_date) const;

  const std::string& access_key_id() const noexcept { return access_key_id_; }
  const std::string& region() const noexcept { return region_; }

 private:
  std::string access_key_id_;
  std::string secret_access_key_;
  std::string region_;
  std::string service_;
};

}  // namespace protifer::storage

#include "storage/sigv4_signer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>
#include <utility>

#include "core/sha256.h"

namespace protifer::storage {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

SigningKey Hmac(std::string_view key, std::string_view data) {
  SigningKey out{};
  unsigned int length = 0;
  const unsigned char* result =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &length);
  if (result == nullptr || length != out.size()) {
    throw std::runtime_error("SigV4: HMAC-SHA256 failed");
  }
  return out;
}

std::string_view AsText(const SigningKey& key) {
  return {reinterpret_cast<const char*>(key.data()), key.size()};
}

std::string ToLowerHex(const SigningKey& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const std::uint8_t byte : bytes) {
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0x0f];
  }
  return hex;
}

std::string ToLower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return lower;
}

// Trims surrounding whitespace and collapses inner runs of spaces to one (SigV4's Trimall).
std::string TrimAll(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (const char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string UriEncode(std::string_view bytes, bool encode_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (IsUnreserved(byte) || (c == '/' && !encode_slash)) {
      out += c;
    } else {
      out += '%';
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0x0f];
    }
  }
  return out;
}

std::string CanonicalQueryString(const std::vector<QueryParameter>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const QueryParameter& parameter : query) {
    encoded.emplace_back(UriEncode(parameter.name, true), UriEncode(parameter.value, true));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) {
      out += '&';
    }
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string CanonicalRequest(const SigV4Request& request, std::string* signed_headers) {
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(request.headers.size());
  for (const HttpHeader& header : request.headers) {
    headers.emplace_back(ToLower(header.name), TrimAll(header.value));
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string canonical_headers;
  std::string names;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      // A repeated header: its values join the previous line, in the order they were given.
      canonical_headers.back() = ',';
      canonical_headers += headers[i].second;
      canonical_headers += '\n';
      continue;
    }
    canonical_headers += headers[i].first;
    canonical_headers += ':';
    canonical_headers += headers[i].second;
    canonical_headers += '\n';
    if (!names.empty()) {
      names += ';';
    }
    names += headers[i].first;
  }

  std::string canonical;
  canonical += request.method;
  canonical += '\n';
  canonical += request.canonical_uri.empty() ? "/" : request.canonical_uri;
  canonical += '\n';
  canonical += CanonicalQueryString(request.query);
  canonical += '\n';
  canonical += canonical_headers;
  canonical += '\n';
  canonical += names;
  canonical += '\n';
  canonical += request.payload_sha256;
  if (signed_headers != nullptr) {
    *signed_headers = std::move(names);
  }
  return canonical;
}

std::string FormatAmzDate(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[sizeof "20130524T000000Z"];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

SigningKey DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                            std::string_view region, std::string_view service) {
  const std::string secret = "AWS4" + std::string(secret_access_key);
  const SigningKey date_key = Hmac(secret, date);
  const SigningKey region_key = Hmac(AsText(date_key), region);
  const SigningKey service_key = Hmac(AsText(region_key), service);
  return Hmac(AsText(service_key), kTerminator);
}

SigV4Signer::SigV4Signer(std::string access_key_id, std::string secret_access_key,
                         std::string region, std::string service)
    : access_key_id_(std::move(access_key_id)),
      secret_access_key_(std::move(secret_access_key)),
      region_(std::move(region)),
      service_(std::move(service)) {}

SigV4Signature SigV4Signer::Sign(const SigV4Request& request, std::string_view amz_date) const {
  if (amz_date.size() != 16) {
    throw std::invalid_argument("SigV4: x-amz-date must look like 20130524T000000Z");
  }
  const std::string_view date = amz_date.substr(0, 8);
  const std::string scope =
      std::string(date) + '/' + region_ + '/' + service_ + '/' + std::string(kTerminator);

  SigV4Signature result;
  result.canonical_request = CanonicalRequest(request, &result.signed_headers);
  result.string_to_sign = std::string(kAlgorithm) + '\n' + std::string(amz_date) + '\n' + scope +
                          '\n' + core::Sha256Hex(result.canonical_request);
  const SigningKey key = DeriveSigningKey(secret_access_key_, date, region_, service_);
  result.signature = ToLowerHex(Hmac(AsText(key), result.string_to_sign));
  result.authorization = std::string(kAlgorithm) + " Credential=" + access_key_id_ + '/' + scope +
                         ",SignedHeaders=" + result.signed_headers +
                         ",Signature=" + result.signature;
  return result;
}

}  // namespace protifer::storage

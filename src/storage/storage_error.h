// The error vocabulary of every object store: one base type, so callers can catch "storage
// failed" without knowing which driver is configured, and subtypes for the cases callers act on.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace protifer::storage {

// Any object-store failure. what() is a complete, human-readable sentence that names the key
// and never contains credentials.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The key names no object. what() is exactly "Not found: <key>", the message protifer's
// filesystem and in-memory stores throw (spec §2.7), so failed-job reasons read the same.
class NotFoundError : public StorageError {
 public:
  explicit NotFoundError(std::string key);
  const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

// The key cannot name an object in this store (empty, too long, or escaping the filesystem
// root). A programming or data error, never transient.
class InvalidKeyError : public StorageError {
 public:
  InvalidKeyError(std::string_view key, std::string_view reason);
};

// A request to an S3 server failed. http_status() is 0 when no HTTP response arrived
// (connection refused, timeout, TLS failure); code() is the S3 error code from the response
// body ("NoSuchBucket", "InvalidAccessKeyId", ...) or empty when the body had none.
//
// what(): `S3 <operation> "<target>" failed: HTTP <status> <code>: <message>`, or
// `S3 <operation> "<target>" failed: <message>` without a response.
class S3Error : public StorageError {
 public:
  S3Error(std::string_view operation, std::string_view target, long http_status, std::string code,
          std::string_view message);

  long http_status() const noexcept { return http_status_; }
  const std::string& code() const noexcept { return code_; }

 private:
  long http_status_;
  std::string code_;
};

}  // namespace protifer::storage

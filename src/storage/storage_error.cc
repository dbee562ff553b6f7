#include "storage/storage_error.h"

#include <utility>

namespace protifer::storage {
namespace {

std::string DescribeS3Failure(std::string_view operation, std::string_view target, long http_status,
                              std::string_view code, std::string_view message) {
  std::string text = "S3 ";
  text += operation;
  text += " \"";
  text += target;
  text += "\" failed: ";
  if (http_status != 0) {
    text += "HTTP ";
    text += std::to_string(http_status);
    if (!code.empty()) {
      text += ' ';
      text += code;
    }
    if (!message.empty()) {
      text += ": ";
    }
  }
  text += message;
  return text;
}

}  // namespace

NotFoundError::NotFoundError(std::string key)
    : StorageError("Not found: " + key), key_(std::move(key)) {}

InvalidKeyError::InvalidKeyError(std::string_view key, std::string_view reason)
    : StorageError("Invalid object key \"" + std::string(key) + "\": " + std::string(reason)) {}

S3Error::S3Error(std::string_view operation, std::string_view target, long http_status,
                 std::string code, std::string_view message)
    : StorageError(DescribeS3Failure(operation, target, http_status, code, message)),
      http_status_(http_status),
      code_(std::move(code)) {}

}  // namespace protifer::storage

// Reading the two S3 response documents the store needs: ListBucketResult (ListObjectsV2) and
// Error. Parsed with libxml2 (entities decoded; no DTD loading, no network, no external
// entities), then read by element local name so any namespace the server uses is accepted.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace protifer::storage {

struct ListObjectsPage {
  std::vector<std::string> keys;  // <Contents><Key>, in document order
  bool is_truncated = false;
  std::string next_continuation_token;
};

// Throws StorageError when the body is not well-formed XML or not a ListBucketResult.
ListObjectsPage ParseListObjectsV2(std::string_view xml);

struct S3ErrorDocument {
  std::string code;
  std::string message;
};

// The <Error> document of a failed request, or nullopt when the body is not one (HEAD
// responses have no body; proxies answer with HTML).
std::optional<S3ErrorDocument> ParseS3Error(std::string_view xml);

}  // namespace protifer::storage

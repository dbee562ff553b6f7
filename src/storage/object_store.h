// The object-store boundary of the workers: embeddings and predictions are opaque byte strings
// stored under '/'-separated keys (spec §2.6: `emb/<name>/<version>/<hash>`, `pred/<hash>/<hash>`).
//
// Implementations: FilesystemObjectStore (embedded default), S3ObjectStore (S3 / Garage over
// HTTP) and testing::InMemoryObjectStore (test double). All of them are safe to call from
// several threads at once, and all report failures with the exceptions of storage_error.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace protifer::storage {

// What protifer's stores record when the caller gives no content type (the embedding worker).
inline constexpr std::string_view kDefaultContentType = "application/octet-stream";

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // True when an object is stored under `key`. The S3 driver answers false on *any* failure,
  // as protifer's does (spec §2.7); the filesystem driver only for a missing file.
  virtual bool Exists(std::string_view key) = 0;

  // The object's bytes. Throws NotFoundError ("Not found: <key>") when there is none.
  virtual std::string Get(std::string_view key) = 0;

  // Stores `bytes` under `key`, replacing any previous object; readers see either the old or
  // the new object, never a part. An empty `content_type` means kDefaultContentType; the
  // filesystem driver accepts and ignores it, as protifer's does.
  virtual void Put(std::string_view key, std::string_view bytes, std::string_view content_type) = 0;

  // Every key that starts with `prefix` (plain string prefix, not a directory), in ascending
  // byte order (S3's UTF-8 binary order), all pages fetched.
  virtual std::vector<std::string> List(std::string_view prefix) = 0;

  // Removes the object; removing a missing key is not an error.
  virtual void Delete(std::string_view key) = 0;
};

}  // namespace protifer::storage

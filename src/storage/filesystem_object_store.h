// Objects as files under one root directory: key `emb/m/v/h` is the file `<root>/emb/m/v/h`,
// the layout protifer's storage-fs.ts uses (spec §2.7), so both can share a STORAGE_PATH.
//
// Put writes `<target>.tmp.<16 hex>` in the target's directory, fsyncs it and renames it onto
// the target: a reader sees the old or the new object, never a part. Temporary names are never
// listed and are not valid keys.
//
// Keys must stay inside the root: non-empty, at most 1024 bytes (S3's limit), relative, made of
// non-empty segments other than "." and "..", no NUL byte; anything else is InvalidKeyError.
// Only regular files are objects: a directory named by a key does not exist as an object.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"

namespace protifer::storage {

class FilesystemObjectStore final : public ObjectStore {
 public:
  // The root need not exist yet: Put creates directories as needed; List of an absent root is
  // empty.
  explicit FilesystemObjectStore(const std::filesystem::path& root);

  bool Exists(std::string_view key) override;
  std::string Get(std::string_view key) override;
  void Put(std::string_view key, std::string_view bytes, std::string_view content_type) override;
  std::vector<std::string> List(std::string_view prefix) override;
  void Delete(std::string_view key) override;

  const std::filesystem::path& root() const noexcept { return root_; }

  // True for the names Put gives its temporary files (`<name>.tmp.<16 lowercase hex>`).
  static bool IsTemporaryName(std::string_view file_name);

 private:
  // Validates the key and returns its path under the root.
  std::filesystem::path PathOf(std::string_view key) const;

  std::filesystem::path root_;
};

}  // namespace protifer::storage

// Test double of ObjectStore: objects in a map, same contract as the real stores (byte-ordered
// List, "Not found: <key>" on a missing Get, no-op Delete of a missing key), plus what tests of
// callers need: the stored content type, and a hook to make chosen calls fail.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"

namespace protifer::storage::testing {

class InMemoryObjectStore final : public ObjectStore {
 public:
  // Called before every operation with its name ("Exists", "Get", "Put", "List", "Delete") and
  // its key (the prefix for List); whatever it throws is what the call throws.
  using FaultHook = std::function<void(std::string_view operation, std::string_view key)>;

  bool Exists(std::string_view key) override;
  std::string Get(std::string_view key) override;
  void Put(std::string_view key, std::string_view bytes, std::string_view content_type) override;
  std::vector<std::string> List(std::string_view prefix) override;
  void Delete(std::string_view key) override;

  void SetFaultHook(FaultHook hook);
  // The content type given to the last Put of `key` (kDefaultContentType when it was empty).
  std::optional<std::string> ContentType(std::string_view key) const;
  std::size_t size() const;

 private:
  struct Object {
    std::string bytes;
    std::string content_type;
  };

  void RunFaultHook(std::string_view operation, std::string_view key) const;

  mutable std::mutex mutex_;
  std::map<std::string, Object, std::less<>> objects_;  // std::string order is byte order
  FaultHook fault_hook_;
};

}  // namespace protifer::storage::testing

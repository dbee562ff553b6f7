#include "storage/testing/in_memory_object_store.h"

#include <utility>

#include "storage/storage_error.h"

namespace protifer::storage::testing {
namespace {

void CheckKey(std::string_view key) {
  if (key.empty()) {
    throw InvalidKeyError(key, "key is empty");
  }
}

}  // namespace

void InMemoryObjectStore::RunFaultHook(std::string_view operation, std::string_view key) const {
  FaultHook hook;
  {
    std::lock_guard lock(mutex_);
    hook = fault_hook_;
  }
  // Outside the lock, so a hook may call back into the store.
  if (hook) {
    hook(operation, key);
  }
}

bool InMemoryObjectStore::Exists(std::string_view key) {
  RunFaultHook("Exists", key);
  CheckKey(key);
  std::lock_guard lock(mutex_);
  return objects_.find(key) != objects_.end();
}

std::string InMemoryObjectStore::Get(std::string_view key) {
  RunFaultHook("Get", key);
  CheckKey(key);
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) {
    throw NotFoundError(std::string(key));
  }
  return it->second.bytes;
}

void InMemoryObjectStore::Put(std::string_view key, std::string_view bytes,
                              std::string_view content_type) {
  RunFaultHook("Put", key);
  CheckKey(key);
  Object object{std::string(bytes),
                std::string(content_type.empty() ? kDefaultContentType : content_type)};
  std::lock_guard lock(mutex_);
  objects_.insert_or_assign(std::string(key), std::move(object));
}

std::vector<std::string> InMemoryObjectStore::List(std::string_view prefix) {
  RunFaultHook("List", prefix);
  std::vector<std::string> keys;
  std::lock_guard lock(mutex_);
  for (auto it = objects_.lower_bound(prefix);
       it != objects_.end() && std::string_view(it->first).substr(0, prefix.size()) == prefix;
       ++it) {
    keys.push_back(it->first);
  }
  return keys;
}

void InMemoryObjectStore::Delete(std::string_view key) {
  RunFaultHook("Delete", key);
  CheckKey(key);
  std::lock_guard lock(mutex_);
  if (const auto it = objects_.find(key); it != objects_.end()) {
    objects_.erase(it);
  }
}

void InMemoryObjectStore::SetFaultHook(FaultHook hook) {
  std::lock_guard lock(mutex_);
  fault_hook_ = std::move(hook);
}

std::optional<std::string> InMemoryObjectStore::ContentType(std::string_view key) const {
  std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) {
    return std::nullopt;
  }
  return it->second.content_type;
}

std::size_t InMemoryObjectStore::size() const {
  std::lock_guard lock(mutex_);
  return objects_.size();
}

}  // namespace protifer::storage::testing

// The size budget of a filesystem object store, as protifer's storage-evict.ts enforces it
// (spec §2.7): the embedding worker runs it when STORAGE_DRIVER=filesystem and
// STORAGE_MAX_BYTES > 0, because nothing else ever deletes objects and a shared STORAGE_PATH
// would otherwise fill its disk. Every object is re-derivable (a missing embedding is computed
// again, a missing prediction makes the poll say "not found"), so eviction loses no data.
//
// One sweep walks the whole root (emb/ and pred/ alike), sums the sizes of the objects and, if
// the total exceeds the budget, deletes objects coldest first until the total is within it:
// oldest access time first, equal access times by key in JavaScript localeCompare order (the
// comparator protifer's sort uses), then by byte order so the sweep stays deterministic where
// localeCompare calls two keys equal.
//
// What counts as an object is what FilesystemObjectStore::List returns: regular files under the
// root, keyed by their POSIX path relative to it. The temporary files of Puts in progress
// (`<target>.tmp.<16 hex>`) are neither counted nor deleted, so a Put is never undercut before
// its rename. Symbolic links are not followed (a link is not an object, and following links
// could loop or count files outside the store). Empty directories are left in place: removing
// one could race with a Put that has just created it and is about to rename into it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stop_token>

namespace protifer::storage {

// What one sweep saw and did, for the worker's log line.
struct EvictionReport {
  std::uint64_t scanned_files = 0;  // objects found (temporary files excluded)
  std::uint64_t scanned_bytes = 0;  // their total size before eviction
  std::uint64_t evicted_files = 0;  // objects this sweep deleted
  std::uint64_t evicted_bytes = 0;  // the size of those objects
  // scanned_bytes less what was deleted, by this sweep or concurrently by someone else.
  std::uint64_t remaining_bytes = 0;
  // A stop was requested: the sweep ended early and the counts cover only what it got to.
  bool stopped = false;
};

// Runs one sweep over `root`. A budget <= 0 disables eviction (nothing is walked, the report is
// all zeros); an absent root, or one that is not a directory, holds no objects. Objects that
// vanish while the sweep runs (concurrent Deletes, another sweeper) are skipped, not errors.
// `stop` is checked between directory entries and between deletions so that shutdown never
// waits for a whole walk of a large store.
//
// Throws StorageError when a directory cannot be read or an object cannot be deleted for any
// reason other than being gone already (permissions, I/O errors): the sweep stops there, the
// objects already deleted stay deleted.
EvictionReport EvictColdestObjects(const std::filesystem::path& root, std::int64_t budget_bytes,
                                   std::stop_token stop = {});

}  // namespace protifer::storage

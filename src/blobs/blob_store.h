// BlobStore: content-addressed files under a root directory, named by the SHA-256 of their bytes:
// <root>/ab/cd/<sha256> (ab, cd = the first two hex pairs), with partial writes in <root>/tmp.
//
// Writing streams through a BlobWriter that hashes (OpenSSL EVP) while it writes a temp file; on
// Commit the file is fsynced and atomically renamed into place and the directory fsynced, so a
// blob is either absent or complete and durable. Equal content is stored once (dedupe). Blobs are
// immutable: there is no update, only Put and Remove.
//
// Reference counting lives outside this store (a `blobs` table owned by storage). The intended GC:
// list blobs whose modification time is older than a grace period (ListOlderThan), delete those
// with no reference row (RemoveIfOlderThan). A dedupe hit on Commit refreshes the blob's
// modification time, so a blob that a writer has just (re)committed is always inside the grace
// period while that writer records its reference. RemoveStaleTemp cleans temp files left by crashed
// processes.
//
// Hashes are accepted only as 64 lower-case hex characters (IsValidSha256), which also keeps
// callers from reaching paths outside the root. I/O errors are kInternal (kUnavailable when the
// disk is full); a missing blob is kNotFound.
//
// Thread-safety: BlobStore is thread-safe and may be shared by many threads and processes (all
// coordination is by atomic file-system operations). A BlobWriter or BlobReader is used by one
// thread at a time. Ownership: writers and readers are independent of the store that made them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace signx::blobs {

// True when `s` is a SHA-256 in canonical form: exactly 64 characters of [0-9a-f].
bool IsValidSha256(std::string_view s);

struct BlobInfo {
  std::string sha256;
  int64_t size_bytes = 0;
  Timestamp modified;  // last commit or dedupe hit; GC grace periods count from here
};

struct PutResult {
  BlobInfo info;
  bool created = false;  // false: identical content was already stored (dedupe)
};

// Streaming writer. Call Write for each chunk, then Commit once. Destroying a writer that was not
// committed (or that failed) removes its temp file.
class BlobWriter {
 public:
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;
  ~BlobWriter();

  // Appends `chunk`. kPayloadTooLarge when the total would exceed the store's max_bytes: the temp
  // file is removed then and the writer is dead (every later call fails with kFailedPrecondition).
  Status Write(std::string_view chunk);

  // Makes the blob durable under its hash and returns it. Only once; the writer is done afterwards.
  Result<PutResult> Commit();

  int64_t bytes_written() const { return bytes_; }

 private:
  friend class BlobStore;
  struct Hasher;
  enum class State { kOpen, kCommitted, kFailed };

  BlobWriter(std::filesystem::path root, std::filesystem::path temp_path, int fd, int64_t max_bytes,
             std::unique_ptr<Hasher> hasher);
  void Abandon();

  const std::filesystem::path root_;
  const std::filesystem::path temp_path_;
  int fd_;
  const int64_t max_bytes_;
  std::unique_ptr<Hasher> hasher_;
  int64_t bytes_ = 0;
  State state_ = State::kOpen;
};

// Streaming reader over one stored blob.
class BlobReader {
 public:
  BlobReader(const BlobReader&) = delete;
  BlobReader& operator=(const BlobReader&) = delete;
  ~BlobReader();

  // Reads up to buffer.size() bytes; returns how many were read, 0 at the end.
  Result<size_t> Read(std::span<char> buffer);

  int64_t size_bytes() const { return size_; }

 private:
  friend class BlobStore;
  BlobReader(int fd, int64_t size) : fd_(fd), size_(size) {}

  int fd_;
  int64_t size_;
};

class BlobStore {
 public:
  // Creates `root` and `root/tmp` if needed. `max_bytes` (> 0, else kInvalidArgument) bounds each
  // blob's size.
  static Result<std::unique_ptr<BlobStore>> Open(std::filesystem::path root, int64_t max_bytes);

  // A writer whose temp file lives in root/tmp.
  Result<std::unique_ptr<BlobWriter>> NewWriter() const;

  // Writes `bytes` as one blob (NewWriter + Write + Commit).
  Result<PutResult> Put(std::string_view bytes) const;

  // kInvalidArgument for a malformed hash, kNotFound when the blob is absent.
  Result<std::unique_ptr<BlobReader>> OpenReader(std::string_view sha256) const;

  // The whole blob in memory; kPayloadTooLarge when it is larger than max_bytes (use OpenReader).
  Result<std::string> Read(std::string_view sha256) const;

  Result<bool> Exists(std::string_view sha256) const;
  Result<BlobInfo> Stat(std::string_view sha256) const;

  // Where the blob lives (or would live), e.g. to hand to sendfile. kInvalidArgument for a
  // malformed hash.
  Result<std::filesystem::path> PathOf(std::string_view sha256) const;

  // Deletes the blob; kNotFound when it is absent. Callers (the GC) must first make sure no
  // reference to it exists.
  Status Remove(std::string_view sha256) const;

  // The GC's delete: removes the blob only if it was last modified before `cutoff`, re-checked
  // just before unlinking so a blob refreshed by a dedupe hit since it was listed survives.
  // Returns whether it was removed; kNotFound when it is absent to begin with.
  Result<bool> RemoveIfOlderThan(std::string_view sha256, Timestamp cutoff) const;

  // Up to `limit` blobs last modified before `cutoff`, in no particular order. Removing them and
  // calling again continues the walk.
  Result<std::vector<BlobInfo>> ListOlderThan(Timestamp cutoff, size_t limit) const;

  // Re-hashes the stored bytes: OK when they match the name, kDataLoss when they do not,
  // kNotFound when the blob is absent.
  Status Verify(std::string_view sha256) const;

  // Deletes temp files in root/tmp last modified before `cutoff` (left by crashed writers);
  // returns how many were removed. Use a cutoff well before any live upload could have started.
  Result<size_t> RemoveStaleTemp(Timestamp cutoff) const;

  const std::filesystem::path& root() const { return root_; }
  int64_t max_bytes() const { return max_bytes_; }

 private:
  BlobStore(std::filesystem::path root, int64_t max_bytes)
      : root_(std::move(root)), max_bytes_(max_bytes) {}

  const std::filesystem::path root_;
  const int64_t max_bytes_;
};

}  // namespace signx::blobs

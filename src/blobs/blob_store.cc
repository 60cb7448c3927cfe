#include "blobs/blob_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "base/strings.h"

namespace signx::blobs {
namespace fs = std::filesystem;

namespace {

constexpr size_t kShaHexLength = 64;
constexpr size_t kReadChunk = 64 * 1024;

Status ErrnoStatus(std::string_view what, const fs::path& path, int err) {
  std::string message =
      std::string(what) + " " + path.string() + ": " + std::generic_category().message(err);
  if (err == ENOSPC || err == EDQUOT) return Unavailable(std::move(message));
  return Internal(std::move(message));
}

Status ErrorCodeStatus(std::string_view what, const fs::path& path, const std::error_code& ec) {
  return ErrnoStatus(what, path, ec.value());
}

Timestamp MTime(const struct stat& st) {
  return FromUnixMicros(static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000 +
                        st.st_mtim.tv_nsec / 1000);
}

// Writes all of `data`, retrying short writes and EINTR; returns 0 or an errno.
int WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// Reads up to `buffer.size()` bytes, retrying EINTR; returns the count or -errno.
ssize_t ReadSome(int fd, std::span<char> buffer) {
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n >= 0 || errno != EINTR) return n < 0 ? -errno : n;
  }
}

Status FsyncDir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("opening directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus("fsync of directory", dir, err);
  return Status::Ok();
}

// Creates `dir` if missing; when it creates it, fsyncs the parent so the entry is durable.
Status MakeDirDurable(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return FsyncDir(dir.parent_path());
  if (errno == EEXIST) return Status::Ok();
  return ErrnoStatus("creating directory", dir, errno);
}

fs::path BlobPath(const fs::path& root, std::string_view sha) {
  return root / std::string(sha.substr(0, 2)) / std::string(sha.substr(2, 2)) / std::string(sha);
}

Status CheckHash(std::string_view sha256) {
  if (!IsValidSha256(sha256)) {
    return InvalidArgument("blob hash must be 64 lower-case hex characters");
  }
  return Status::Ok();
}

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool IsHexPair(std::string_view name) {
  return name.size() == 2 && IsHexDigit(name[0]) && IsHexDigit(name[1]);
}

}  // namespace

// SHA-256 over OpenSSL EVP.
struct BlobWriter::Hasher {
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx{EVP_MD_CTX_new()};

  Status Init() {
    if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
      return Internal("cannot initialise SHA-256");
    }
    return Status::Ok();
  }
  Status Update(std::string_view data) {
    if (EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1) {
      return Internal("SHA-256 update failed");
    }
    return Status::Ok();
  }
  Result<std::string> FinalHex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &len) != 1) {
      return Internal("SHA-256 final failed");
    }
    return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), len));
  }
};

bool IsValidSha256(std::string_view s) {
  if (s.size() != kShaHexLength) return false;
  for (char c : s) {
    if (!IsHexDigit(c)) return false;
  }
  return true;
}

BlobWriter::BlobWriter(fs::path root, fs::path temp_path, int fd, int64_t max_bytes,
                       std::unique_ptr<Hasher> hasher)
    : root_(std::move(root)),
      temp_path_(std::move(temp_path)),
      fd_(fd),
      max_bytes_(max_bytes),
      hasher_(std::move(hasher)) {}

BlobWriter::~BlobWriter() {
  if (state_ != State::kCommitted) Abandon();
}

void BlobWriter::Abandon() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(temp_path_.c_str());
  }
  if (state_ == State::kOpen) state_ = State::kFailed;
}

Status BlobWriter::Write(std::string_view chunk) {
  if (state_ != State::kOpen) return FailedPrecondition("blob writer is already finished");
  if (static_cast<int64_t>(chunk.size()) > max_bytes_ - bytes_) {
    Abandon();
    return Status(ErrorCode::kPayloadTooLarge,
                  "blob is larger than the limit of " + std::to_string(max_bytes_) + " bytes");
  }
  if (int err = WriteAll(fd_, chunk); err != 0) {
    Abandon();
    return ErrnoStatus("writing", temp_path_, err);
  }
  if (Status s = hasher_->Update(chunk); !s.ok()) {
    Abandon();
    return s;
  }
  bytes_ += static_cast<int64_t>(chunk.size());
  return Status::Ok();
}

Result<PutResult> BlobWriter::Commit() {
  if (state_ != State::kOpen) return FailedPrecondition("blob writer is already finished");
  // Any failure below leaves the writer failed; the destructor (or Abandon) removes the temp file.
  Result<std::string> hex = hasher_->FinalHex();
  if (!hex.ok()) {
    Abandon();
    return hex.status();
  }
  const std::string sha = *hex;
  if (::fsync(fd_) != 0) {
    const int err = errno;
    Abandon();
    return ErrnoStatus("fsync of", temp_path_, err);
  }
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(temp_path_.c_str());
    state_ = State::kFailed;
    return ErrnoStatus("closing", temp_path_, err);
  }

  const fs::path final_path = BlobPath(root_, sha);
  PutResult out;
  out.info.sha256 = sha;
  out.info.size_bytes = bytes_;
  struct stat st {};
  // Dedupe: keep the stored copy and refresh its time so the GC grace period protects it while
  // the caller records its reference. If the GC removed it in between (the touch fails), store
  // ours. A same-named file of the wrong size is corrupt: the rename below replaces it.
  if (::stat(final_path.c_str(), &st) == 0 && st.st_size == bytes_ &&
      ::utimensat(AT_FDCWD, final_path.c_str(), nullptr, 0) == 0 &&
      ::stat(final_path.c_str(), &st) == 0) {
    ::unlink(temp_path_.c_str());
    state_ = State::kCommitted;
    out.info.modified = MTime(st);
    out.created = false;
    return out;
  }

  Status s = MakeDirDurable(final_path.parent_path().parent_path());
  if (s.ok()) s = MakeDirDurable(final_path.parent_path());
  if (s.ok() && ::rename(temp_path_.c_str(), final_path.c_str()) != 0) {
    s = ErrnoStatus("renaming into", final_path, errno);
  }
  if (!s.ok()) {
    ::unlink(temp_path_.c_str());
    state_ = State::kFailed;
    return s;
  }
  state_ = State::kCommitted;
  SIGNX_RETURN_IF_ERROR(FsyncDir(final_path.parent_path()));
  if (::stat(final_path.c_str(), &st) != 0) return ErrnoStatus("stat of", final_path, errno);
  out.info.modified = MTime(st);
  out.created = true;
  return out;
}

BlobReader::~BlobReader() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> BlobReader::Read(std::span<char> buffer) {
  const ssize_t n = ReadSome(fd_, buffer);
  if (n < 0) return Internal(std::string("reading blob: ") + std::strerror(static_cast<int>(-n)));
  return static_cast<size_t>(n);
}

Result<std::unique_ptr<BlobStore>> BlobStore::Open(fs::path root, int64_t max_bytes) {
  if (max_bytes <= 0) return InvalidArgument("blob store max_bytes must be positive");
  std::error_code ec;
  fs::create_directories(root / "tmp", ec);
  if (ec) return ErrorCodeStatus("creating blob directory", root / "tmp", ec);
  return std::unique_ptr<BlobStore>(new BlobStore(std::move(root), max_bytes));
}

Result<std::unique_ptr<BlobWriter>> BlobStore::NewWriter() const {
  auto hasher = std::make_unique<BlobWriter::Hasher>();
  SIGNX_RETURN_IF_ERROR(hasher->Init());
  std::string temp = (root_ / "tmp" / "blob-XXXXXX").string();
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("creating temp file in", root_ / "tmp", errno);
  ::fchmod(fd, 0640);
  return std::unique_ptr<BlobWriter>(
      new BlobWriter(root_, fs::path(temp), fd, max_bytes_, std::move(hasher)));
}

Result<PutResult> BlobStore::Put(std::string_view bytes) const {
  SIGNX_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, NewWriter());
  SIGNX_RETURN_IF_ERROR(writer->Write(bytes));
  return writer->Commit();
}

Result<fs::path> BlobStore::PathOf(std::string_view sha256) const {
  SIGNX_RETURN_IF_ERROR(CheckHash(sha256));
  return BlobPath(root_, sha256);
}

Result<std::unique_ptr<BlobReader>> BlobStore::OpenReader(std::string_view sha256) const {
  SIGNX_ASSIGN_OR_RETURN(fs::path path, PathOf(sha256));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("blob " + std::string(sha256) + " does not exist");
    return ErrnoStatus("opening", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus("stat of", path, err);
  }
  return std::unique_ptr<BlobReader>(new BlobReader(fd, static_cast<int64_t>(st.st_size)));
}

Result<std::string> BlobStore::Read(std::string_view sha256) const {
  SIGNX_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, OpenReader(sha256));
  if (reader->size_bytes() > max_bytes_) {
    return Status(ErrorCode::kPayloadTooLarge,
                  "blob is larger than max_bytes; stream it with OpenReader");
  }
  std::string out(static_cast<size_t>(reader->size_bytes()), '\0');
  size_t filled = 0;
  while (filled < out.size()) {
    SIGNX_ASSIGN_OR_RETURN(size_t n, reader->Read(std::span<char>(out).subspan(filled)));
    if (n == 0) break;
    filled += n;
  }
  out.resize(filled);
  return out;
}

Result<BlobInfo> BlobStore::Stat(std::string_view sha256) const {
  SIGNX_ASSIGN_OR_RETURN(fs::path path, PathOf(sha256));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return NotFound("blob " + std::string(sha256) + " does not exist");
    return ErrnoStatus("stat of", path, errno);
  }
  return BlobInfo{std::string(sha256), static_cast<int64_t>(st.st_size), MTime(st)};
}

Result<bool> BlobStore::Exists(std::string_view sha256) const {
  Result<BlobInfo> info = Stat(sha256);
  if (info.ok()) return true;
  if (info.status().code() == ErrorCode::kNotFound) return false;
  return info.status();
}

Status BlobStore::Remove(std::string_view sha256) const {
  SIGNX_ASSIGN_OR_RETURN(fs::path path, PathOf(sha256));
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return NotFound("blob " + std::string(sha256) + " does not exist");
    return ErrnoStatus("removing", path, errno);
  }
  // Empty ab/cd directories are kept: a concurrent writer may be about to rename into them.
  return FsyncDir(path.parent_path());
}

Result<bool> BlobStore::RemoveIfOlderThan(std::string_view sha256, Timestamp cutoff) const {
  SIGNX_ASSIGN_OR_RETURN(BlobInfo info, Stat(sha256));
  if (info.modified >= cutoff) return false;
  Status s = Remove(sha256);
  if (s.code() == ErrorCode::kNotFound) return false;
  SIGNX_RETURN_IF_ERROR(s);
  return true;
}

Status BlobStore::Verify(std::string_view sha256) const {
  SIGNX_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, OpenReader(sha256));
  BlobWriter::Hasher hasher;
  SIGNX_RETURN_IF_ERROR(hasher.Init());
  std::string buffer(kReadChunk, '\0');
  while (true) {
    SIGNX_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer));
    if (n == 0) break;
    SIGNX_RETURN_IF_ERROR(hasher.Update(std::string_view(buffer.data(), n)));
  }
  SIGNX_ASSIGN_OR_RETURN(std::string actual, hasher.FinalHex());
  if (actual != sha256) {
    return Status(ErrorCode::kDataLoss,
                  "blob " + std::string(sha256) + " is corrupt: its content hashes to " + actual);
  }
  return Status::Ok();
}

Result<std::vector<BlobInfo>> BlobStore::ListOlderThan(Timestamp cutoff, size_t limit) const {
  std::vector<BlobInfo> out;
  if (limit == 0) return out;
  std::error_code ec;
  for (fs::directory_iterator top(root_, ec), end; !ec && top != end; top.increment(ec)) {
    const std::string a = top->path().filename().string();
    if (!IsHexPair(a) || !top->is_directory(ec)) continue;
    for (fs::directory_iterator mid(top->path(), ec); !ec && mid != end; mid.increment(ec)) {
      const std::string b = mid->path().filename().string();
      if (!IsHexPair(b) || !mid->is_directory(ec)) continue;
      for (fs::directory_iterator leaf(mid->path(), ec); !ec && leaf != end; leaf.increment(ec)) {
        const std::string name = leaf->path().filename().string();
        if (!IsValidSha256(name) || name.compare(0, 2, a) != 0 || name.compare(2, 2, b) != 0) {
          continue;
        }
        struct stat st {};
        if (::stat(leaf->path().c_str(), &st) != 0) {
          if (errno == ENOENT) continue;  // removed meanwhile
          return ErrnoStatus("stat of", leaf->path(), errno);
        }
        if (!S_ISREG(st.st_mode) || MTime(st) >= cutoff) continue;
        out.push_back(BlobInfo{name, static_cast<int64_t>(st.st_size), MTime(st)});
        if (out.size() >= limit) return out;
      }
      if (ec) return ErrorCodeStatus("listing", mid->path(), ec);
    }
    if (ec) return ErrorCodeStatus("listing", top->path(), ec);
  }
  if (ec) return ErrorCodeStatus("listing", root_, ec);
  return out;
}

Result<size_t> BlobStore::RemoveStaleTemp(Timestamp cutoff) const {
  const fs::path tmp = root_ / "tmp";
  size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(tmp, ec), end; !ec && it != end; it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (MTime(st) >= cutoff) continue;
    if (::unlink(it->path().c_str()) == 0) ++removed;
  }
  if (ec) return ErrorCodeStatus("listing", tmp, ec);
  return removed;
}

}  // namespace signx::blobs

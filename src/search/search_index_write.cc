// SearchIndex (search_index.h), part 2 of 3: writes. Create, Upsert, Delete, DropOrg and Rebuild
// under the org's write mutex: documents as Xapian documents (weighted fields, per-field terms,
// filter terms, the date slot, the stored data), the writable handle with its lock retry, and the
// change log of each commit (SearchIndex::Shard::RecordChange) that lets the next search update
// the org's in-memory copy instead of building it anew.
#include <fmt/format.h>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

#include "search/memory_index.h"
#include "search/search_index.h"
#include "search/search_index_internal.h"

namespace signx::search {
namespace fs = std::filesystem;

using internal::EncodeData;
using internal::FieldPrefix;
using internal::FromXapian;
using internal::IsName;
using internal::MakeTermGenerator;
using internal::ReadStub;
using internal::WriteStub;

namespace {

constexpr Xapian::valueno kDateSlot = 0;
constexpr const char* kIdPrefix = "Q";
constexpr const char* kFilterPrefix = "XF";

std::string FilterTerm(std::string_view key, std::string_view value) {
  return fmt::format("{}{}:{}", kFilterPrefix, key, value);
}

Status CheckDocument(const Document& d, std::size_t i) {
  const std::string where = fmt::format("documents[{}]", i);
  if (d.id.empty() || d.id.size() > 200) {
    return InvalidArgument(where + ".id must be 1..200 bytes");
  }
  for (const Field& f : d.fields) {
    if (!IsName(f.name, 32)) {
      return InvalidArgument(
          fmt::format("{}.fields: name '{}' must match [a-z0-9_]{{1,32}}", where, f.name));
    }
    if (f.weight < 1 || f.weight > 20) {
      return InvalidArgument(fmt::format("{}.fields.{}.weight must be 1..20", where, f.name));
    }
  }
  for (const auto& [k, v] : d.filters) {
    if (!IsName(k, 32)) {
      return InvalidArgument(
          fmt::format("{}.filters: key '{}' must match [a-z0-9_]{{1,32}}", where, k));
    }
    if (v.empty() || v.size() > 200) {
      return InvalidArgument(fmt::format("{}.filters.{} must be 1..200 bytes", where, k));
    }
  }
  return Status::Ok();
}

Xapian::Document BuildDocument(const Document& d) {
  Xapian::Document xd;
  Xapian::TermGenerator tg = MakeTermGenerator();
  tg.set_document(xd);
  for (const Field& f : d.fields) {
    tg.index_text(f.text, static_cast<Xapian::termcount>(f.weight));
    tg.increase_termpos(100);  // no phrase matches across fields
  }
  // Fields other than the body are also indexed under their own prefix (no positions), for the
  // re-ranker's per-field features.
  for (const Field& f : d.fields) {
    if (f.name != "body") tg.index_text_without_positions(f.text, 1, FieldPrefix(f.name));
  }
  xd.add_boolean_term(kIdPrefix + d.id);
  for (const auto& [k, v] : d.filters) xd.add_boolean_term(FilterTerm(k, v));
  if (d.date) xd.add_value(kDateSlot, Xapian::sortable_serialise(static_cast<double>(*d.date)));
  xd.set_data(EncodeData(d));
  return xd;
}

std::uint64_t GenerationNumber(std::string_view gen) {
  std::uint64_t n = 0;
  for (char c : gen.substr(1)) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  return n;
}

// Opens a writable handle, retrying while another process holds the write lock.
Xapian::WritableDatabase OpenWritable(const std::string& path, int flags) {
  for (int attempt = 0;; ++attempt) {
    try {
      return Xapian::WritableDatabase(path, flags | Xapian::DB_BACKEND_GLASS);
    } catch (const Xapian::DatabaseLockError&) {
      if (attempt >= 40) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

// Creates <org>/g1 and the stub when the org has no index yet.
Status EnsureCreated(const std::string& path) {
  auto gen = ReadStub(path);
  if (gen.ok()) return Status::Ok();
  if (gen.status().code() != ErrorCode::kNotFound) return gen.status();
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Internal(fmt::format("search: cannot create {}: {}", path, ec.message()));
  try {
    Xapian::WritableDatabase db =
        OpenWritable((fs::path(path) / "g1").string(), Xapian::DB_CREATE_OR_OPEN);
    db.commit();
    db.close();
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "search: creating " + path);
  }
  return WriteStub(path, "g1");
}

// Runs `fn` on the org's live generation opened for writing, then commits; `fn` returns the
// Xapian docids it added, replaced or deleted, which are recorded with the commit's revision.
template <typename Fn>
Status WithWriter(SearchIndex::Shard& shard, Fn&& fn) {
  SIGNX_ASSIGN_OR_RETURN(std::string gen, ReadStub(shard.path));
  try {
    Xapian::WritableDatabase db =
        OpenWritable((fs::path(shard.path) / gen).string(), Xapian::DB_OPEN);
    std::vector<Xapian::docid> changed = fn(db);
    db.commit();
    shard.RecordChange(gen, db.get_revision(), std::move(changed));
    db.close();
  } catch (const Xapian::Error& e) {
    return FromXapian(e, "search: writing " + shard.path);
  }
  return Status::Ok();
}

}  // namespace

Status SearchIndex::Create(std::string_view org) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  return EnsureCreated(shard->path);
}

Status SearchIndex::Upsert(std::string_view org, std::span<const Document> docs) {
  for (std::size_t i = 0; i < docs.size(); ++i) SIGNX_RETURN_IF_ERROR(CheckDocument(docs[i], i));
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  return WithWriter(*shard, [&](Xapian::WritableDatabase& db) {
    std::vector<Xapian::docid> changed;
    for (const Document& d : docs) {
      changed.push_back(db.replace_document(kIdPrefix + d.id, BuildDocument(d)));
    }
    return changed;
  });
}

Status SearchIndex::Delete(std::string_view org, std::span<const std::string> ids) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  return WithWriter(*shard, [&](Xapian::WritableDatabase& db) {
    std::vector<Xapian::docid> changed;
    for (const std::string& id : ids) {
      const std::string term = kIdPrefix + id;
      for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
        changed.push_back(*p);
      }
      db.delete_document(term);
    }
    return changed;
  });
}

Status SearchIndex::DropOrg(std::string_view org) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  {
    std::lock_guard pool(shard->pool_mu);
    shard->idle.clear();
    shard->generation.clear();
  }
  memory_->Drop(std::string(org));
  std::error_code ec;
  fs::remove_all(shard->path, ec);
  if (ec) return Internal(fmt::format("search: cannot remove {}: {}", shard->path, ec.message()));
  return Status::Ok();
}

Result<std::uint64_t> SearchIndex::Rebuild(std::string_view org, const DocumentStream& next) {
  SIGNX_ASSIGN_OR_RETURN(Shard * shard, GetShard(org));
  std::lock_guard lock(shard->write_mu);
  const std::string& path = shard->path;
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Internal(fmt::format("search: cannot create {}: {}", path, ec.message()));
  // The next generation number: above every g<N> directory present (even a corrupt index's).
  std::uint64_t max_gen = 0;
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() >= 2 && name[0] == 'g' &&
        std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      max_gen = std::max(max_gen, GenerationNumber(name));
    }
  }
  const std::string gen = fmt::format("g{}", max_gen + 1);
  const std::string gen_path = (fs::path(path) / gen).string();
  std::uint64_t count = 0;
  Status failed;
  try {
    Xapian::WritableDatabase db = OpenWritable(gen_path, Xapian::DB_CREATE_OR_OVERWRITE);
    std::size_t i = 0;
    while (true) {
      Result<std::optional<Document>> doc = next();
      if (!doc.ok()) {
        failed = doc.status().WithContext("search: rebuild stream");
        break;
      }
      if (!doc->has_value()) break;
      Status st = CheckDocument(**doc, i++);
      if (!st.ok()) {
        failed = st;
        break;
      }
      db.replace_document(kIdPrefix + (*doc)->id, BuildDocument(**doc));
      ++count;
    }
    if (failed.ok()) db.commit();
    db.close();
  } catch (const Xapian::Error& e) {
    failed = FromXapian(e, "search: rebuilding " + path);
  }
  if (!failed.ok()) {
    fs::remove_all(gen_path, ec);
    return failed;
  }
  SIGNX_RETURN_IF_ERROR(WriteStub(path, gen));
  // Keep the new generation and the one before it (readers may still hold it); drop the rest.
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() < 2 || name[0] != 'g' || !entry.is_directory()) continue;
    const std::uint64_t n = GenerationNumber(name);
    if (n + 1 < max_gen + 1) fs::remove_all(entry.path(), ec);
  }
  return count;
}

}  // namespace signx::search

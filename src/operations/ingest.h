// Ingest: reading a stored batch row by row and applying it to the unified tables.
//
// RowSource streams the rows of a stored batch file (CSV through csv::Reader in 16 KB chunks,
// NDJSON one line at a time, a JSON push `{"rows": [...]}` or `[...]` from memory — pushes are
// bounded by the route's body limit), so memory stays bounded by the longest row whatever the size
// of a CSV or NDJSON file.
//
// RunIngest processes one batch in two streaming passes:
//   1. validate: every row against its entity's rules (types.h) and the references it makes (the
//      item of a stock row, the item of a routing step) — read-only; errors are collected (the
//      first kMaxStoredErrors are stored, all are counted). A file that cannot be read further (a
//      CSV syntax error) rejects the batch; so do row errors unless the batch is partial.
//   2. apply (status validated; progress 50–100 % on PostgreSQL, at the commit on SQLite): one
//      transaction writes every valid row, an audit row
//      (prim_master_audits: entity, before, after, batch) for every change, the batch's final
//      status (normalized) and its outbox event — all or nothing. Rows are keyed by (batch, row),
//      so a replay changes only what is not already so: no stock row is applied twice.
//
// Thread-safety: RunIngest is reentrant; it blocks on the store and the blob file.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "events/outbox.h"
#include "operations/types.h"
#include "storage/store.h"

namespace signx::operations {

// Row errors stored per batch (all are counted in error_count).
inline constexpr int kMaxStoredErrors = 1000;

class RowSource {
 public:
  virtual ~RowSource() = default;
  // The next row into `*row` with its 1-based number: true, or false at the end. A row that
  // cannot be read as a row (NDJSON line that is not an object) comes back with `*unreadable` set
  // to the rule it broke. An error means the rest of the file cannot be read (fatal for the batch).
  virtual Result<bool> Next(RawRow* row, int64_t* number, std::string* unreadable) = 0;
  // Share of the input read, 0..1.
  virtual double progress() const = 0;
};

// Opens the rows of `path` in `format`.
Result<std::unique_ptr<RowSource>> OpenRowSource(Format format, const std::filesystem::path& path);

struct IngestHooks {
  std::function<void(int percent)> progress;  // may be empty
  std::function<bool()> cancelled;            // may be empty
};

struct IngestOutcome {
  Batch batch;  // as saved (status normalized or rejected)
  // A normalized consumption batch: the items whose demand it recorded (new actuals).
  std::vector<std::string> consumed_items;
  // Items the batch changed (callers drop cached copies).
  std::vector<std::string> updated_items;
};

// Processes `batch` (status received) read from `path`. The caller's event appends go through
// `outbox`. kCancelled when hooks.cancelled() turned true during validation (nothing written).
Result<IngestOutcome> RunIngest(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                                Batch batch, const std::filesystem::path& path,
                                const IngestHooks& hooks);

}  // namespace signx::operations

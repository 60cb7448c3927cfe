// estimating::Repository: quotes.
#include <fmt/format.h>

#include "estimating/repository.h"

namespace signx::estimating {
using storage::Json;
using storage::Row;

namespace {

constexpr const char* kQuoteColumns =
    "id, org_id, project_id, price_list_version, price_list, request, quote, quantity, "
    "total_cost_cents, price_cents, pdf_blob_sha256, pdf_job_id, version, created_by, "
    "created_at, updated_at, price_list_id";

StoredQuote QuoteFromRow(const Row& r) {
  StoredQuote q;
  q.id = r.Text(0);
  q.org_id = r.Text(1);
  q.project_id = r.OptText(2);
  q.price_list_version = r.Text(3);
  q.price_list_json = r.Text(4);
  q.request_json = r.Text(5);
  q.quote_json = r.Text(6);
  q.quantity = r.Int(7);
  q.total_cost_cents = r.Int(8);
  q.price_cents = r.Int(9);
  q.pdf_blob_sha256 = r.OptText(10);
  q.pdf_job_id = r.OptText(11);
  q.version = r.Int(12);
  q.created_by = r.OptText(13);
  q.created_at = r.Time(14);
  q.updated_at = r.Time(15);
  q.price_list_id = r.OptText(16);
  return q;
}

}  // namespace

Status Repository::InsertQuote(const StoredQuote& q) {
  if (q.project_id) SIGNX_RETURN_IF_ERROR(GetProject(*q.project_id).status());
  return txn_
      .Exec(
          "INSERT INTO quotes (id, org_id, project_id, price_list_version, price_list, request, "
          "quote, quantity, total_cost_cents, price_cents, pdf_blob_sha256, pdf_job_id, "
          "version, created_by, created_at, updated_at, price_list_id) VALUES ($1, $2, $3, $4, "
          "$5, $6, $7, $8, $9, $10, NULL, $11, 1, $12, $13, $13, $14)",
          {q.id, scope_.org_id, q.project_id, q.price_list_version, Json{q.price_list_json},
           Json{q.request_json}, Json{q.quote_json}, q.quantity, q.total_cost_cents, q.price_cents,
           q.pdf_job_id, q.created_by, q.created_at, q.price_list_id})
      .status();
}

Result<StoredQuote> Repository::GetQuote(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM quotes WHERE org_id = $1 AND id = $2",
                                          kQuoteColumns),
                              {scope_.org_id, id}));
  if (!row) return NotFound(fmt::format("quote {} does not exist", id));
  return QuoteFromRow(*row);
}

Result<bool> Repository::SetQuotePdf(std::string_view id, std::string_view sha256) {
  SIGNX_ASSIGN_OR_RETURN(int64_t n,
                         txn_.Exec("UPDATE quotes SET pdf_blob_sha256 = $1, updated_at = $2 WHERE "
                                   "org_id = $3 AND id = $4 AND pdf_blob_sha256 IS NULL",
                                   {sha256, clock_.Now(), scope_.org_id, id}));
  return n == 1;
}

Status Repository::SetQuotePdfJob(std::string_view id, std::string_view job_id) {
  return txn_
      .Exec("UPDATE quotes SET pdf_job_id = $1 WHERE org_id = $2 AND id = $3",
            {job_id, scope_.org_id, id})
      .status();
}

}  // namespace signx::estimating

// PersonalDataProvider: how a capability module takes part in a user's personal-data export
// (GET /v1/me/export) and in the deletion of their account (DELETE /v1/me, and removal from their
// last org). Identity knows users, memberships, keys and sessions; what a module stores about a
// user (documents they uploaded, feedback they gave, …) only the module knows, so it registers a
// provider with IdentityService::AddPersonalDataProvider at start-up.
//
//   Export   ExportPersonalData runs inside the export's transaction; its JSON value becomes the
//            export's "modules.<key>" section.
//   Delete   DeletePersonalData runs inside the account deletion's transaction (rows go or stay
//            with it: a refused deletion — e.g. the last org_admin — deletes nothing). What lives
//            outside the database (files, search index entries, caches) cannot roll back, so the
//            provider returns a function that IdentityService runs once the transaction has
//            committed; it must not throw and handles its own failures (log, schedule repair).
//            The transaction may be retried (serialisation failures): only the function returned
//            by the attempt that committed runs.
//
// Thread-safety: providers are registered before serving; their methods may run concurrently.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/store.h"

namespace signx::identity {

class PersonalDataProvider {
 public:
  virtual ~PersonalDataProvider() = default;

  // The key of the module's section in the export, e.g. "documents" ([a-z_]+, unique).
  virtual std::string_view personal_data_key() const = 0;

  // Everything the module stores about `user_id`, in any org (as JSON; metadata and links, not
  // file contents).
  virtual Result<boost::json::value> ExportPersonalData(storage::Txn& txn,
                                                        const std::string& user_id) = 0;

  // Deletes what the module stores about `user_id` in `txn`; the returned function (may be empty)
  // finishes the deletion outside the database after the commit.
  using AfterCommit = std::function<void()>;
  virtual Result<AfterCommit> DeletePersonalData(storage::Txn& txn, const std::string& user_id) = 0;
};

}  // namespace signx::identity

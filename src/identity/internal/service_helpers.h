// Helpers shared by the files that define IdentityService (identity_service.cc,
// identity_api_keys.cc, identity_members.cc, identity_privacy.cc): API key rows and their audit
// digest, name validation, membership reads, the last-admin rule, the key cascade and account
// erasure.
//
// Internal to the identity module. Thread-safety: free functions without shared state; the ones
// taking a storage::Txn run inside the caller's transaction.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "identity/audit.h"
#include "identity/identity_service.h"
#include "storage/store.h"

namespace signx::identity::internal {

inline constexpr std::string_view kApiKeyCols =
    "SELECT id, org_id, name, prefix, scopes, created_by, created_at, expires_at, last_used_at, "
    "revoked_at FROM api_keys ";

// How many keys may stand between a database key and the person (or CLI) behind it.
inline constexpr int kMaxKeyChain = 16;

// kUnauthenticated with `message`.
Status Unauthenticated(std::string_view message);

// The space-separated scopes of an api_keys row, empty parts dropped.
std::vector<std::string> SplitScopes(std::string_view text);

// One row of kApiKeyCols.
ApiKeyInfo ReadApiKey(const storage::Row& r);

// The audited state of a key (no secret material).
std::string ApiKeyDigestJson(const ApiKeyInfo& k);

// kValidationFailed on `field` when `name` is blank or longer than 200 bytes.
Status ValidateName(std::string_view field, std::string_view name);

// `ms` rounded up to whole seconds, at least one.
std::chrono::seconds CeilSeconds(std::chrono::milliseconds ms);

// The user's memberships with org names, oldest first.
Result<std::vector<Membership>> ReadMemberships(storage::Txn& t, const std::string& user_id);

// The audited state of a membership.
std::string MembershipJson(std::string_view user_id, std::string_view org_id,
                           std::string_view role);

// kConflict when `user_id` is the only org_admin of `org_id` (and holds that role there).
Status CheckNotLastAdmin(storage::Txn& t, std::string_view org_id, std::string_view user_id,
                         std::string_view role);

// Brings every unrevoked API key `creator` created (in `org_id` only, when given), and the keys
// those keys created in turn, down to `allowed`; nullopt revokes them all. A key left without a
// scope is revoked. One audit row per changed key ("api_key.update" or "api_key.revoke").
Status CascadeKeys(storage::Txn& t, const std::string& creator,
                   const std::optional<std::string>& org_id,
                   const std::optional<std::vector<std::string>>& allowed, const Actor& actor,
                   const Clock& clock, int depth = 0);

// Erases user `user_id`'s account inside `t` (see DeleteAccount): checks the last-admin rule for
// every remaining membership, revokes sessions and the keys the user created, removes the
// memberships, pseudonymises the users row and writes one "user.delete" audit row per former org
// (org_id NULL when there was none).
Status EraseAccount(storage::Txn& t, const std::string& user_id, const Actor& actor,
                    const Clock& clock);

}  // namespace signx::identity::internal

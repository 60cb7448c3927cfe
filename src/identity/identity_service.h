// IdentityService: orgs, users and memberships, login with rotating refresh tokens, access-token
// and API-key authentication, API key management and the audit log — the storage-backed core of
// identity. Handlers (routes.h), the middleware (auth_middleware.h) and `signx admin` call it.
//
// Tenant scoping: every operation on behalf of a caller takes the http::Principal and scopes its
// queries by principal.org_id; org ids in request bodies are never trusted. Rows of another org
// are reported as kNotFound, exactly like rows that do not exist.
//
// Tokens: an access token is an HS256 JWT (jwt.h) valid for `access_token_ttl`; it carries the
// role, so a role change takes effect at the next refresh. A refresh token is an opaque random
// string ("sxr_<64 hex>") stored as SHA-256, valid for `refresh_token_ttl`, and single-use: each
// refresh marks it used and returns a new one in the same family. Presenting a used (or
// concurrently used) token again revokes the whole family and writes an `auth.refresh_reuse`
// audit row, so a stolen token is useful at most until its first legitimate use.
//
// Every mutation writes its audit row in the same transaction.
//
// Blocking: every method touches the database (and Login/CreateUser run argon2), so call them from
// the blocking pool (http::Execution::kBlocking), a job or the CLI — except AuthenticateBearer and
// AuthenticateApiKey, which answer from a short-lived cache and read one row on a miss (the auth
// middleware runs them on the event loop for inline routes, so a miss is a brief database read
// there). They never write: an API key's last use is noted in memory and written by a background
// thread (RecordApiKeyUses).
// Background: one thread, writing noted API-key uses every api_key_use_write_interval.
// Thread-safety: thread-safe; the Store, RateLimiter and Clock are borrowed and must outlive it.
//
// Defined in identity_service.cc (settings, orgs, users, sessions, bearer auth),
// identity_api_keys.cc, identity_members.cc and identity_privacy.cc; shared helpers in
// internal/service_helpers.h.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/ttl_cache.h"
#include "cache/rate_limiter.h"
#include "http/request.h"
#include "identity/audit.h"
#include "identity/client_address.h"
#include "identity/jwt.h"
#include "identity/password.h"
#include "identity/personal_data.h"
#include "identity/roles.h"
#include "runtime/periodic_task.h"
#include "storage/store.h"

namespace signx::identity {

// An API key configured outside the database (seed 004's API_KEYS; SIGNX_API_KEYS), for the
// simple single-service setup. Compared in constant time; never expires; last use not recorded.
struct StaticApiKey {
  std::string name;                 // shown as the principal's subject ("static:<name>")
  std::string key;                  // the secret as sent in X-API-Key (at least 16 bytes)
  std::string org_id;               // tenant the key acts in
  std::vector<std::string> scopes;  // its permissions
};

// Settings for the module (the lead will map config fields onto these; defaults are safe).
struct IdentitySettings {
  Argon2Params argon2;           // password hashing cost
  std::vector<JwtKey> jwt_keys;  // HS256 keys; empty = one ephemeral random key (dev only)
  std::string jwt_active_kid;    // the kid that signs new tokens (required with jwt_keys)
  JwtOptions jwt;                // issuer, audience, clock-skew leeway
  std::chrono::seconds access_token_ttl{15 * 60};
  std::chrono::seconds refresh_token_ttl{30 * 24 * 3600};
  // Login attempts per client address (every attempt costs one token): 30 per minute.
  cache::Limit login_per_ip{.rate_per_second = 30.0 / 60, .burst = 30};
  // Wrong passwords per (account, client address) before waits start; then each further failure
  // waits login_backoff_base * 2^(n-1), at most login_backoff_max; a success clears it. Nobody
  // can lock an account for its owner: the wait applies to the failing client only.
  int login_free_failures = 3;
  std::chrono::seconds login_backoff_base{1};
  std::chrono::seconds login_backoff_max{15 * 60};
  // Proxies whose X-Forwarded-For is believed (see client_address.h); empty = none, the TCP peer
  // is the client.
  std::vector<IpNetwork> trusted_proxies;
  // Password confirmations of a signed-in user (DELETE /v1/me): 5 per 15 min per user.
  cache::Limit password_confirm_per_user{.rate_per_second = 5.0 / 900, .burst = 5};
  // API key last_used_at is written at most once per this interval per key...
  std::chrono::seconds api_key_touch_interval{60};
  // ...by a background thread that writes the uses noted since its last run this often.
  std::chrono::milliseconds api_key_use_write_interval{5000};
  // How long this process reuses a database API-key lookup (keyed by the key's prefix; the secret
  // is still checked on every request). Revocation through this process takes effect at once;
  // through another replica within this time. 0 = look the key up on every request.
  std::chrono::milliseconds api_key_cache_ttl{2000};
  std::vector<StaticApiKey> static_api_keys;
  // How long an invitation to an org can be accepted.
  std::chrono::seconds invitation_ttl{7 * 24 * 3600};
};

struct Org {
  std::string id;
  std::string name;
  Timestamp created_at;
};

struct User {
  std::string id;
  std::string email;
  Timestamp created_at;
};

struct Membership {
  std::string org_id;
  std::string org_name;
  std::string role;
  Timestamp joined_at{};
};

// One member of an org (GET /v1/orgs/{id}/users).
struct OrgMember {
  std::string user_id;
  std::string email;
  std::string role;
  Timestamp joined_at{};
};

struct MemberPage {
  std::vector<OrgMember> items;  // ordered by user id
  std::string next_cursor;       // "" when there are no more
};

inline constexpr int kDefaultMemberPage = 50;
inline constexpr int kMaxMemberPage = 200;

// What POST /v1/orgs/{id}/users did.
struct AddedMember {
  User user;
  std::string org_id;
  std::string role;
  bool created = false;  // true: a new account; false: an existing user got a membership
};

// An invitation to join an org (POST /v1/orgs/{id}/users). The same whether or not the e-mail
// belongs to an account, so an inviter learns nothing about other orgs' people.
struct Invitation {
  std::string id;  // inv_...
  std::string org_id;
  std::string email;
  std::string role;
  Timestamp created_at{};
  Timestamp expires_at{};
  std::optional<Timestamp> accepted_at;
  std::optional<Timestamp> revoked_at;
};

struct CreatedInvitation {
  Invitation invitation;
  std::string token;  // "sxi_<64 hex>": shown once, to be sent to the invitee; only SHA-256 stored
};

// What accepting an invitation did.
struct AcceptedInvitation {
  std::string user_id;
  std::string org_id;
  std::string role;
  bool account_created = false;  // RegisterWithInvitation made a new account
};

// What RemoveUserFromOrg did.
struct RemovedMember {
  std::string user_id;
  std::string org_id;
  bool account_deleted = false;  // it was the user's last membership
};

// Refresh-token session metadata (never the token or its hash).
struct SessionInfo {
  std::string id;         // rtk_...
  std::string family_id;  // rtf_... (one login)
  std::string org_id;
  Timestamp issued_at{};
  Timestamp expires_at{};
  std::optional<Timestamp> used_at;
  std::optional<Timestamp> revoked_at;
};

// The pseudonym a deleted user's row carries instead of the e-mail:
// "deleted-user-<first 16 hex digits of SHA-256(user id)>". Stable, and not an e-mail address.
std::string DeletedUserPseudonym(std::string_view user_id);

struct TokenPair {
  std::string access_token;
  Timestamp access_expires_at;
  std::string refresh_token;
  Timestamp refresh_expires_at;
  std::string user_id;
  std::string org_id;
  std::string role;
};

struct ApiKeyInfo {
  std::string id;  // key_...
  std::string org_id;
  std::string name;
  std::string prefix;
  std::vector<std::string> scopes;
  std::optional<std::string> created_by;
  Timestamp created_at;
  std::optional<Timestamp> expires_at;
  std::optional<Timestamp> last_used_at;
  std::optional<Timestamp> revoked_at;
};

struct CreatedApiKey {
  ApiKeyInfo info;
  std::string key;  // "sx_<prefix>_<secret>": shown once, not stored
};

// Everything SignX stores about one user (GET /v1/me/export).
struct PersonalData {
  User user;
  Timestamp updated_at{};
  std::vector<Membership> memberships;
  std::vector<ApiKeyInfo> api_keys;     // keys the user created, in any org (metadata only)
  std::vector<SessionInfo> sessions;    // refresh tokens issued to the user
  std::vector<Invitation> invitations;  // to the user's e-mail or accepted by them (no tokens)
  std::vector<AuditEntry> audit;        // rows where the user is the actor, oldest first
  bool audit_truncated = false;         // more than kMaxExportAuditRows rows exist
  Timestamp exported_at{};
  // Each registered PersonalDataProvider's section (key → JSON), in registration order.
  std::vector<std::pair<std::string, boost::json::value>> modules;
};

inline constexpr int kMaxExportAuditRows = 100000;

// What GET /v1/me shows.
struct MeInfo {
  http::Principal principal;
  std::optional<User> user;             // kind == "user"
  std::vector<Membership> memberships;  // kind == "user"
  std::optional<ApiKeyInfo> api_key;    // kind == "api_key" (database keys)
};

struct LoginRequest {
  std::string email;
  std::string password;
  std::optional<std::string> org_id;  // which membership to act in; default the oldest
  std::string client_ip;              // the TCP peer address
  std::string forwarded_for;          // X-Forwarded-For as received ("" if none); believed only
                                      // from settings.trusted_proxies (client_address.h)
  std::string request_id;
};

class IdentityService {
 public:
  // SIGNX_CHECKs that the settings are usable (a bad JWT key ring is a configuration error the
  // caller should have caught with ValidateSettings).
  IdentityService(storage::Store& store, cache::RateLimiter& limiter, IdentitySettings settings,
                  const Clock& clock = SystemClock::Get());
  ~IdentityService();

  // Every problem with `settings`, at once (kValidationFailed with field details), or OK.
  static Status ValidateSettings(const IdentitySettings& settings);

  // --- Bootstrap and administration -------------------------------------------------------

  // A new org. kValidationFailed for an empty or over-long name.
  Result<Org> CreateOrg(std::string_view name, const Actor& actor);

  // A new user with a membership in `org_id` (which must exist: kNotFound). kAlreadyExists when
  // the e-mail is taken; kValidationFailed for a bad e-mail, password or role. No principal
  // checks: for the CLI (operators).
  Result<User> CreateUser(std::string_view org_id, std::string_view email,
                          std::string_view password, std::string_view role, const Actor& actor);

  // Adds an EXISTING user (by e-mail) to `org_id` with `role`: for the CLI, no principal checks.
  // kNotFound when the e-mail is not registered or the org does not exist; kAlreadyExists when
  // already a member. Audited as "membership.create".
  Result<AddedMember> AddMembership(std::string_view org_id, std::string_view email,
                                    std::string_view role, const Actor& actor);

  // --- Org membership (admin:users). `org_id` must be the principal's own org (super_admin: any
  // org); otherwise kNotFound, exactly like an org that does not exist. Only a super_admin may
  // grant, change or remove a super_admin membership (kPermissionDenied). Every change is audited.

  // OK when the principal may administer `org_id` (its own org; any org for super_admin), else
  // kNotFound. Handlers call it before reading a body so another org's id is 404 whatever is sent.
  Status CheckOrgAccess(const http::Principal& principal, std::string_view org_id) const;

  // POST /v1/orgs/{id}/users: invites `email` to `org_id` with `role`. Nobody is added yet and no
  // password is set: the invitee accepts with the returned token (AcceptInvitation when they have
  // an account, RegisterWithInvitation when they do not), so an org admin can never attach
  // someone else's account to its org, nor choose the password of an account another org may
  // later invite. The answer does not depend on whether the e-mail is registered. A new invitation
  // for the same org and e-mail replaces a pending one. kAlreadyExists when the e-mail is already
  // a member of the org (the admin can list its members anyway).
  Result<CreatedInvitation> InviteToOrg(const http::Principal& principal, std::string_view org_id,
                                        std::string_view email, std::string_view role,
                                        std::string_view request_id);

  // POST /v1/invitations/accept: the signed-in user (a user principal, whose e-mail must be the
  // invited one) joins the invitation's org. kNotFound for an unknown, used, revoked or expired
  // token; kPermissionDenied for an API key or another e-mail's invitation; kAlreadyExists when
  // already a member.
  Result<AcceptedInvitation> AcceptInvitation(const http::Principal& principal,
                                              std::string_view token, std::string_view request_id);

  // POST /v1/auth/register (public): creates the account of an invited e-mail that has
  // none, with the invitee's own password, and the membership. kNotFound as above; kConflict when
  // the e-mail already has an account (sign in and use AcceptInvitation); kValidationFailed for a
  // bad password.
  Result<AcceptedInvitation> RegisterWithInvitation(std::string_view token,
                                                    std::string_view password,
                                                    std::string_view request_id);

  // GET /v1/orgs/{id}/users: members ordered by user id, `limit` (1..kMaxMemberPage) at a time
  // after `cursor` (a previous next_cursor). kInvalidArgument for a bad limit or cursor.
  Result<MemberPage> ListOrgMembers(const http::Principal& principal, std::string_view org_id,
                                    int limit, std::string_view cursor);

  // PATCH /v1/orgs/{id}/users/{user_id}: a new role. kNotFound when the user is not a member;
  // kConflict when it would demote the org's last org_admin. Access tokens follow the new role
  // (see AuthenticateBearer); the API keys the member created, and the keys those created, are
  // narrowed to the new role's permissions (revoked when nothing is left), audited per key.
  Result<OrgMember> ChangeMemberRole(const http::Principal& principal, std::string_view org_id,
                                     std::string_view user_id, std::string_view role,
                                     std::string_view request_id);

  // DELETE /v1/orgs/{id}/users/{user_id}: removes the membership, revokes the user's sessions in
  // that org and the API keys they created there (and the keys those keys created, down the
  // chain; RevokeApiKey cascades the same way); a user left with no membership is deleted as
  // by DeleteAccount, in the same transaction. kConflict for the org's last org_admin.
  Result<RemovedMember> RemoveUserFromOrg(const http::Principal& principal, std::string_view org_id,
                                          std::string_view user_id, std::string_view request_id);

  // --- Privacy ---------------------------------------------------------------------------------

  // Adds a module's part of users' personal data (personal_data.h) to the export and to account
  // deletion. Call at start-up, before serving; `provider` must outlive this service.
  void AddPersonalDataProvider(PersonalDataProvider* provider);

  // GET /v1/me/export: the calling user's personal data, with every provider's section;
  // audited ("user.export"). Users only (an API key has no personal data: kPermissionDenied).
  Result<PersonalData> ExportPersonalData(const http::Principal& principal,
                                          std::string_view request_id);

  // DELETE /v1/me: deletes the calling user's account after checking `password` (throttled like
  // login; wrong password: kValidationFailed on "password"). In ONE transaction: revokes every
  // refresh token and every API key the user created, removes all memberships, replaces the
  // e-mail by DeletedUserPseudonym, erases the password hash, disables the row and sets
  // deleted_at; audit rows keep the user id, which now resolves to the pseudonym; every provider
  // deletes its part (personal_data.h; its after-commit work runs once this commits). kConflict
  // when the user is the last org_admin of an org (nothing is changed). Users only.
  Status DeleteAccount(const http::Principal& principal, std::string_view password,
                       std::string_view request_id, std::chrono::seconds* retry_after = nullptr);

  // --- Sessions ------------------------------------------------------------------------------

  // Checks throttles, then the password. The client is ClientAddress(client_ip, forwarded_for,
  // trusted_proxies); throttles: login_per_ip per client, and an exponential backoff per
  // (account, client) after login_free_failures wrong passwords (unknown e-mails count alike, so
  // the answers do not tell registered e-mails apart). kRateLimited (and *retry_after set) when
  // throttled;
  // kUnauthenticated for an unknown e-mail, wrong password or disabled user (one message for all);
  // kPermissionDenied when `org_id` is given and the user is not a member of it.
  Result<TokenPair> Login(const LoginRequest& request, std::chrono::seconds* retry_after = nullptr);

  // Rotates a refresh token (see the header comment). kUnauthenticated when unknown, expired,
  // revoked, reused, or the user lost the membership.
  Result<TokenPair> Refresh(std::string_view refresh_token, std::string_view request_id);

  // Revokes the refresh token's family. kUnauthenticated when the token is unknown.
  Status Logout(std::string_view refresh_token, std::string_view request_id);

  // --- Authentication (used by AuthMiddleware) ----------------------------------------------

  // Verifies an access token, then that its user is still an active member of the token's org,
  // through a cache kept for api_key_cache_ttl (the database only on a miss): deleting, disabling
  // or removing an account, or changing its role, applies within that time on every replica and
  // at once on the one that made the change. Permissions follow the current role.
  // kUnauthenticated when the token is invalid or its user no longer an active member.
  Result<http::Principal> AuthenticateBearer(std::string_view token);

  // Looks up an X-API-Key (static keys first, then the database, through a cache kept for
  // api_key_cache_ttl) and notes its use at most once per api_key_touch_interval. A database key
  // acts with the lesser of its scopes and the current authority of its creator — the member's
  // role, or, for a key created by a key, that key's (recursively): see ChainScopes.
  // kUnauthenticated when unknown, revoked or expired, or when a creator up the chain lost access.
  Result<http::Principal> AuthenticateApiKey(std::string_view key);

  // Writes the API-key uses noted since the last call (api_keys.last_used_at) in one transaction;
  // on failure they stay noted for the next call. The background thread calls it every
  // api_key_use_write_interval, and the destructor once more.
  Status RecordApiKeyUses();

  // --- On behalf of a principal -------------------------------------------------------------

  Result<MeInfo> Me(const http::Principal& principal);

  // A new API key in the principal's org. Scopes must be known permissions the principal itself
  // holds (no escalation); expires_at, when given, must be in the future.
  Result<CreatedApiKey> CreateApiKey(const http::Principal& principal, std::string_view name,
                                     const std::vector<std::string>& scopes,
                                     std::optional<Timestamp> expires_at,
                                     std::string_view request_id);
  // The same for the CLI, in `org_id` (kNotFound if it does not exist); scopes must be known.
  Result<CreatedApiKey> CreateApiKeyInOrg(std::string_view org_id, std::string_view name,
                                          const std::vector<std::string>& scopes,
                                          std::optional<Timestamp> expires_at, const Actor& actor);

  // The principal's org's keys, newest first (revoked ones included, marked).
  Result<std::vector<ApiKeyInfo>> ListApiKeys(const http::Principal& principal);

  // Revokes a key of the principal's org. kNotFound when it does not exist in that org;
  // revoking an already revoked key is OK (no second audit row).
  Status RevokeApiKey(const http::Principal& principal, std::string_view key_id,
                      std::string_view request_id);

  // The principal's org's audit log (see identity::ListAudit).
  Result<AuditPage> ListAuditLog(const http::Principal& principal, int limit,
                                 std::string_view cursor);

  const IdentitySettings& settings() const { return settings_; }
  const Clock& clock() const { return clock_; }

 private:
  Result<TokenPair> IssueTokens(storage::Txn& txn, const std::string& user_id,
                                const std::string& org_id, const std::string& role,
                                const std::string& family_id);
  // AddMembership for a normalised e-mail: nullopt when no live user has that e-mail.
  Result<std::optional<AddedMember>> AddExistingMember(std::string_view org_id,
                                                       const std::string& email,
                                                       std::string_view role, const Actor& actor);
  // Counts a failed login for a (account, client) backoff key and sets its next allowed time.
  Status RecordLoginFailure(const std::string& key);
  Result<CreatedApiKey> InsertApiKey(std::string_view org_id, std::string_view name,
                                     const std::vector<std::string>& scopes,
                                     std::optional<Timestamp> expires_at,
                                     std::optional<std::string> created_by, const Actor& actor);

  storage::Store& store_;
  cache::RateLimiter& limiter_;
  const IdentitySettings settings_;
  const Clock& clock_;
  PasswordHasher hasher_;
  JwtKeyRing ring_;
  std::vector<std::string> static_key_hashes_;  // SHA-256 of settings_.static_api_keys[i].key

  // Database API keys looked up recently, by prefix, and the memberships behind recent access
  // tokens, by "user|org" (see api_key_cache_ttl). Both emptied whenever this process revokes a
  // key, changes a role or removes or deletes an account.
  struct CachedApiKey {
    std::string id, org_id, secret_sha256;
    std::vector<std::string> scopes;  // effective: narrowed by the creators (ChainScopes)
    std::optional<Timestamp> expires_at, last_used_at;
    bool revoked = false;
    bool orphaned = false;  // a creator up the chain lost its access
  };
  struct CachedMembership {
    std::optional<std::string> role;  // empty: not an active member
  };
  // `scopes` narrowed by the current authority of everyone up the chain that created the key
  // (`created_by`: a user's role in `org_id`, a key's scopes and its own creator, a static key's
  // scopes; NULL = the CLI, no limit). nullopt when a creator no longer has access (not a member,
  // disabled, revoked or expired key, unknown static key) or the chain is too long.
  Result<std::optional<std::vector<std::string>>> ChainScopes(
      const std::string& org_id, std::vector<std::string> scopes,
      std::optional<std::string> created_by);
  void ForgetCachedCredentials();
  // EraseAccount plus every provider's DeletePersonalData in `t`; their after-commit work is
  // appended to `after` (cleared first, as a retried transaction calls this again).
  Status EraseAccountAndPersonalData(storage::Txn& t, const std::string& user_id,
                                     const Actor& actor,
                                     std::vector<PersonalDataProvider::AfterCommit>& after);
  std::vector<PersonalDataProvider*> personal_data_;
  TtlCache<CachedApiKey> api_key_cache_;
  TtlCache<CachedMembership> membership_cache_;

  std::mutex key_uses_mu_;
  std::unordered_map<std::string, Timestamp> key_uses_;  // key id → last use not yet written
  runtime::PeriodicTask key_use_writer_;                 // last member: stops first
};

// Lower-cases and trims an e-mail address; kValidationFailed (field "email") unless it looks like
// local@domain with at most 254 bytes.
Result<std::string> NormalizeEmail(std::string_view email);

}  // namespace signx::identity

// The SQL of notifications (the only file that writes it): preferences, templates, notifications,
// deliveries and the fan-out cursor (migration 0018_notifications). Every statement that acts for
// a caller filters by org_id (and user_id for the inbox and preferences).
// Thread-safety: free functions over a Txn (which belongs to one thread).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/page.h"
#include "base/status.h"
#include "notifications/notification.h"
#include "notifications/service.h"
#include "storage/store.h"

namespace signx::notifications::store {

using storage::Txn;

Result<std::optional<Preferences>> GetPreferences(Txn& txn, std::string_view org_id,
                                                  std::string_view user_id);
// Preferences of every user of `org_id` (fan-out).
Result<std::vector<Preferences>> OrgPreferences(Txn& txn, std::string_view org_id);
// Members of `org_id` who have never saved preferences (they get DefaultRules()), by user id.
Result<std::vector<std::string>> MembersWithoutPreferences(Txn& txn, std::string_view org_id);
// Preferences with the digest on, every org.
Result<std::vector<Preferences>> DigestPreferences(Txn& txn);
Status UpsertPreferences(Txn& txn, const Preferences& p);
Status SetLastDigest(Txn& txn, std::string_view org_id, std::string_view user_id, Timestamp at);

Status InsertTemplate(Txn& txn, const Template& t);
Result<Page<Template>> ListTemplates(Txn& txn, std::string_view org_id, int limit,
                                     std::string_view cursor);
Result<std::vector<Template>> OrgTemplates(Txn& txn, std::string_view org_id);
Result<std::optional<Template>> GetTemplate(Txn& txn, std::string_view org_id, std::string_view id);
Status UpdateTemplate(Txn& txn, const Template& t);
Result<int64_t> DeleteTemplate(Txn& txn, std::string_view org_id, std::string_view id);

// False when (org, user, event) already has a notification.
Result<bool> InsertNotification(Txn& txn, const Notification& n);
Result<Page<Notification>> Inbox(Txn& txn, std::string_view org_id, std::string_view user_id,
                                 bool unread_only, int limit, std::string_view cursor);
Result<std::optional<Notification>> GetNotification(Txn& txn, std::string_view org_id,
                                                    std::string_view user_id, std::string_view id);
Status SetRead(Txn& txn, std::string_view id, std::optional<Timestamp> read_at);
Result<int64_t> MarkAllRead(Txn& txn, std::string_view org_id, std::string_view user_id,
                            Timestamp at);
Result<int64_t> UnreadCount(Txn& txn, std::string_view org_id, std::string_view user_id);

Status InsertDelivery(Txn& txn, const Delivery& d);
Status SetDeliveryJob(Txn& txn, std::string_view id, std::string_view job_id);
// Any org (the job knows only the id).
Result<std::optional<Delivery>> GetDelivery(Txn& txn, std::string_view id);
Result<std::optional<Delivery>> GetOrgDelivery(Txn& txn, std::string_view org_id,
                                               std::string_view id);
Result<Page<Delivery>> ListDeliveries(Txn& txn, std::string_view org_id,
                                      const std::optional<std::string>& state, int limit,
                                      std::string_view cursor);
// Records one attempt's outcome.
Status RecordAttempt(Txn& txn, std::string_view id, std::string_view state,
                     std::optional<std::string> error, Timestamp now, bool completed);
Status InsertAttempt(Txn& txn, const Delivery& d, const Attempt& a);
Result<std::vector<Attempt>> Attempts(Txn& txn, std::string_view delivery_id);
// Back to pending with `max_attempts` more attempts (RetryDead).
Status Reopen(Txn& txn, std::string_view id, int max_attempts, Timestamp now);
// The user's email deliveries parked for the digest, oldest first (at most `limit`).
Result<std::vector<Delivery>> ParkedForDigest(Txn& txn, std::string_view org_id,
                                              std::string_view user_id, int limit);
Status MarkDigested(Txn& txn, std::string_view id, std::string_view digest_id, Timestamp now);

Result<std::optional<int64_t>> GetCursor(Txn& txn, std::string_view name);
Status SetCursor(Txn& txn, std::string_view name, int64_t position);

}  // namespace signx::notifications::store

// SmtpClient: sends one Message (message.h) over SMTP with libcurl — the one e-mail sender of
// SignX (notifications, studio's projects.email.send, documents).
//
//   mail::SmtpClient client(*mail::SettingsFrom(config.smtp));
//   mail::Message m{.to = {"ann@example.com"}, .subject = "Quote Q-1001", .text = "...",
//                   .html = "<p>...</p>",
//                   .attachments = {{"quote.pdf", "application/pdf", pdf_bytes}}};
//   Result<mail::SendReceipt> r = client.Send(m);
//
// Transport: smtp://host[:port] (default 25; STARTTLS when the server offers it) or
// smtps://host[:port] (default 465; implicit TLS); the certificate and host name are verified
// unless settings.verify_tls is off. AUTH when a username is set. The message is built with
// curl_mime (see message.h for its MIME shape); Date, Message-ID (<ulid@sender domain>) and
// MIME-Version are added.
//
// Address policy (SSRF, the same rule as webhooks; http/address_policy.h): the SMTP host is
// resolved once, every address is checked against settings.address_policy (public addresses
// only plus the operator's smtp.allow_private_cidrs), the connection is pinned to exactly those
// addresses (CURLOPT_RESOLVE) and every socket curl opens is checked again before connecting. A
// host with any refused address is refused as a whole (kPermissionDenied) before a byte is sent.
//
// Errors (what a caller retries):
//   kFailedPrecondition  e-mail is off (smtp.url empty) — permanent until configured
//   kValidationFailed    the message is invalid (ValidateMessage) — permanent
//   kPayloadTooLarge     the encoded message is larger than settings.max_message_bytes — permanent
//   kPermissionDenied    the address policy refused the host, or AUTH was refused — permanent
//   kInvalidArgument     the server refused the message or a recipient with a 5xx reply — permanent
//   kUnavailable         DNS/connect/TLS failures, a 4xx reply (try later) — retry
//   kDeadlineExceeded    settings.timeout passed — retry
// Each error message names the SMTP reply code when there was one ("smtp 451: ...").
//
// Thread-safety: Send may be called from many threads at once (one curl easy handle per call).
// Blocking: Send does network I/O; call it from a job or the blocking pool.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "http/address_policy.h"
#include "mail/message.h"

namespace signx::mail {

struct SmtpSettings {
  std::string url;       // smtp://host[:port] or smtps://host[:port]; empty = e-mail off
  std::string username;  // empty = no AUTH
  std::string password;
  std::string from;  // default sender mailbox
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{60000};
  bool verify_tls = true;
  std::string ca_file;  // extra CA bundle (PEM); empty = the system store
  // Public addresses only unless allowed (smtp.allow_private_cidrs).
  http::AddressPolicy address_policy{.enforce = true};
  std::size_t max_message_bytes = 25u << 20;
};

// The settings of config.smtp. kInvalidArgument for a bad allow_private_cidrs entry or URL
// (config::Validate reports those at start already).
Result<SmtpSettings> SettingsFrom(const config::SmtpConfig& config);

struct SendReceipt {
  std::string message_id;               // the Message-ID header without <>
  std::vector<std::string> recipients;  // envelope recipients (addresses), to + cc + bcc
  std::size_t bytes = 0;                // bytes of the encoded message sent
  int smtp_code = 0;                    // the server's last reply code (250)
  std::chrono::milliseconds duration{0};
};

class SmtpClient {
 public:
  explicit SmtpClient(SmtpSettings settings);

  // True when a URL is configured.
  bool enabled() const { return !settings_.url.empty(); }
  const SmtpSettings& settings() const { return settings_; }

  // Sends `message` (see the header comment for the errors).
  Result<SendReceipt> Send(const Message& message) const;

 private:
  SmtpSettings settings_;
};

}  // namespace signx::mail

// An e-mail message as SignX sends it (smtp_client.h): plain text, an optional HTML alternative
// and attachments (a quote PDF, a report), plus the pure rules around it — address syntax,
// header-safe text and the RFC 2047 encoding of non-ASCII header text.
//
// MIME shape of a sent message (built by SmtpClient with libcurl's curl_mime):
//   multipart/mixed
//     multipart/alternative               (when `html` is set; otherwise the text part alone)
//       text/plain; charset=utf-8         quoted-printable, line breaks sent as CRLF
//       text/html; charset=utf-8          quoted-printable, line breaks sent as CRLF
//     <attachment content type>           base64, Content-Disposition: attachment; filename=...
// Attachment names are sent as given, with bytes outside printable ASCII replaced by '_'.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace signx::mail {

inline constexpr std::size_t kMaxRecipients = 100;    // to + cc + bcc
inline constexpr std::size_t kMaxSubjectBytes = 998;  // one RFC 5322 line
inline constexpr std::size_t kMaxAttachments = 20;
inline constexpr std::size_t kMaxAddressBytes = 254;  // RFC 5321 path limit
inline constexpr std::size_t kMaxFilenameBytes = 200;

struct Attachment {
  std::string filename;      // shown to the recipient ("quote-Q-1001.pdf"); no path, no CR/LF
  std::string content_type;  // "application/pdf"; empty = application/octet-stream
  std::string data;          // the raw bytes (sent base64-encoded)
};

struct Message {
  // Sender ("Name <addr@host>" or "addr@host"); empty = the client's configured sender.
  std::string from;
  std::vector<std::string> to;  // each "addr@host" or "Name <addr@host>"; at least one of to/cc/bcc
  std::vector<std::string> cc;
  std::vector<std::string> bcc;  // envelope only, never in a header
  std::string reply_to;          // optional
  std::string subject;           // UTF-8; encoded (RFC 2047) when not ASCII
  std::string text;              // text/plain body (UTF-8); required
  std::string html;              // optional text/html alternative (UTF-8)
  std::vector<Attachment> attachments;
  // Extra headers ("X-SignX-Notification", "ntf_..."): names of [A-Za-z0-9-] starting with "X-",
  // values one line of printable text.
  std::vector<std::pair<std::string, std::string>> headers;
};

// The address part of a mailbox: "Ann <ann@example.com>" -> "ann@example.com",
// "ann@example.com" -> itself. kInvalidArgument when it is not one mailbox with a plausible
// address (local@domain, printable ASCII without spaces, <>, quotes or CR/LF, at most
// kMaxAddressBytes, a domain with a dot or an address literal).
Result<std::string> MailboxAddress(std::string_view mailbox);

// Field errors for a message (field names: from, to[i], cc[i], bcc[i], reply_to, subject, text,
// attachments[i].filename, attachments[i].content_type, headers[i]): missing recipients or text,
// bad addresses, more than kMaxRecipients recipients or kMaxAttachments attachments, CR/LF in
// header text, an over-long subject. `from` may be empty here (the client fills it in).
std::vector<FieldError> ValidateMessage(const Message& message);

// Header text as it goes on the wire: unchanged when it is printable ASCII, otherwise RFC 2047
// encoded words ("=?UTF-8?B?...?=", each at most 75 characters, split on UTF-8 boundaries).
std::string EncodeHeaderText(std::string_view text);

// A mailbox for a header: the display name (if any) encoded with EncodeHeaderText (quoted when it
// holds specials), then "<address>". Assumes MailboxAddress(mailbox) is ok.
std::string EncodeMailbox(std::string_view mailbox);

}  // namespace signx::mail

#include "mail/smtp_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <ctime>
#include <memory>
#include <mutex>

#include "base/id.h"

namespace signx::mail {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Target {
  bool tls = false;
  std::string host;  // without brackets
  uint16_t port = 0;
  std::string username, password;  // from the URL's userinfo, percent-decoded
  std::string url;                 // scheme://host:port[/path] without userinfo
};

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const std::string hex(s.substr(i + 1, 2));
      char* end = nullptr;
      const long v = std::strtol(hex.c_str(), &end, 16);
      if (end == hex.c_str() + 2) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

Result<Target> ParseSmtpUrl(std::string_view url) {
  Target t;
  std::string_view rest;
  if (url.rfind("smtp://", 0) == 0) {
    rest = url.substr(7);
    t.port = 25;
  } else if (url.rfind("smtps://", 0) == 0) {
    rest = url.substr(8);
    t.tls = true;
    t.port = 465;
  } else {
    return InvalidArgument("smtp.url must start with smtp:// or smtps://");
  }
  if (url.find_first_of(" \t\r\n") != std::string_view::npos) {
    return InvalidArgument("smtp.url must not contain whitespace");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const std::size_t colon = userinfo.find(':');
    t.username = PercentDecode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) t.password = PercentDecode(userinfo.substr(colon + 1));
    authority = authority.substr(at + 1);
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgument("smtp.url: unclosed [ in host");
    t.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return InvalidArgument("smtp.url: bad port");
      port_text = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (t.host.empty()) return InvalidArgument("smtp.url has no host");
  if (!port_text.empty()) {
    int port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) return InvalidArgument("smtp.url: bad port");
      port = port * 10 + (c - '0');
    }
    if (port <= 0 || port > 65535) return InvalidArgument("smtp.url: bad port");
    t.port = static_cast<uint16_t>(port);
  }
  const bool v6 = t.host.find(':') != std::string::npos;
  t.url = fmt::format("{}://{}{}{}:{}{}", t.tls ? "smtps" : "smtp", v6 ? "[" : "", t.host,
                      v6 ? "]" : "", t.port, path);
  return t;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_mime* m) const { curl_mime_free(m); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// The opensocket callback's state: refuses sockets to addresses the policy does not allow.
struct SocketGuard {
  const http::AddressPolicy* policy = nullptr;
  std::string refused;  // the first refused address
};

curl_socket_t OpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* addr) {
  auto* guard = static_cast<SocketGuard*>(clientp);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  const auto* sa = reinterpret_cast<const sockaddr*>(&addr->addr);
  if (!guard->policy->Allows(sa)) {
    if (guard->refused.empty()) guard->refused = http::FormatAddress(sa);
    return CURL_SOCKET_BAD;
  }
  return ::socket(addr->family, addr->socktype, addr->protocol);
}

std::string RfcDate(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{}, {:02d} {} {} {:02d}:{:02d}:{:02d} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string JoinMailboxes(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& m : list) {
    if (!out.empty()) out += ", ";
    out += EncodeMailbox(m);
  }
  return out;
}

// Non-ASCII bytes of an attachment name become '_' (curl writes the name unencoded).
std::string SafeFilename(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = '_';
  }
  return out;
}

// Text with every line break as CRLF (the line ends of a MIME text body).
std::string CrLf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// An upper bound of the encoded size: base64 (4/3 plus CRLF every 76) for attachments,
// quoted-printable (at most 3 bytes per byte) for the bodies, plus headers.
std::size_t EstimateBytes(const Message& m) {
  std::size_t n = 4096 + 3 * (m.text.size() + m.html.size());
  for (const auto& a : m.attachments) {
    const std::size_t b64 = 4 * ((a.data.size() + 2) / 3);
    n += b64 + 2 * (b64 / 76 + 1) + 512;
  }
  return n;
}

}  // namespace

Result<SmtpSettings> SettingsFrom(const config::SmtpConfig& c) {
  SmtpSettings s;
  s.url = c.url;
  s.username = c.username;
  s.password = c.password;
  s.from = c.from;
  s.connect_timeout = std::chrono::milliseconds(c.connect_timeout_ms);
  s.timeout = std::chrono::milliseconds(c.timeout_ms);
  s.verify_tls = c.verify_tls;
  s.max_message_bytes = static_cast<std::size_t>(c.max_message_bytes);
  SIGNX_ASSIGN_OR_RETURN(s.address_policy.allow, http::ParseCidrList(c.allow_private_cidrs));
  s.address_policy.enforce = true;
  if (!s.url.empty()) {
    SIGNX_ASSIGN_OR_RETURN(auto target, ParseSmtpUrl(s.url));
    (void)target;
    if (s.from.empty()) return InvalidArgument("smtp.from is required when smtp.url is set");
    if (auto a = MailboxAddress(s.from); !a.ok()) {
      return InvalidArgument(fmt::format("smtp.from: {}", a.status().message()));
    }
  }
  return s;
}

SmtpClient::SmtpClient(SmtpSettings settings) : settings_(std::move(settings)) { GlobalInit(); }

Result<SendReceipt> SmtpClient::Send(const Message& message) const {
  if (!enabled()) return FailedPrecondition("e-mail is off (smtp.url is not set)");
  Message m = message;
  if (m.from.empty()) m.from = settings_.from;
  if (m.from.empty()) return FailedPrecondition("no sender: set smtp.from");
  if (auto errors = ValidateMessage(m); !errors.empty()) {
    return ValidationFailed(std::move(errors), "the e-mail message is invalid");
  }
  if (EstimateBytes(m) > settings_.max_message_bytes) {
    return Status(ErrorCode::kPayloadTooLarge,
                  fmt::format("the message would be larger than smtp.max_message_bytes ({})",
                              settings_.max_message_bytes));
  }
  SIGNX_ASSIGN_OR_RETURN(Target target, ParseSmtpUrl(settings_.url));

  // Resolve once and check every address; the connection is pinned to these.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(target.port);
  if (int rc = ::getaddrinfo(target.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return Unavailable(fmt::format("resolving SMTP host {}: {}", target.host, gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> res_owner(res, &freeaddrinfo);
  std::string pinned;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    if (!settings_.address_policy.Allows(ai->ai_addr)) {
      return Status(ErrorCode::kPermissionDenied,
                    fmt::format("SMTP host {} resolves to {}, which the address policy refuses "
                                "(add it to smtp.allow_private_cidrs to allow it)",
                                target.host, http::FormatAddress(ai->ai_addr)));
    }
    const std::string a = http::FormatAddress(ai->ai_addr);
    const std::string entry = ai->ai_family == AF_INET6 ? "[" + a + "]" : a;
    if (pinned.find(entry) == std::string::npos) pinned += (pinned.empty() ? "" : ",") + entry;
  }
  if (pinned.empty()) return Unavailable("SMTP host " + target.host + " has no address");

  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return Internal("curl_easy_init failed");
  CURL* c = curl.get();
  char errbuf[CURL_ERROR_SIZE] = {0};
  SocketGuard guard{&settings_.address_policy, {}};

  std::unique_ptr<curl_slist, CurlFree> resolve(curl_slist_append(
      nullptr, fmt::format("{}:{}:{}", target.host, target.port, pinned).c_str()));
  std::unique_ptr<curl_slist, CurlFree> rcpts;
  std::vector<std::string> recipients;
  for (const auto* list : {&m.to, &m.cc, &m.bcc}) {
    for (const auto& r : *list) {
      std::string addr = *MailboxAddress(r);
      rcpts.reset(curl_slist_append(rcpts.release(), ("<" + addr + ">").c_str()));
      recipients.push_back(std::move(addr));
    }
  }
  const std::string from_addr = *MailboxAddress(m.from);
  const std::string domain = from_addr.substr(from_addr.rfind('@') + 1);
  const std::string message_id = NewId("msg") + "@" + domain;

  std::vector<std::string> header_lines = {
      "Date: " + RfcDate(std::time(nullptr)),
      "From: " + EncodeMailbox(m.from),
      "Message-ID: <" + message_id + ">",
      "Subject: " + EncodeHeaderText(m.subject),
  };
  if (!m.to.empty()) header_lines.push_back("To: " + JoinMailboxes(m.to));
  if (!m.cc.empty()) header_lines.push_back("Cc: " + JoinMailboxes(m.cc));
  if (m.to.empty() && m.cc.empty()) header_lines.push_back("To: undisclosed-recipients:;");
  if (!m.reply_to.empty()) header_lines.push_back("Reply-To: " + EncodeMailbox(m.reply_to));
  for (const auto& [name, value] : m.headers) header_lines.push_back(name + ": " + value);
  std::unique_ptr<curl_slist, CurlFree> headers;
  for (const auto& h : header_lines) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  }

  // multipart/mixed { multipart/alternative { text, html } | text, attachments... }
  std::unique_ptr<curl_mime, CurlFree> mime(curl_mime_init(c));
  std::unique_ptr<curl_slist, CurlFree> inline_header(
      curl_slist_append(nullptr, "Content-Disposition: inline"));
  auto add_text = [](curl_mime* into, const std::string& text, const char* type) {
    const std::string body = CrLf(text);
    curl_mimepart* part = curl_mime_addpart(into);
    curl_mime_data(part, body.data(), body.size());  // curl copies the data
    curl_mime_type(part, type);
    curl_mime_encoder(part, "quoted-printable");
  };
  if (m.html.empty()) {
    add_text(mime.get(), m.text, "text/plain; charset=utf-8");
  } else {
    curl_mime* alt = curl_mime_init(c);
    add_text(alt, m.text, "text/plain; charset=utf-8");
    add_text(alt, m.html, "text/html; charset=utf-8");
    curl_mimepart* part = curl_mime_addpart(mime.get());
    curl_mime_subparts(part, alt);  // `mime` owns `alt` from here
    curl_mime_type(part, "multipart/alternative");
    curl_mime_headers(part, inline_header.release(), 1);
  }
  for (const auto& a : m.attachments) {
    curl_mimepart* part = curl_mime_addpart(mime.get());
    curl_mime_data(part, a.data.data(), a.data.size());
    curl_mime_filename(part, SafeFilename(a.filename).c_str());
    curl_mime_type(part,
                   a.content_type.empty() ? "application/octet-stream" : a.content_type.c_str());
    curl_mime_encoder(part, "base64");
  }

  const std::string username = settings_.username.empty() ? target.username : settings_.username;
  const std::string password = settings_.username.empty() ? target.password : settings_.password;
  curl_easy_setopt(c, CURLOPT_URL, target.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &guard);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(settings_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_USE_SSL, target.tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, settings_.verify_tls ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, settings_.verify_tls ? 2L : 0L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());
  }
  const std::string mail_from = "<" + from_addr + ">";
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts.get());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());

  const auto start = std::chrono::steady_clock::now();
  const CURLcode rc = curl_easy_perform(c);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (rc != CURLE_OK) {
    const std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    if (!guard.refused.empty()) {
      return Status(
          ErrorCode::kPermissionDenied,
          fmt::format("SMTP connection to {} refused by the address policy", guard.refused));
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return Status(ErrorCode::kDeadlineExceeded,
                    fmt::format("SMTP exchange with {} timed out: {}", target.host, detail));
    }
    if (rc == CURLE_LOGIN_DENIED) {
      return Status(ErrorCode::kPermissionDenied,
                    fmt::format("smtp {}: authentication refused: {}", code, detail));
    }
    if (code >= 500 && code < 600) {
      return InvalidArgument(
          fmt::format("smtp {}: the server refused the message: {}", code, detail));
    }
    if (code >= 400 && code < 500) {
      return Unavailable(fmt::format("smtp {}: try again later: {}", code, detail));
    }
    return Unavailable(fmt::format("SMTP to {}:{} failed: {}", target.host, target.port, detail));
  }
  curl_off_t uploaded = 0;
  curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &uploaded);
  SendReceipt receipt;
  receipt.message_id = message_id;
  receipt.recipients = std::move(recipients);
  receipt.bytes = static_cast<std::size_t>(uploaded);
  receipt.smtp_code = static_cast<int>(code);
  receipt.duration = took;
  return receipt;
}

}  // namespace signx::mail

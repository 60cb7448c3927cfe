// HttpClient: a small blocking HTTP/1.1 client for outbound calls (webhook deliveries, remote
// model servers, ERP connectors). http:// and https:// (OpenSSL, peer verification against the
// system CA store unless disabled), one connection per request, a deadline for the whole exchange,
// a cap on the response size. Beast/Asio stay inside client.cc. Redirects are never followed (a
// 3xx is returned like any other status).
//
// Address policy (ClientOptions::address_policy, http/address_policy.h): when enforced, the host
// is resolved once, every resolved address is checked, and the connection goes to exactly those
// checked addresses (the resolver result itself; no second lookup, so DNS rebinding between the
// check and the connect is impossible); the connected peer is checked again. A host with any
// address the policy refuses is refused as a whole (kPermissionDenied) before any byte is sent.
//
// Errors: a bad URL → kInvalidArgument; DNS/connect/TLS/read failures → kUnavailable; the deadline
// → kDeadlineExceeded; a response larger than max_response_bytes → kPayloadTooLarge. Any HTTP
// status (including 4xx/5xx) is a successful ClientResponse: the caller decides what it means.
// Thread-safety: Send may be called from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "http/address_policy.h"

namespace signx::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port]/path[?query] or https://…
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};  // connect + send + receive
};

struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  // The first header with this (lower-case) name, or "".
  std::string Header(std::string_view lower_name) const;
};

struct ClientOptions {
  std::size_t max_response_bytes = 8u << 20;
  bool verify_tls = true;    // verify the server certificate and host name for https
  std::string ca_file;       // extra CA bundle (PEM); empty: the system default paths
  std::string user_agent = "signx";
  // Which resolved addresses may be connected to (off by default: operator-configured URLs).
  // Turn it on for user-supplied URLs (webhooks).
  AddressPolicy address_policy;
};

// The parts of an http(s) URL.
struct ParsedUrl {
  bool tls = false;
  std::string host;
  uint16_t port = 0;
  std::string target;  // path + query, at least "/"
};
Result<ParsedUrl> ParseHttpUrl(std::string_view url);

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  Result<ClientResponse> Send(const ClientRequest& request) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signx::http

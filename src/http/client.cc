#include "http/client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <charconv>
#include <mutex>
#include <optional>

namespace signx::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// How the exchange ended, filled by the coroutine.
struct Outcome {
  bool done = false;
  std::string failed_step;  // "" when it succeeded
  beast::error_code ec;
  ClientResponse response;
  std::optional<tcp::endpoint> refused;  // an address the policy refused
};

using Parser = bhttp::response_parser<bhttp::string_body>;

template <typename Stream>
asio::awaitable<void> WriteAndRead(Stream& stream, bhttp::request<bhttp::string_body>& req,
                                   Parser& parser, Outcome& out) {
  auto [wec, wn] = co_await bhttp::async_write(stream, req, kTuple);
  if (wec) {
    out.failed_step = "sending the request";
    out.ec = wec;
    co_return;
  }
  beast::flat_buffer buffer;
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
  if (rec) {
    out.failed_step = "reading the response";
    out.ec = rec;
    co_return;
  }
  auto& msg = parser.get();
  out.response.status = static_cast<int>(msg.result_int());
  for (const auto& field : msg) {
    out.response.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
  }
  out.response.body = std::move(msg.body());
}

Status ToStatus(const Outcome& out, const ParsedUrl& url) {
  const std::string where = url.host + ":" + std::to_string(url.port);
  if (out.ec == beast::error::timeout || out.ec == asio::error::operation_aborted) {
    return Status(ErrorCode::kDeadlineExceeded,
                  "no answer from " + where + " in time (" + out.failed_step + ")");
  }
  if (out.ec == bhttp::error::body_limit || out.ec == bhttp::error::header_limit) {
    return Status(ErrorCode::kPayloadTooLarge, "the response from " + where + " is too large");
  }
  return Unavailable(out.failed_step + " to " + where + " failed: " + out.ec.message());
}

}  // namespace

std::string ClientResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

Result<ParsedUrl> ParseHttpUrl(std::string_view url) {
  ParsedUrl out;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
    out.port = 80;
  } else if (url.starts_with("https://")) {
    rest = url.substr(8);
    out.tls = true;
    out.port = 443;
  } else {
    return InvalidArgument("URL must start with http:// or https://: '" + std::string(url) + "'");
  }
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("URL must not carry credentials (user@host): send them in a header");
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return InvalidArgument("URL has an unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return InvalidArgument("URL has junk after the IPv6 host");
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return InvalidArgument("URL has no host: '" + std::string(url) + "'");
  if (!port.empty()) {
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value == 0 || value > 65535) {
      return InvalidArgument("URL port must be 1..65535: '" + std::string(port) + "'");
    }
    out.port = static_cast<uint16_t>(value);
  }
  if (const size_t hash = target.find('#'); hash != std::string_view::npos) {
    target = target.substr(0, hash);
  }
  out.host = std::string(host);
  out.target = target.empty() || target[0] == '?' ? "/" + std::string(target) : std::string(target);
  return out;
}

struct HttpClient::Impl {
  ClientOptions options;
  // Built on the first https:// request: loading the system's trust store takes ~2 MB of heap,
  // which a server that never sends to an https:// URL does not need. SSL_CTX is safe to share
  // between threads once built.
  std::once_flag tls_once;
  std::optional<ssl::context> tls;

  ssl::context& Tls() {
    std::call_once(tls_once, [this] {
      tls.emplace(ssl::context::tls_client);
      ssl::context& ctx = *tls;
      ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      beast::error_code ec;
      ctx.set_default_verify_paths(ec);
      if (!options.ca_file.empty()) ctx.load_verify_file(options.ca_file, ec);
      ctx.set_verify_mode(options.verify_tls ? ssl::verify_peer : ssl::verify_none);
    });
    return *tls;
  }
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::Send(const ClientRequest& request) const {
  SIGNX_ASSIGN_OR_RETURN(const ParsedUrl url, ParseHttpUrl(request.url));
  const ClientOptions& opt = impl_->options;

  bhttp::request<bhttp::string_body> req;
  const bhttp::verb verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) return InvalidArgument("unknown HTTP method " + request.method);
  req.method(verb);
  req.target(url.target);
  req.version(11);
  const bool default_port = url.port == (url.tls ? 443 : 80);
  req.set(bhttp::field::host, default_port ? url.host : url.host + ":" + std::to_string(url.port));
  req.set(bhttp::field::user_agent, opt.user_agent);
  req.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.prepare_payload();

  Parser parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(opt.max_response_bytes);

  Outcome out;  // outlives the io_context and the coroutine frame it may still hold
  asio::io_context ioc(1);
  const auto deadline = std::chrono::steady_clock::now() + request.timeout;

  auto exchange = [&]() -> asio::awaitable<void> {
    tcp::resolver resolver(ioc);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(url.host, std::to_string(url.port), kTuple);
    if (rec) {
      out.failed_step = "resolving the host";
      out.ec = rec;
      co_return;
    }
    if (opt.address_policy.enforce) {
      for (const auto& entry : endpoints) {
        if (!opt.address_policy.Allows(entry.endpoint().data())) {
          out.refused = entry.endpoint();
          co_return;
        }
      }
    }
    // Connect to the checked addresses only (`endpoints` is the one resolution), then check the
    // peer once more.
    auto peer_refused = [&](const tcp::endpoint& ep) {
      if (!opt.address_policy.enforce || opt.address_policy.Allows(ep.data())) return false;
      out.refused = ep;
      return true;
    };
    if (!url.tls) {
      beast::tcp_stream stream(ioc);
      stream.expires_at(deadline);
      auto [cec, ep] = co_await stream.async_connect(endpoints, kTuple);
      if (cec) {
        out.failed_step = "connecting";
        out.ec = cec;
        co_return;
      }
      if (peer_refused(ep)) co_return;
      stream.expires_at(deadline);
      co_await WriteAndRead(stream, req, parser, out);
      beast::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    } else {
      beast::ssl_stream<beast::tcp_stream> stream(ioc, impl_->Tls());
      // SNI and host-name verification (OpenSSL checks the certificate's names against it).
      SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
      if (opt.verify_tls) SSL_set1_host(stream.native_handle(), url.host.c_str());
      beast::get_lowest_layer(stream).expires_at(deadline);
      auto [cec, ep] = co_await beast::get_lowest_layer(stream).async_connect(endpoints, kTuple);
      if (cec) {
        out.failed_step = "connecting";
        out.ec = cec;
        co_return;
      }
      if (peer_refused(ep)) co_return;
      beast::get_lowest_layer(stream).expires_at(deadline);
      auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kTuple);
      if (hec) {
        out.failed_step = "the TLS handshake";
        out.ec = hec;
        co_return;
      }
      beast::get_lowest_layer(stream).expires_at(deadline);
      co_await WriteAndRead(stream, req, parser, out);
      // No TLS close_notify exchange: the server closes (Connection: close) and waiting for it
      // would only add latency.
    }
  };
  asio::co_spawn(ioc, exchange, [&out](std::exception_ptr e) {
    out.done = true;
    if (e && !out.ec) {
      out.failed_step = "the exchange";
      out.ec = asio::error::fault;
    }
  });
  // The resolver has no deadline of its own: bound the whole run (plus a little slack so the
  // stream timers report first), then abandon whatever is still pending.
  ioc.run_until(deadline + std::chrono::milliseconds(200));
  if (!out.done) {
    ioc.stop();
    out.failed_step = out.failed_step.empty() ? "resolving the host" : out.failed_step;
    out.ec = beast::error::timeout;
  }
  if (out.refused) {
    return Status(ErrorCode::kPermissionDenied,
                  "refused to connect to " + url.host + ": it resolves to " +
                      FormatAddress(out.refused->data()) +
                      ", which is not a public address (loopback, private, link-local or "
                      "reserved) and is not in the allow-list");
  }
  if (out.ec) return ToStatus(out, url);
  return std::move(out.response);
}

}  // namespace signx::http

#include "http/testing/raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "base/strings.h"

namespace signx::http::testing {

RawClient::RawClient(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

void RawClient::Send(const std::string& bytes) {
  std::size_t off = 0;
  while (fd_ >= 0 && off < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

bool RawClient::Fill(int timeout_ms) {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char tmp[65536];
  const ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
  if (n <= 0) return false;
  buf_.append(tmp, static_cast<std::size_t>(n));
  return true;
}

std::optional<RawResponse> RawClient::Read(int timeout_ms, bool head_request) {
  std::size_t header_end;
  while ((header_end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!Fill(timeout_ms)) return std::nullopt;
  }
  RawResponse r;
  const std::string head = buf_.substr(0, header_end);
  const auto lines = Split(head, '\n');
  const auto status_parts = Split(lines[0], ' ');
  if (status_parts.size() < 2) return std::nullopt;
  r.status = static_cast<int>(ParseInt(status_parts[1]).value_or(0));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto colon = lines[i].find(':');
    if (colon == std::string_view::npos) continue;
    r.headers[ToLower(Trim(lines[i].substr(0, colon)))] = std::string(Trim(lines[i].substr(colon + 1)));
  }
  // A response to HEAD announces the length of the body it does not send.
  const std::size_t length =
      head_request ? 0 : static_cast<std::size_t>(ParseInt(r.Header("content-length")).value_or(0));
  const std::size_t body_start = header_end + 4;
  while (buf_.size() < body_start + length) {
    if (!Fill(timeout_ms)) return std::nullopt;
  }
  r.body = buf_.substr(body_start, length);
  buf_.erase(0, body_start + length);
  return r;
}

std::string RawClient::ReadUntilClosed(int timeout_ms) {
  while (Fill(timeout_ms)) {
  }
  std::string out = std::move(buf_);
  buf_.clear();
  return out;
}

bool RawClient::ClosedByPeer(int timeout_ms) {
  if (fd_ < 0) return true;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char tmp[1024];
  return ::recv(fd_, tmp, sizeof tmp, MSG_PEEK) == 0;
}

std::optional<RawResponse> RawClient::Request(const std::string& method, const std::string& target,
                                              const std::string& body,
                                              const std::map<std::string, std::string>& headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  Send(req);
  return Read(10000, method == "HEAD");
}

}  // namespace signx::http::testing

// A deliberately simple blocking HTTP/1.1 client over a POSIX socket, for tests that need exact
// control of the bytes on the wire (pipelining, slow clients, oversized headers). Not for
// production use. Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace signx::http::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

class RawClient {
 public:
  explicit RawClient(uint16_t port);  // connects to 127.0.0.1:port
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  void Send(const std::string& bytes);
  // Reads one response (Content-Length framed; `head`: the answer to a HEAD, so no body);
  // nullopt on EOF/timeout/parse failure.
  std::optional<RawResponse> Read(int timeout_ms = 10000, bool head = false);
  // Everything the server sends until it closes the connection (or the timeout passes).
  std::string ReadUntilClosed(int timeout_ms = 10000);
  // True if the server closed the connection (reads EOF within the timeout).
  bool ClosedByPeer(int timeout_ms = 10000);

  // Convenience: one request with keep-alive, returns its response.
  std::optional<RawResponse> Request(const std::string& method, const std::string& target,
                                     const std::string& body = "",
                                     const std::map<std::string, std::string>& headers = {});

 private:
  bool Fill(int timeout_ms);
  int fd_ = -1;
  std::string buf_;
};

}  // namespace signx::http::testing

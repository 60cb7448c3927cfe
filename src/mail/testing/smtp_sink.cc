#include "mail/testing/smtp_sink.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>

namespace signx::mail::testing {
namespace {

bool SendAll(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one CRLF line (without CRLF) using `buf` as carry-over; nullopt on EOF, error or a 10 s
// silence.
std::optional<std::string> ReadLine(int fd, std::string& buf, const std::atomic<bool>& stop) {
  for (;;) {
    if (const std::size_t eol = buf.find("\r\n"); eol != std::string::npos) {
      std::string line = buf.substr(0, eol);
      buf.erase(0, eol + 2);
      return line;
    }
    pollfd p{fd, POLLIN, 0};
    int waited_ms = 0;
    while (true) {
      const int r = ::poll(&p, 1, 100);
      if (r > 0) break;
      if (r < 0 || stop.load() || (waited_ms += 100) > 10000) return std::nullopt;
    }
    char chunk[8192];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "<a@b>" from "MAIL FROM:<a@b> SIZE=10" -> "a@b".
std::string PathOf(const std::string& line) {
  const std::size_t lt = line.find('<');
  const std::size_t gt = line.find('>', lt == std::string::npos ? 0 : lt);
  if (lt == std::string::npos || gt == std::string::npos) return "";
  return line.substr(lt + 1, gt - lt - 1);
}

}  // namespace

SmtpSink::SmtpSink() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) return;
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    return;
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { Run(); });
}

SmtpSink::~SmtpSink() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string SmtpSink::url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

void SmtpSink::Refuse(int times, int code, Stage stage) {
  std::lock_guard lock(mu_);
  for (int i = 0; i < times; ++i) refusals_.push_back({code, stage});
}

std::vector<ReceivedMail> SmtpSink::messages() const {
  std::lock_guard lock(mu_);
  return received_;
}

bool SmtpSink::WaitFor(std::size_t n) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return received_.size() >= n; });
}

void SmtpSink::Run() {
  while (!stop_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++sessions_;
    Serve(fd);
    ::close(fd);
  }
}

void SmtpSink::Serve(int fd) {
  std::string buf;
  if (!SendAll(fd, "220 sink.test ESMTP signx-test-sink\r\n")) return;
  ReceivedMail current;
  std::optional<Refusal> refusal;  // taken at MAIL for this transaction
  auto refuse_at = [&](Stage stage) -> bool {
    if (refusal && refusal->stage == stage) {
      SendAll(fd, std::to_string(refusal->code) + " scripted refusal\r\n");
      return true;
    }
    return false;
  };
  while (auto line = ReadLine(fd, buf, stop_)) {
    const std::string cmd = Upper(line->substr(0, line->find(' ')));
    if (cmd == "EHLO") {
      SendAll(fd, "250-sink.test\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n");
    } else if (cmd == "HELO") {
      SendAll(fd, "250 sink.test\r\n");
    } else if (cmd == "MAIL") {
      current = {};
      {
        std::lock_guard lock(mu_);
        refusal.reset();
        if (!refusals_.empty()) {
          refusal = refusals_.front();
          refusals_.pop_front();
        }
      }
      if (refuse_at(Stage::kMail)) continue;
      current.mail_from = PathOf(*line);
      SendAll(fd, "250 OK\r\n");
    } else if (cmd == "RCPT") {
      if (refuse_at(Stage::kRcpt)) continue;
      current.rcpt_to.push_back(PathOf(*line));
      SendAll(fd, "250 OK\r\n");
    } else if (cmd == "DATA") {
      SendAll(fd, "354 end with <CRLF>.<CRLF>\r\n");
      std::string data;
      bool complete = false;
      while (auto l = ReadLine(fd, buf, stop_)) {
        if (*l == ".") {
          complete = true;
          break;
        }
        data += (!l->empty() && (*l)[0] == '.') ? l->substr(1) : *l;
        data += "\r\n";
      }
      if (!complete) return;
      if (refuse_at(Stage::kData)) continue;
      current.data = std::move(data);
      {
        std::lock_guard lock(mu_);
        received_.push_back(std::move(current));
      }
      cv_.notify_all();
      current = {};
      SendAll(fd, "250 OK queued\r\n");
    } else if (cmd == "RSET") {
      current = {};
      SendAll(fd, "250 OK\r\n");
    } else if (cmd == "NOOP") {
      SendAll(fd, "250 OK\r\n");
    } else if (cmd == "QUIT") {
      SendAll(fd, "221 bye\r\n");
      return;
    } else {
      SendAll(fd, "502 command not implemented\r\n");
    }
  }
}

}  // namespace signx::mail::testing

// A local SMTP server for tests: plain POSIX sockets on 127.0.0.1 (ephemeral port), one thread,
// one connection at a time. It speaks enough ESMTP for libcurl (EHLO/HELO, MAIL, RCPT, DATA with
// dot-unstuffing, RSET, NOOP, QUIT), records every accepted message, and can be scripted to refuse
// the next messages with a reply code (4xx: try later, 5xx: permanent) at the MAIL, RCPT or DATA
// stage.
// Thread-safety: all methods are thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace signx::mail::testing {

struct ReceivedMail {
  std::string mail_from;             // the envelope sender, without <>
  std::vector<std::string> rcpt_to;  // envelope recipients, without <>
  std::string data;                  // the message as sent (CRLF lines, dot-unstuffed)
};

enum class Stage { kMail, kRcpt, kData };

class SmtpSink {
 public:
  SmtpSink();  // binds and starts; check started()
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  bool started() const { return port_ != 0; }
  int port() const { return port_; }
  std::string url() const;  // smtp://127.0.0.1:<port>

  // The next `times` messages are refused with `code` at `stage`; afterwards accepted.
  void Refuse(int times, int code, Stage stage = Stage::kData);
  std::vector<ReceivedMail> messages() const;
  // Waits up to 10 s until at least `n` messages arrived; returns whether they did.
  bool WaitFor(std::size_t n) const;
  // SMTP sessions served so far (accepted connections).
  int sessions() const { return sessions_.load(); }

 private:
  void Run();
  void Serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> sessions_{0};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<ReceivedMail> received_;  // guarded by mu_
  struct Refusal {
    int code;
    Stage stage;
  };
  std::deque<Refusal> refusals_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace signx::mail::testing

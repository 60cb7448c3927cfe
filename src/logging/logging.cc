#include "logging/logging.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>

#include "base/strings.h"

namespace signx::logging {
namespace {

// Each logger has its own stderr sink (a sink owns its formatter); spdlog's console sinks share
// one process-wide mutex, so lines from the access log and the application never interleave.
std::shared_ptr<spdlog::sinks::stderr_sink_mt> NewStderrSink() {
  return std::make_shared<spdlog::sinks::stderr_sink_mt>();
}

// The HTTP access log: one line per request, so a write(2) per line (what spdlog's console sink
// does: fwrite + fflush) cost a system call and a process-wide lock on every request. Lines are
// appended to a buffer instead and written in whole lines when it holds 64 KiB, every 100 ms, and
// at exit; a crash loses at most the last 100 ms of access lines (the application log is
// unchanged). The writes take spdlog's console mutex, so an access chunk and an application line
// never interleave on stderr, whatever its size or the kind of file stderr is.
class AccessLog {
 public:
  static constexpr std::size_t kFlushBytes = 64 * 1024;
  static constexpr auto kFlushEvery = std::chrono::milliseconds(100);

  // spdlog's console mutex is a function-local static: made here, before this object is
  // complete, so it is destroyed after it (the destructor's last flush still takes it).
  AccessLog()
      : console_(spdlog::details::console_mutex::mutex()),
        flusher_([this](std::stop_token stop) {
          std::mutex m;
          std::condition_variable_any cv;
          std::unique_lock lock(m);
          while (!stop.stop_requested()) {
            cv.wait_for(lock, stop, kFlushEvery, [] { return false; });
            Flush();
          }
        }) {}
  ~AccessLog() {
    flusher_.request_stop();
    flusher_.join();
    Flush();
  }

  void Append(std::string_view line) {
    {
      std::lock_guard lock(mu_);
      pending_.append(line);
      pending_.push_back('\n');
      if (pending_.size() < kFlushBytes) return;
    }
    Flush();
  }

  void Flush() {
    std::lock_guard order(write_mu_);  // chunks reach stderr in the order they were taken
    {
      std::lock_guard lock(mu_);
      if (pending_.empty()) return;
      writing_.swap(pending_);
    }
    std::lock_guard console(console_);
    std::string_view rest = writing_;
    while (!rest.empty()) {
      const ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // stderr closed or broken: drop the access lines, never block serving
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    writing_.clear();
  }

 private:
  std::mutex& console_;  // spdlog's, shared with the application log's stderr sink
  std::mutex mu_;        // pending_
  std::mutex write_mu_;  // writing_ and the order of writes
  std::string pending_;
  std::string writing_;
  std::jthread flusher_;  // last member: started after the buffers exist, stopped first
};

AccessLog& TheAccessLog() {
  static AccessLog log;
  return log;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line;
    line.reserve(128 + msg.payload.size());
    const auto since = msg.time.time_since_epoch();
    const auto secs = std::chrono::floor<std::chrono::seconds>(since);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since - secs);
    const std::time_t t = std::chrono::system_clock::to_time_t(
        std::chrono::system_clock::time_point(std::chrono::duration_cast<
                                              std::chrono::system_clock::duration>(secs)));
    std::tm tm{};
    gmtime_r(&t, &tm);
    fmt::format_to(std::back_inserter(line), R"({{"ts":"{:%Y-%m-%dT%H:%M:%S}.{:06d}Z","level":")",
                   tm, micros.count());
    const auto lvl = spdlog::level::to_string_view(msg.level);
    line.append(lvl.data(), lvl.size());
    line += R"(","logger":)";
    AppendJsonString(line, std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    line += R"(,"thread":)";
    line += std::to_string(msg.thread_id);
    line += R"(,"msg":)";
    AppendJsonString(line, std::string_view(msg.payload.data(), msg.payload.size()));
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

Status InitLogging(const config::LogConfig& config) {
  const auto level = spdlog::level::from_str(config.level);
  if (level == spdlog::level::off && config.level != "off") {
    return InvalidArgument(fmt::format(
        "log.level: unknown level '{}' (use trace, debug, info, warn, error or off)",
        config.level));
  }
  if (config.format != "json" && config.format != "text") {
    return InvalidArgument(
        fmt::format("log.format: unknown format '{}' (use json or text)", config.format));
  }
  auto logger = std::make_shared<spdlog::logger>("signx", NewStderrSink());
  if (config.format == "json") {
    logger->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%fZ %^%-5l%$ %v", spdlog::pattern_time_type::utc));
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  TheAccessLog();  // create now, not on the first request
  return Status::Ok();
}

void LogJsonLine(std::string_view line) { TheAccessLog().Append(line); }

void FlushAccessLog() { TheAccessLog().Flush(); }

}  // namespace signx::logging

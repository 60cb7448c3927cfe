#include "logging/logging.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "base/strings.h"

namespace signx::logging {
namespace {

// Each logger has its own stderr sink (a sink owns its formatter); spdlog's console sinks share
// one process-wide mutex, so lines from the access log and the application never interleave.
std::shared_ptr<spdlog::sinks::stderr_sink_mt> NewStderrSink() {
  return std::make_shared<spdlog::sinks::stderr_sink_mt>();
}

std::shared_ptr<spdlog::logger> AccessLogger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("access", NewStderrSink());
    l->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%v", spdlog::pattern_time_type::utc));
    l->set_level(spdlog::level::info);
    return l;
  }();
  return logger;
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
  AccessLogger();  // create now, not on the first request
  return Status::Ok();
}

void LogJsonLine(std::string_view line) { AccessLogger()->info("{}", line); }

}  // namespace signx::logging

// Process logging on spdlog: one line per event on stderr (stdout stays free for command
// output), either a JSON object
// ({"ts","level","logger","msg","thread"}) or plain text, chosen by config.log.format.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "config/config.h"

namespace signx::logging {

// Sets the default logger's level and format. Returns InvalidArgument naming the field when the
// level or format is unknown. Safe to call more than once (the last call wins).
[[nodiscard]] Status InitLogging(const config::LogConfig& config);

// Writes one already-formatted JSON object as its own line (the HTTP access log), unchanged in
// either format, to the same stderr as the other logs. Lines are buffered and written in whole
// lines at 64 KiB, every 100 ms and at exit (never torn, never interleaved with other log lines).
void LogJsonLine(std::string_view line);
// Writes the buffered access lines now.
void FlushAccessLog();

}  // namespace signx::logging

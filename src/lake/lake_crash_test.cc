// kill -9 of a real process writing the lake (issue 20 §2): every row the writer reported durable
// (stats().rows_durable, i.e. covered by an fdatasync of the spool) before the kill is in the lake
// exactly once after a restart.
//
// LakeCrashTest re-executes this test binary as a child (LakeCrashChild, skipped unless the
// environment names a lake folder) that appends rows as fast as it can with a short fsync
// interval and small segments (so conversions and deletions are under way at the kill), and
// reports its durable count through a pipe. The parent SIGKILLs it at a random point, several
// rounds on the same lake: each round's child first recovers what the previous one left (and can
// be killed while doing so). Finally a writer opened in the parent recovers the last leftovers.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "lake/lake_writer.h"

namespace signx::lake {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDirEnv = "SIGNX_LAKE_CRASH_DIR";
constexpr const char* kRoundEnv = "SIGNX_LAKE_CRASH_ROUND";
constexpr const char* kFdEnv = "SIGNX_LAKE_CRASH_FD";

DatasetSchema CrashSchema() {
  return {"crash_rows",
          {{"ts", ColumnType::kTimestamp},
           {"round", ColumnType::kInt64},
           {"seq", ColumnType::kInt64},
           {"payload", ColumnType::kString}},
          "ts"};
}

std::string Scalar(const Result<duck::Rows>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok() || r->rows.empty() || r->rows[0].empty() || !r->rows[0][0]) return "<none>";
  return *r->rows[0][0];
}

// The child: appends until it is killed.
TEST(LakeCrashChild, AppendsUntilKilled) {
  const char* dir = std::getenv(kDirEnv);
  if (dir == nullptr) GTEST_SKIP() << "run by LakeCrashTest";
  const int64_t round = std::atoll(std::getenv(kRoundEnv));
  const int fd = std::atoi(std::getenv(kFdEnv));
  LakeOptions o;
  o.data_dir = dir;
  o.queue_capacity = 20'000;
  o.flush_rows = 3'000;
  o.flush_interval = std::chrono::milliseconds(300);
  o.sync_interval = std::chrono::milliseconds(20);
  o.sync_rows = 2'000;
  o.duckdb_memory_mb = 32;
  auto w = LakeWriter::Open(o);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Declare(CrashSchema()).ok());
  const std::string payload(200, 'p');
  uint64_t reported = 0;
  for (int64_t seq = 0;; ++seq) {
    const Status st = (*w)->Append(
        "crash_rows", {FromUnixMicros(1'790'000'000'000'000 + round * 100'000'000 + seq), round,
                       seq, payload + std::to_string(seq)});
    ASSERT_TRUE(st.ok()) << st.ToString();  // no row is ever dropped
    if (seq % 256 == 0) {
      if (seq % 8192 == 0) {
        ASSERT_TRUE((*w)->Sync().ok());
      }
      const uint64_t durable = (*w)->stats().rows_durable;
      if (durable > reported) {
        reported = durable;
        const std::string line = fmt::format("{}\n", durable);
        ASSERT_EQ(::write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
      }
    }
  }
}

TEST(LakeCrashTest, EveryRowSyncedBeforeKill9IsInTheLakeOnceAfterRestart) {
  if (std::getenv(kDirEnv) != nullptr) GTEST_SKIP() << "inside a child";
  std::string tmpl = (fs::temp_directory_path() / "signx_lake_crash_XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string dir = tmpl;
  const uint64_t seed = std::random_device{}();
  std::mt19937_64 rng(seed);
  SCOPED_TRACE(fmt::format("seed {}", seed));
  constexpr int kRounds = 5;
  std::vector<uint64_t> acked(kRounds, 0);

  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    // Everything the child needs is built before fork: between fork and exec only async-signal-
    // safe calls.
    const std::string exe = fs::read_symlink("/proc/self/exe").string();
    const std::string filter = "--gtest_filter=LakeCrashChild.AppendsUntilKilled";
    std::vector<std::string> env_strings = {std::string(kDirEnv) + "=" + dir,
                                            std::string(kRoundEnv) + "=" + std::to_string(round),
                                            std::string(kFdEnv) + "=" + std::to_string(fds[1])};
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp,
        argv = {const_cast<char*>(exe.c_str()), const_cast<char*>(filter.c_str()), nullptr};
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::fcntl(fds[1], F_SETFD, 0);  // the write end survives exec
      ::execve(exe.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    // Kill once the child reported at least `kill_after` durable rows (random per round), or a
    // random few reports later.
    const uint64_t kill_after = std::uniform_int_distribution<uint64_t>(500, 40'000)(rng);
    std::string pending;
    bool child_ended = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (acked[round] < kill_after && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) {
        child_ended = true;  // it died on its own: an assertion failed in it
        break;
      }
      pending.append(buf, static_cast<size_t>(n));
      size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        acked[round] = std::max<uint64_t>(acked[round], std::stoull(pending.substr(0, nl)));
        pending.erase(0, nl + 1);
      }
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ::close(fds[0]);
    ASSERT_FALSE(child_ended) << "round " << round << ": the child exited by itself, status "
                              << status;
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "round " << round;
    ASSERT_GE(acked[round], kill_after) << "round " << round << " timed out";
  }

  // A restart: the writer converts what the last child left.
  LakeOptions o;
  o.data_dir = dir;
  auto w = LakeWriter::Open(o);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE((*w)->Flush().ok());
  ASSERT_TRUE((*w)->Declare(CrashSchema()).ok());
  uint64_t total_acked = 0;
  for (int round = 0; round < kRounds; ++round) {
    total_acked += acked[round];
    // Rows 0 .. acked-1 of the round were durable before its kill: all there, each once.
    EXPECT_EQ(Scalar((*w)->Query(
                  fmt::format("SELECT count(*) = {0} AND count(DISTINCT seq) = {0} FROM crash_rows "
                              "WHERE round = {1} AND seq < {0}",
                              acked[round], round))),
              "true")
        << "round " << round << ", " << acked[round] << " rows acknowledged";
  }
  // Nothing twice, synced or not.
  EXPECT_EQ(Scalar((*w)->Query("SELECT count(*) - count(DISTINCT (round, seq)) FROM crash_rows")),
            "0");
  const std::string present = Scalar((*w)->Query("SELECT count(*) FROM crash_rows"));
  std::printf(
      "lake crash test (seed %llu): %d kill -9 rounds, %llu rows acknowledged durable, "
      "%s rows in the lake after restart\n",
      static_cast<unsigned long long>(seed), kRounds, static_cast<unsigned long long>(total_acked),
      present.c_str());
  std::error_code ec;
  if (!HasFailure()) fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace signx::lake

// Crash test: a child process runs a worker pool and a burst of transactional writes (each
// "order" row is committed together with its job); the parent kill -9s it mid-job, twice, then
// checks that every acknowledged write is present, every order has its job, no job is lost, and
// after recovery every job's effect was applied exactly once (effects are keyed by job id).
//
// The child is this test binary re-executed (fork + exec of /proc/self/exe) with
// --gtest_filter=JobsCrashChild.Run and the database URL in the environment, so it shares no
// connection or SQLite lock state with the parent.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "jobs/queue.h"
#include "jobs/worker.h"
#include "storage/testing/test_stores.h"

namespace signx::jobs {
namespace {

using namespace std::chrono_literals;
using storage::Txn;
using storage::testing::Backend;

constexpr const char* kUrlEnv = "SIGNX_JOBS_CRASH_CHILD_URL";
constexpr const char* kAckEnv = "SIGNX_JOBS_CRASH_CHILD_ACKS";
constexpr const char* kRoundEnv = "SIGNX_JOBS_CRASH_CHILD_ROUND";

// The job's effect, idempotent by job id: credit the order once.
Status ApplyEffect(storage::Store& store, JobContext& ctx) {
  const auto payload = boost::json::parse(ctx.payload()).as_object();
  const std::string order(payload.at("order").as_string());
  return store.WithTxn([&](Txn& t) -> Status {
    SIGNX_ASSIGN_OR_RETURN(
        int64_t inserted,
        t.Exec("INSERT INTO effects (job_id, order_id) VALUES ($1, $2) "
               "ON CONFLICT (job_id) DO NOTHING",
               {ctx.id(), order}));
    if (inserted == 0) return Status::Ok();  // already applied by an earlier attempt
    return t.Exec("UPDATE orders SET credited = credited + 1 WHERE id = $1", {order}).status();
  });
}

// Runs only when re-executed by the parent below.
TEST(JobsCrashChild, Run) {
  const char* url = std::getenv(kUrlEnv);
  if (!url) GTEST_SKIP() << "helper process for JobsCrashTest";
  config::DatabaseConfig cfg{.url = url, .pool_size = 8, .busy_timeout_ms = 10000};
  auto store = storage::Store::Open(cfg);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Queue queue(**store, SystemClock::Get(), {.lease = 2s, .backoff_base = 1ms});
  queue.RegisterHandler("crash.effect", [&](JobContext& ctx) -> Status {
    SIGNX_RETURN_IF_ERROR(ApplyEffect(**store, ctx));
    // Linger between the effect and Complete so the kill often lands right here: the case that
    // makes a job run twice.
    std::this_thread::sleep_for(3ms);
    return Status::Ok();
  });
  Worker worker(queue, {.threads = 3, .poll_min = 1ms, .poll_max = 10ms, .heartbeat = 200ms,
                        .maintenance = 100ms});
  worker.Start();
  const int fd = open(std::getenv(kAckEnv), O_WRONLY | O_APPEND | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  const std::string round = std::getenv(kRoundEnv);
  for (int i = 0;; ++i) {  // until killed
    const std::string order = fmt::format("ord_{}_{}", round, i);
    Status st = (*store)->WithTxn([&](Txn& t) -> Status {
      SIGNX_RETURN_IF_ERROR(
          t.Exec("INSERT INTO orders (id, credited) VALUES ($1, 0)", {order}).status());
      return queue
          .Enqueue(t, {.type = "crash.effect",
                       .payload_json = fmt::format(R"({{"order":"{}"}})", order),
                       .dedupe_key = order})
          .status();
    });
    if (st.ok()) {
      const std::string line = order + "\n";
      ASSERT_EQ(write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
    }
  }
}

class JobsCrashTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam(), 4);
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    ASSERT_TRUE(store()
                    .WithTxn([](Txn& t) {
                      return t.ExecScript(
                          "CREATE TABLE orders (id TEXT PRIMARY KEY, credited BIGINT NOT NULL);"
                          "CREATE TABLE effects (job_id TEXT PRIMARY KEY, order_id TEXT NOT NULL)");
                    })
                    .ok());
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("signx_jobs_crash_{}_{}", getpid(), static_cast<int>(GetParam()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  int64_t Count(std::string_view sql) { return store().Query(sql)->rows[0].Int(0); }

  std::vector<std::string> Acks() {
    std::vector<std::string> out;
    std::ifstream in(dir_ / "acks");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(line);
    }
    return out;
  }

  // Starts the child, waits until it has acknowledged `min_acks` more writes and applied some
  // effects, then kill -9s it.
  void RunAndKill(int round, std::size_t min_acks) {
    const std::size_t acks_before = Acks().size();
    const int64_t effects_before = Count("SELECT COUNT(*) FROM effects");
    std::vector<std::string> env_strings = {
        fmt::format("{}={}", kUrlEnv, db_->config().url),
        fmt::format("{}={}", kAckEnv, (dir_ / "acks").string()),
        fmt::format("{}={}", kRoundEnv, round), "SIGNX_LOG_LEVEL=off"};
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string filter = "--gtest_filter=JobsCrashChild.Run";
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
      char* argv[] = {const_cast<char*>("/proc/self/exe"), filter.data(), nullptr};
      execve("/proc/self/exe", argv, envp.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    bool ready = false;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "the child exited early: " << status;
      if (Acks().size() >= acks_before + min_acks &&
          Count("SELECT COUNT(*) FROM effects") >= effects_before + 20) {
        ready = true;
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ASSERT_TRUE(ready) << "the child made no progress";
    WaitForChildSessionsToSettle();
  }

  // PostgreSQL finishes a COMMIT the killed child had already sent, possibly after the kill has
  // returned here: wait until no other session is running a statement or holds an open
  // transaction, so the checks below see every write that will ever commit. (A SQLite write is
  // done by the process itself, so nothing commits after a kill -9.)
  void WaitForChildSessionsToSettle() {
    if (GetParam() != Backend::kPostgres) return;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (Count("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction', "
                 "'idle in transaction (aborted)')") > 0) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the killed child's sessions linger";
      std::this_thread::sleep_for(10ms);
    }
  }

  storage::Store& store() { return db_->store(); }
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
};

TEST_P(JobsCrashTest, KillNineLosesNothingAndAppliesEachEffectOnce) {
  RunAndKill(1, 150);
  RunAndKill(2, 150);  // the second child also recovers or re-runs the first one's leftovers

  // Every acknowledged write is present, with its job (committed in the same transaction).
  const std::vector<std::string> acks = Acks();
  ASSERT_GE(acks.size(), 300u);
  std::set<std::string> orders;
  auto order_rows = store().Query("SELECT id FROM orders");
  ASSERT_TRUE(order_rows.ok());
  for (const auto& r : order_rows->rows) orders.insert(r.Text(0));
  for (const auto& a : acks) ASSERT_TRUE(orders.count(a)) << "acknowledged write lost: " << a;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orders o WHERE NOT EXISTS "
                  "(SELECT 1 FROM jobs j WHERE j.type = 'crash.effect' AND j.dedupe_key = o.id)"),
            0)
      << "an order committed without its job";
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), static_cast<int64_t>(orders.size()));

  // Recover: an hour later every lease of the killed workers has expired.
  FakeClock later(SystemClock::Get().Now() + 1h);
  Queue queue(store(), later, {.lease = 2s});
  queue.RegisterHandler("crash.effect", [&](JobContext& ctx) { return ApplyEffect(store(), ctx); });
  ASSERT_TRUE(queue.RecoverExpiredLeases().ok());
  Worker worker(queue, {.threads = 1});
  for (;;) {
    auto ran = worker.RunOnce();
    ASSERT_TRUE(ran.ok()) << ran.status().ToString();
    if (!*ran) break;
  }

  // No job lost, none applied twice.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE state <> 'succeeded'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM effects"), static_cast<int64_t>(orders.size()));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE credited <> 1"), 0);
  const int64_t rerun = Count("SELECT COUNT(*) FROM jobs WHERE attempts > 1");
  std::printf("crash test (%s): %zu acknowledged writes, %zu orders, %lld jobs ran more than once\n",
              storage::testing::BackendName(GetParam()).c_str(), acks.size(), orders.size(),
              static_cast<long long>(rerun));
}

INSTANTIATE_TEST_SUITE_P(Backends, JobsCrashTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::jobs

#include "cache/testing/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "cache/redis_client.h"

namespace signx::cache::testing {
namespace {

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool OnPath(const char* program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string dirs(path);
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

RedisServer::RedisServer() : port_(FreePort()) {}

RedisServer::~RedisServer() { Stop(); }

bool RedisServer::Available() {
  const char* url = std::getenv("SIGNX_TEST_REDIS_URL");
  return url != nullptr && *url != '\0' && OnPath("redis-server");
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

Status RedisServer::Start() {
  if (pid_ > 0) return Status::Ok();
  if (port_ == 0) return Unavailable("no free port for the test redis-server");
  const std::string port = std::to_string(port_);
  const pid_t pid = ::fork();
  if (pid < 0) return Unavailable("fork failed");
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
    }
    ::execlp("redis-server", "redis-server", "--bind", "127.0.0.1", "--port", port.c_str(),
             "--save", "", "--appendonly", "no", "--logfile", "", "--loglevel", "warning",
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  pid_ = pid;
  Result<RedisOptions> options = ParseRedisUrl(url());
  if (!options.ok()) return options.status();
  options->connect_timeout = std::chrono::milliseconds(200);
  Status last = Unavailable("redis-server did not start");
  for (int i = 0; i < 200; ++i) {  // up to ~10 s on a loaded machine
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Unavailable("redis-server exited at start (port " + port + ")");
    }
    Result<std::shared_ptr<RedisClient>> client = RedisClient::Open(*options);
    if (client.ok()) return Status::Ok();
    last = client.status();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop();
  return last;
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace signx::cache::testing

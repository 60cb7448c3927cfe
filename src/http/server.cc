#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/id.h"
#include "base/strings.h"
#include "http/internal/request_head.h"
#include "http/json.h"
#include "logging/logging.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"

namespace signx::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Per-connection state shared by the session coroutine and its watchdog (both on one strand).
struct Conn {
  explicit Conn(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer timer;
  SteadyTime deadline = SteadyTime::max();  // when the pending socket operation times out
  SteadyTime armed = SteadyTime::max();     // what the watchdog's timer is set to
  bool timed_out = false;
  bool idle = false;    // waiting for the first byte of a new request
  bool closed = false;
  std::string remote;
};

// Sets when the current socket operation must finish; wakes the watchdog only if it is sleeping
// past the new deadline (most requests never touch the timer twice).
void SetDeadline(Conn& c, std::chrono::milliseconds d) {
  c.timed_out = false;
  c.deadline = std::chrono::steady_clock::now() + d;
  if (c.deadline < c.armed) c.timer.cancel();
}

asio::awaitable<void> Watchdog(std::shared_ptr<Conn> c) {
  while (!c->closed) {
    c->armed = c->deadline;
    c->timer.expires_at(c->deadline);
    co_await c->timer.async_wait(kNoThrow);
    if (c->closed) co_return;
    if (c->deadline <= std::chrono::steady_clock::now()) {
      c->timed_out = true;
      c->deadline = SteadyTime::max();
      boost::system::error_code ignored;
      c->socket.cancel(ignored);
    }
  }
}

// The request head Beast parsed, in the plain types internal::BuildRequest takes.
internal::RequestHead PlainHead(const bhttp::request_header<>& h, const std::string& remote) {
  internal::RequestHead head{std::string(h.method_string()), std::string(h.target()), {}, remote};
  for (const auto& f : h) head.headers.emplace_back(f.name_string(), f.value());
  return head;
}

std::string Rfc1123Now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

// The Date header, formatted at most once per second per thread.
const std::string& CachedDate() {
  thread_local std::time_t last = 0;
  thread_local std::string value;
  const std::time_t now = std::time(nullptr);
  if (now != last) {
    last = now;
    value = Rfc1123Now();
  }
  return value;
}

// One request's charge against server.body_memory_budget_bytes, returned when the request is done.
class BodyMemory {
 public:
  explicit BodyMemory(std::atomic<int64_t>& in_use) : in_use_(in_use) {}
  BodyMemory(const BodyMemory&) = delete;
  BodyMemory& operator=(const BodyMemory&) = delete;
  ~BodyMemory() {
    if (charged_ > 0) in_use_.fetch_sub(charged_);
  }
  // Charges `bytes` unless that would take the total past `budget`.
  bool TryCharge(int64_t bytes, int64_t budget) {
    int64_t cur = in_use_.load();
    do {
      if (cur + bytes > budget) return false;
    } while (!in_use_.compare_exchange_weak(cur, cur + bytes));
    charged_ = bytes;
    return true;
  }

 private:
  std::atomic<int64_t>& in_use_;
  int64_t charged_ = 0;
};

}  // namespace

struct Server::Impl {
  Impl(const config::ServerConfig& c, const Router& r, metrics::Registry& m,
       runtime::BlockingPool& p, bool log)
      : cfg(c),
        router(r),
        pool(p),
        access_log(log),
        ioc(c.io_threads > 0 ? c.io_threads
                             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
        acceptor(ioc),
        signals(ioc),
        requests_total(m.AddCounter("http_requests_total", "HTTP requests answered",
                                    {"method", "route", "status"})),
        duration(m.AddHistogram("http_request_duration_seconds",
                                "Time from the request's headers to its response being written",
                                {"route"}, metrics::DefaultLatencyBuckets())),
        in_flight(m.AddGauge("http_requests_in_flight", "Requests being handled now").WithLabels({})),
        open_connections(
            m.AddGauge("http_connections_open", "Open client connections").WithLabels({})),
        rejected(m.AddCounter("http_rejected_total",
                              "Requests or connections refused by a server limit", {"reason"})) {}

  const config::ServerConfig cfg;
  const Router& router;
  runtime::BlockingPool& pool;
  const bool access_log;
  std::vector<std::shared_ptr<Middleware>> middlewares;

  asio::io_context ioc;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  std::vector<std::thread> threads;
  std::atomic<uint16_t> bound_port{0};

  std::atomic<bool> draining{false};
  std::atomic<int> connections{0};
  std::atomic<int64_t> body_memory_in_use{0};  // charged by requests in flight (BodyMemoryCharge)
  // Handlers running on the blocking pool. Their completion posts into `ioc` and releases a timer
  // bound to it, so Wait() lets them finish before the io_context can be destroyed (a handler
  // still running past its deadline at shutdown would otherwise touch freed memory).
  std::mutex pool_tasks_mu;
  std::condition_variable pool_tasks_done;
  int pool_tasks = 0;  // guarded by pool_tasks_mu
  std::mutex conns_mu;
  std::unordered_set<std::shared_ptr<Conn>> conns;  // guarded by conns_mu
  std::unordered_map<std::string, int> conns_per_ip;  // guarded by conns_mu

  metrics::Family<metrics::Counter>& requests_total;
  metrics::Family<metrics::Histogram>& duration;
  metrics::Gauge& in_flight;
  metrics::Gauge& open_connections;
  metrics::Family<metrics::Counter>& rejected;

  // Per-route metric handles, resolved once at Start (routes are fixed by then).
  struct RouteMetrics {
    metrics::Histogram* duration = nullptr;
    std::array<std::atomic<metrics::Counter*>, 500> by_status{};  // index: status - 100
  };
  std::unordered_map<const Route*, std::unique_ptr<RouteMetrics>> route_metrics;

  void Record(const Request& req, const Route* route, int status, double seconds) {
    if (route) {
      RouteMetrics& rm = *route_metrics.at(route);
      rm.duration->Observe(seconds);
      const int idx = std::clamp(status, 100, 599) - 100;
      metrics::Counter* c = rm.by_status[idx].load(std::memory_order_acquire);
      if (!c) {
        c = &requests_total.WithLabels({route->method, route->pattern, std::to_string(status)});
        rm.by_status[idx].store(c, std::memory_order_release);
      }
      c->Inc();
    } else {
      duration.WithLabels({"unmatched"}).Observe(seconds);
      requests_total.WithLabels({req.method.empty() ? "UNKNOWN" : req.method, "unmatched",
                                 std::to_string(status)})
          .Inc();
    }
  }

  Response RunHandler(Request& req, const Route& route) {
    Response resp;
    std::size_t ran = 0;
    try {
      bool short_circuit = false;
      for (; ran < middlewares.size(); ++ran) {
        if (auto r = middlewares[ran]->Before(req, route)) {
          resp = std::move(*r);
          short_circuit = true;
          ++ran;
          break;
        }
      }
      if (!short_circuit) resp = route.handler(req);
    } catch (const std::exception& e) {
      spdlog::error("handler {} {} threw: {} (request_id={})", route.method, route.pattern,
                    e.what(), req.request_id);
      resp = ErrorResponse(Internal("an unexpected error occurred; see the server log"),
                           req.request_id);
    }
    for (std::size_t i = ran; i-- > 0;) middlewares[i]->After(req, resp);
    return resp;
  }

  // Runs the route's handler where it belongs and waits for it up to the request deadline.
  asio::awaitable<Response> Dispatch(std::shared_ptr<Request> req, const Route& route) {
    if (route.meta.execution == Execution::kInline) co_return RunHandler(*req, route);

    struct Pending {
      explicit Pending(asio::any_io_executor ex) : timer(ex) {}
      asio::steady_timer timer;
      std::optional<Response> result;
      bool abandoned = false;
    };
    auto ex = co_await asio::this_coro::executor;
    auto pending = std::make_shared<Pending>(ex);
    pending->timer.expires_at(req->deadline);
    {
      std::lock_guard lock(pool_tasks_mu);
      ++pool_tasks;
    }
    const bool queued = pool.TrySubmit([this, req, &route, pending, ex]() mutable {
      Response r = RunHandler(*req, route);
      asio::post(ex, [pending, r = std::move(r)]() mutable {
        if (pending->abandoned) return;
        pending->result = std::move(r);
        pending->timer.cancel();
      });
      pending.reset();
      ex = {};
      PoolTaskDone();
    });
    if (!queued) {
      PoolTaskDone();
      rejected.WithLabels({"blocking_queue_full"}).Inc();
      co_return ErrorResponse(Status(ErrorCode::kOverloaded,
                                     "the server is at capacity; retry in a moment"),
                              req->request_id);
    }
    co_await pending->timer.async_wait(kNoThrow);
    if (pending->result) co_return std::move(*pending->result);
    pending->abandoned = true;
    co_return ErrorResponse(
        Status(ErrorCode::kDeadlineExceeded,
               fmt::format("the request did not finish within {} ms", cfg.request_deadline_ms)),
        req->request_id);
  }

  void PoolTaskDone() {
    std::lock_guard lock(pool_tasks_mu);
    if (--pool_tasks == 0) pool_tasks_done.notify_all();
  }

  void ApplyCors(const Request& req, Response& resp) {
    if (cfg.cors_origins.empty()) return;
    auto origin = req.Header("Origin");
    if (!origin) return;
    const bool any = std::find(cfg.cors_origins.begin(), cfg.cors_origins.end(), "*") !=
                     cfg.cors_origins.end();
    const bool listed = std::find(cfg.cors_origins.begin(), cfg.cors_origins.end(), *origin) !=
                        cfg.cors_origins.end();
    if (!any && !listed) return;
    resp.headers.Set("Access-Control-Allow-Origin", any ? "*" : std::string(*origin));
    if (!any) resp.headers.Add("Vary", "Origin");
    resp.headers.Set("Access-Control-Expose-Headers",
                     "X-Request-Id, ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, "
                     "RateLimit-Reset");
  }

  // CORS preflight: OPTIONS with Access-Control-Request-Method.
  std::optional<Response> Preflight(const Request& req) {
    if (req.method != "OPTIONS" || cfg.cors_origins.empty() ||
        !req.Header("Access-Control-Request-Method")) {
      return std::nullopt;
    }
    const Match m = router.Find(std::string(*req.Header("Access-Control-Request-Method")), req.path);
    Response resp = Response::NoContent();
    std::vector<std::string> methods = m.allowed_methods;
    if (m.route) methods.push_back(m.route->method);
    methods.push_back("OPTIONS");
    resp.headers.Set("Access-Control-Allow-Methods", Join(methods, ", "));
    resp.headers.Set("Access-Control-Allow-Headers",
                     "Authorization, Content-Type, X-API-Key, X-Request-Id, Idempotency-Key, "
                     "If-Match, traceparent");
    resp.headers.Set("Access-Control-Max-Age", "600");
    return resp;
  }

  // One JSON line per request, written straight to text (the same bytes ToJsonText gives for
  // the equivalent object, without building one on every request).
  void AccessLog(const Request& req, const Response& resp, double seconds, std::size_t bytes_in) {
    if (!access_log) return;
    thread_local std::string line;
    line.clear();
    auto field = [&](std::string_view key, std::string_view value) {
      line += line.empty() ? '{' : ',';
      AppendJsonString(line, key);
      line += ':';
      AppendJsonString(line, value);
    };
    auto number = [&](std::string_view key, auto value) {
      line += ',';
      AppendJsonString(line, key);
      line += ':';
      if constexpr (std::is_floating_point_v<decltype(value)>) {
        AppendJsonNumber(line, value);
      } else {
        fmt::format_to(std::back_inserter(line), "{}", value);
      }
    };
    field("ts", FormatRfc3339(SystemClock::Get().Now()));
    field("level", resp.status >= 500 ? "error" : "info");
    field("msg", "http_request");
    field("request_id", req.request_id);
    field("trace_id", req.trace_id);
    field("span_id", req.span_id);
    field("remote", req.remote_addr);
    field("method", req.method);
    field("path", req.path);
    field("route", req.route.empty() ? std::string_view("unmatched") : req.route);
    number("status", resp.status);
    number("bytes_in", bytes_in);
    number("bytes_out", resp.body.size());
    number("duration_ms", seconds * 1000.0);
    line += '}';
    logging::LogJsonLine(line);
  }

  static bhttp::response<bhttp::string_body> ToBeast(Response&& r, const Request& req,
                                                     unsigned version, bool keep_alive,
                                                     bool head) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::date, CachedDate());
    if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
    if (!req.request_id.empty()) res.set("X-Request-Id", req.request_id);
    for (auto& [k, v] : r.headers.all()) res.insert(k, v);
    res.keep_alive(keep_alive);
    const std::size_t size = r.body.size();
    if (head) {
      res.content_length(size);
    } else {
      res.body() = std::move(r.body);
      res.prepare_payload();
    }
    return res;
  }

  // Writes a canned error response on a connection whose request could not be read fully.
  asio::awaitable<void> WriteError(Conn& c, const Status& st, const std::string& request_id) {
    Request req;
    req.request_id = request_id;
    Response r = ErrorResponse(st, request_id);
    auto res = ToBeast(std::move(r), req, 11, false, false);
    SetDeadline(c, std::chrono::milliseconds(cfg.write_timeout_ms));
    co_await bhttp::async_write(c.socket, res, kNoThrow);
  }

  asio::awaitable<void> Session(std::shared_ptr<Conn> c) {
    beast::flat_buffer buffer;
    for (;;) {
      // Wait for the first byte of the next request under the idle (keep-alive) timeout.
      if (buffer.size() == 0) {
        if (draining) break;
        c->idle = true;
        SetDeadline(*c, std::chrono::milliseconds(cfg.idle_timeout_ms));
        auto [ec, n] = co_await c->socket.async_read_some(buffer.prepare(4096), kNoThrow);
        c->idle = false;
        if (ec) break;  // closed by the client, idle timeout or shutdown
        buffer.commit(n);
      }
      const auto started = std::chrono::steady_clock::now();
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
      // The body limit depends on the route, known only after the headers: Beast would otherwise
      // reject a large Content-Length while parsing the headers.
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      SetDeadline(*c, std::chrono::milliseconds(cfg.read_timeout_ms));
      {
        auto [ec, n] = co_await bhttp::async_read_header(c->socket, buffer, parser, kNoThrow);
        if (ec) {
          if (c->timed_out) {
            rejected.WithLabels({"read_timeout"}).Inc();
            co_await WriteError(*c, Status(ErrorCode::kRequestTimeout,
                                           fmt::format("the request headers did not arrive within {} ms",
                                                       cfg.read_timeout_ms)),
                                NewId("req"));
          } else if (ec == bhttp::error::header_limit) {
            rejected.WithLabels({"header_limit"}).Inc();
            co_await WriteError(*c, Status(ErrorCode::kHeadersTooLarge,
                                           fmt::format("request headers exceed {} bytes",
                                                       cfg.max_header_bytes)),
                                NewId("req"));
          } else if (ec != bhttp::error::end_of_stream && ec != asio::error::eof &&
                     ec != asio::error::connection_reset && ec != asio::error::operation_aborted) {
            co_await WriteError(*c, InvalidArgument("malformed HTTP request: " + ec.message()),
                                NewId("req"));
          }
          break;
        }
      }

      const auto& h = parser.get();
      auto req = std::make_shared<Request>(internal::BuildRequest(
          PlainHead(h, c->remote), started, std::chrono::milliseconds(cfg.request_deadline_ms)));
      const bool head = req->method == "HEAD";
      Match match = internal::FindRoute(router, req->method, internal::RawPath(req->target));
      const Route* route = match.route;
      const int64_t body_limit = internal::BodyLimit(route, cfg.max_body_bytes);
      parser.body_limit(static_cast<std::uint64_t>(body_limit));

      Response resp;
      bool keep_alive = h.keep_alive() && !draining;
      bool read_ok = true;
      const auto content_length = parser.content_length();  // boost::optional
      const auto declared =
          content_length ? std::optional<std::uint64_t>(*content_length) : std::nullopt;
      const bool has_body = (declared && *declared > 0) || parser.chunked();
      const bool json_body = req->Header("Content-Type").has_value() &&
                             req->Header("Content-Type")->find("json") != std::string_view::npos;
      BodyMemory body_memory(body_memory_in_use);
      if (auto too_large = internal::DeclaredBodyTooLarge(declared, body_limit, req->request_id)) {
        rejected.WithLabels({"body_limit"}).Inc();
        resp = std::move(*too_large);
        keep_alive = false;  // the unread body makes the connection unusable
        read_ok = false;
      } else if (has_body &&
                 !body_memory.TryCharge(
                     internal::BodyMemoryCharge(declared ? static_cast<int64_t>(*declared)
                                                         : body_limit,
                                                json_body, cfg.body_memory_budget_bytes),
                     cfg.body_memory_budget_bytes)) {
        rejected.WithLabels({"body_memory_budget"}).Inc();
        resp = ErrorResponse(Status(ErrorCode::kOverloaded,
                                    "the server is handling its budget of request bodies; retry "
                                    "in a moment"),
                             req->request_id);
        resp.headers.Set("Retry-After", "1");
        keep_alive = false;  // the unread body makes the connection unusable
        read_ok = false;
      } else if (!parser.is_done()) {
        if (auto expect = req->Header("Expect"); expect && EqualsIgnoreCase(*expect, "100-continue")) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          co_await asio::async_write(c->socket, asio::buffer(kContinue), kNoThrow);
        }
        auto [ec, n] = co_await bhttp::async_read(c->socket, buffer, parser, kNoThrow);
        if (ec) {
          read_ok = false;
          keep_alive = false;
          if (c->timed_out) {
            rejected.WithLabels({"read_timeout"}).Inc();
            resp = ErrorResponse(Status(ErrorCode::kRequestTimeout,
                                        fmt::format("the request body did not arrive within {} ms",
                                                    cfg.read_timeout_ms)),
                                 req->request_id);
          } else if (ec == bhttp::error::body_limit) {
            rejected.WithLabels({"body_limit"}).Inc();
            resp = internal::BodyTooLarge(body_limit, req->request_id);
          } else {
            break;  // client went away mid-body
          }
        }
      }
      const std::size_t bytes_in = read_ok ? parser.get().body().size() : 0;
      if (read_ok) {
        req->body = std::move(parser.get().body());
        c->deadline = SteadyTime::max();  // no socket operation while the handler runs
        in_flight.Inc();
        if (auto pre = Preflight(*req)) {
          resp = std::move(*pre);
        } else if (route) {
          req->path_params = std::move(match.params);
          req->route = route->pattern;
          resp = co_await Dispatch(req, *route);
        } else {
          resp = internal::NoRouteResponse(*req, match.allowed_methods);
        }
        in_flight.Dec();
      }
      ApplyCors(*req, resp);
      if (draining) keep_alive = false;

      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      Record(*req, route, resp.status, seconds);
      AccessLog(*req, resp, seconds, bytes_in);

      if (resp.stream && !head) {
        co_await WriteStream(*c, std::move(resp), *req, h.version());
        break;
      }
      auto res = ToBeast(std::move(resp), *req, h.version(), keep_alive, head);
      SetDeadline(*c, std::chrono::milliseconds(cfg.write_timeout_ms));
      auto [wec, wn] = co_await bhttp::async_write(c->socket, res, kNoThrow);
      if (wec || !keep_alive) break;
    }
    CloseConn(*c);
  }

  // Sends the headers of a streaming response, then what its StreamBody produces until it ends,
  // the client goes away or the server drains. A comment line goes out every 15 s of silence so
  // proxies keep the connection and a vanished client is noticed.
  asio::awaitable<void> WriteStream(Conn& c, Response resp, const Request& req, unsigned version) {
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(resp.status), version};
    res.set(bhttp::field::date, CachedDate());
    res.set(bhttp::field::content_type, resp.content_type);
    res.set(bhttp::field::cache_control, "no-cache");
    if (!req.request_id.empty()) res.set("X-Request-Id", req.request_id);
    for (auto& [k, v] : resp.headers.all()) res.insert(k, v);
    res.keep_alive(false);
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    SetDeadline(c, std::chrono::milliseconds(cfg.write_timeout_ms));
    auto [hec, hn] = co_await bhttp::async_write_header(c.socket, sr, kNoThrow);
    c.deadline = SteadyTime::max();
    const auto stream = resp.stream;
    if (!hec) {
      asio::steady_timer timer(c.socket.get_executor());
      auto last_write = std::chrono::steady_clock::now();
      while (!draining && !c.closed) {
        std::optional<std::string> chunk = stream->Poll();
        if (!chunk) break;
        const auto now = std::chrono::steady_clock::now();
        if (chunk->empty() && now - last_write > std::chrono::seconds(15)) chunk = ": ping\n\n";
        if (!chunk->empty()) {
          SetDeadline(c, std::chrono::milliseconds(cfg.write_timeout_ms));
          auto [wec, wn] = co_await asio::async_write(c.socket, asio::buffer(*chunk), kNoThrow);
          c.deadline = SteadyTime::max();
          if (wec) break;
          last_write = now;
          continue;
        }
        timer.expires_after(std::chrono::milliseconds(100));
        co_await timer.async_wait(kNoThrow);
      }
    }
    stream->Close();
  }

  void CloseConn(Conn& c) {
    if (c.closed) return;
    c.closed = true;
    boost::system::error_code ignored;
    c.socket.shutdown(tcp::socket::shutdown_send, ignored);
    c.socket.close(ignored);
    c.timer.cancel();
  }

  asio::awaitable<void> RefuseConnection(tcp::socket socket) {
    Conn c(std::move(socket));
    co_await WriteError(c, Status(ErrorCode::kOverloaded,
                                  "the server has too many open connections; retry later"),
                        NewId("req"));
    CloseConn(c);
  }

  asio::awaitable<void> AcceptLoop() {
    for (;;) {
      auto strand = asio::make_strand(ioc);
      auto [ec, socket] = co_await acceptor.async_accept(strand, kNoThrow);
      if (ec) {
        if (!acceptor.is_open() || draining) co_return;
        // Out of file descriptors or memory: accepting again at once would spin. Wait, so
        // closing connections free descriptors, and log once per pause.
        rejected.WithLabels({"accept_error"}).Inc();
        spdlog::warn("accept failed: {}; pausing accepts for 100 ms", ec.message());
        asio::steady_timer pause(ioc, std::chrono::milliseconds(100));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      if (connections.load() >= cfg.max_connections) {
        rejected.WithLabels({"max_connections"}).Inc();
        asio::co_spawn(strand, RefuseConnection(std::move(socket)), asio::detached);
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto ep = socket.remote_endpoint(ignored);
      std::string remote = ignored ? "" : ep.address().to_string();
      {
        std::lock_guard lock(conns_mu);
        int& from_ip = conns_per_ip[remote];
        if (cfg.max_connections_per_ip > 0 && from_ip >= cfg.max_connections_per_ip) {
          rejected.WithLabels({"max_connections_per_ip"}).Inc();
          asio::co_spawn(strand, RefuseConnection(std::move(socket)), asio::detached);
          continue;
        }
        ++from_ip;
      }
      auto c = std::make_shared<Conn>(std::move(socket));
      c->remote = std::move(remote);
      ++connections;
      open_connections.Inc();
      {
        std::lock_guard lock(conns_mu);
        conns.insert(c);
      }
      asio::co_spawn(strand, Watchdog(c), asio::detached);
      asio::co_spawn(strand, Session(c), [this, c](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("connection from {} failed: {}", c->remote, ex.what());
          }
          CloseConn(*c);
        }
        {
          std::lock_guard lock(conns_mu);
          conns.erase(c);
          if (auto it = conns_per_ip.find(c->remote);
              it != conns_per_ip.end() && --it->second <= 0) {
            conns_per_ip.erase(it);
          }
        }
        open_connections.Dec();
        --connections;
      });
    }
  }

  void BeginDrain() {
    if (draining.exchange(true)) return;
    spdlog::info("shutting down: draining {} connection(s) for up to {} ms", connections.load(),
                 cfg.drain_timeout_ms);
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    ForEachConn([](Conn& c) {
      if (c.idle) {
        boost::system::error_code ig;
        c.socket.cancel(ig);
      }
    });
    asio::co_spawn(ioc, DrainThenStop(), asio::detached);
  }

  template <typename F>
  void ForEachConn(F f) {
    std::lock_guard lock(conns_mu);
    for (const auto& c : conns) asio::post(c->socket.get_executor(), [c, f] { f(*c); });
  }

  asio::awaitable<void> DrainThenStop() {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.drain_timeout_ms);
    asio::steady_timer t(ioc);
    while (connections.load() > 0 && std::chrono::steady_clock::now() < until) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(kNoThrow);
    }
    if (connections.load() > 0) {
      spdlog::warn("drain timeout: closing {} connection(s) with requests in flight",
                   connections.load());
      ForEachConn([this](Conn& c) { CloseConn(c); });
      t.expires_after(std::chrono::milliseconds(50));
      co_await t.async_wait(kNoThrow);
    }
    ioc.stop();
  }
};

Server::Server(const config::ServerConfig& config, const Router& router,
               metrics::Registry& metrics, runtime::BlockingPool& pool, bool access_log)
    : impl_(std::make_unique<Impl>(config, router, metrics, pool, access_log)) {}

Server::~Server() {
  if (!impl_->threads.empty()) {
    Shutdown();
    Wait();
  }
}

void Server::Use(std::shared_ptr<Middleware> middleware) {
  impl_->middlewares.push_back(std::move(middleware));
}

Status Server::Start() {
  Impl& s = *impl_;
  for (const auto& r : s.router.routes()) {
    auto rm = std::make_unique<Impl::RouteMetrics>();
    rm->duration = &s.duration.WithLabels({r.pattern});
    s.route_metrics.emplace(&r, std::move(rm));
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(s.cfg.host, ec);
  if (ec) return InvalidArgument(fmt::format("server.host '{}' is not an IP address", s.cfg.host));
  const tcp::endpoint ep(address, static_cast<unsigned short>(s.cfg.port));
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable(fmt::format("cannot listen on {}:{}: {}", s.cfg.host, s.cfg.port, ec.message()));
  }
  s.bound_port = s.acceptor.local_endpoint().port();
  asio::co_spawn(s.ioc, s.AcceptLoop(), asio::detached);
  const int n = s.cfg.io_threads > 0 ? s.cfg.io_threads
                                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  return Status::Ok();
}

uint16_t Server::port() const { return impl_->bound_port.load(); }

void Server::ShutdownOnSignals() {
  Impl& s = *impl_;
  s.signals.add(SIGINT);
  s.signals.add(SIGTERM);
  s.signals.async_wait([&s](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    spdlog::info("received signal {}", signo);
    s.BeginDrain();
  });
}

void Server::Shutdown() {
  Impl& s = *impl_;
  asio::post(s.ioc, [&s] { s.BeginDrain(); });
}

void Server::Wait() {
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
  std::unique_lock lock(impl_->pool_tasks_mu);
  impl_->pool_tasks_done.wait(lock, [this] { return impl_->pool_tasks == 0; });
}

}  // namespace signx::http

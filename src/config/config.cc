#include "config/config.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "base/strings.h"

namespace signx::config {
namespace {

namespace json = boost::json;

enum class Redact { kNone, kSecret, kUrlPassword };

// One row of the field table: how to read a value from text and show it again.
struct Field {
  std::string key;
  std::string help;
  Redact redact;
  std::function<std::string(Config&, std::string_view)> set;  // returns an error text or ""
  std::function<json::value(const Config&)> get;
};

template <typename T>
Field Make(std::string key, T Config::*section, auto member, std::string help,
           Redact redact = Redact::kNone) {
  using V = std::remove_cvref_t<decltype(std::declval<T&>().*member)>;
  Field f{std::move(key), std::move(help), redact, nullptr, nullptr};
  f.set = [section, member](Config& c, std::string_view text) -> std::string {
    V& v = (c.*section).*member;
    if constexpr (std::is_same_v<V, std::string>) {
      v = std::string(text);
    } else if constexpr (std::is_same_v<V, bool>) {
      auto b = ParseBool(text);
      if (!b) return fmt::format("'{}' is not a boolean (true/false)", text);
      v = *b;
    } else if constexpr (std::is_floating_point_v<V>) {
      auto d = ParseDouble(text);
      if (!d) return fmt::format("'{}' is not a number", text);
      v = *d;
    } else if constexpr (std::is_integral_v<V>) {
      auto n = ParseInt(text);
      if (!n) return fmt::format("'{}' is not an integer", text);
      if (*n < std::numeric_limits<V>::min() || *n > std::numeric_limits<V>::max()) {
        return fmt::format("{} is out of range", *n);
      }
      v = static_cast<V>(*n);
    } else if constexpr (std::is_same_v<V, std::vector<std::string>>) {
      v.clear();
      for (auto part : Split(text, ',')) {
        if (!Trim(part).empty()) v.emplace_back(Trim(part));
      }
    } else {
      static_assert(sizeof(V) == 0, "unsupported config field type");
    }
    return "";
  };
  f.get = [section, member](const Config& c) -> json::value {
    const V& v = (c.*section).*member;
    if constexpr (std::is_same_v<V, std::vector<std::string>>) {
      json::array a;
      for (const auto& s : v) a.emplace_back(s);
      return a;
    } else {
      return json::value(v);
    }
  };
  return f;
}

const std::vector<Field>& Table() {
  static const std::vector<Field> kTable = [] {
    std::vector<Field> t;
    Field data_dir{"data_dir", "where blobs, indexes and the lake live", Redact::kNone, nullptr,
                   nullptr};
    data_dir.set = [](Config& c, std::string_view v) {
      c.data_dir = std::string(v);
      return std::string();
    };
    data_dir.get = [](const Config& c) { return json::value(c.data_dir); };
    t.push_back(std::move(data_dir));
    using S = ServerConfig;
    const auto srv = &Config::server;
    t.push_back(Make("server.host", srv, &S::host, "address to listen on"));
    t.push_back(Make("server.port", srv, &S::port, "TCP port; 0 picks a free port"));
    t.push_back(Make("server.io_threads", srv, &S::io_threads,
                     "threads running the event loop; 0 = one per core"));
    t.push_back(Make("server.blocking_threads", srv, &S::blocking_threads,
                     "pool for handlers that block (DB, models, files)"));
    t.push_back(Make("server.blocking_queue", srv, &S::blocking_queue,
                     "queued blocking tasks before answering 503"));
    t.push_back(Make("server.max_connections", srv, &S::max_connections,
                     "open connections before new ones get 503"));
    t.push_back(Make("server.max_connections_per_ip", srv, &S::max_connections_per_ip,
                     "open connections from one peer address before its new ones are refused "
                     "(0 = no cap; raise behind a load balancer)"));
    t.push_back(Make("server.max_body_bytes", srv, &S::max_body_bytes,
                     "default request body limit in bytes (413 above it)"));
    t.push_back(Make("server.body_memory_budget_bytes", srv, &S::body_memory_budget_bytes,
                     "memory the bodies of requests in flight may use together (JSON charged "
                     "13x, others 2x); over it a request gets 503 with Retry-After"));
    t.push_back(Make("server.max_header_bytes", srv, &S::max_header_bytes,
                     "request line + headers limit in bytes (431 above it)"));
    t.push_back(Make("server.read_timeout_ms", srv, &S::read_timeout_ms,
                     "time to receive one whole request (408 after it)"));
    t.push_back(
        Make("server.write_timeout_ms", srv, &S::write_timeout_ms, "time to send one response"));
    t.push_back(Make("server.idle_timeout_ms", srv, &S::idle_timeout_ms,
                     "keep-alive idle time between requests"));
    t.push_back(Make("server.request_deadline_ms", srv, &S::request_deadline_ms,
                     "handler budget per request (504 after it)"));
    t.push_back(Make("server.drain_timeout_ms", srv, &S::drain_timeout_ms,
                     "on SIGTERM, time to finish in-flight requests"));
    t.push_back(Make("server.cors_origins", srv, &S::cors_origins,
                     "allowed browser origins, comma-separated ('*' for any); empty = no CORS"));
    using L = LogConfig;
    const auto log = &Config::log;
    t.push_back(Make("log.level", log, &L::level, "trace, debug, info, warn, error, off"));
    t.push_back(Make("log.format", log, &L::format, "json or text"));
    t.push_back(Make("log.access_log", log, &L::access_log, "one line per HTTP request"));
    using D = DatabaseConfig;
    const auto db = &Config::database;
    t.push_back(Make("database.url", db, &D::url,
                     "sqlite:///<path> or postgres://user:pw@host:port/db", Redact::kUrlPassword));
    t.push_back(Make("database.pool_size", db, &D::pool_size, "connections per process"));
    t.push_back(Make("database.sqlite_synchronous", db, &D::sqlite_synchronous,
                     "SQLite PRAGMA synchronous: off, normal, full"));
    t.push_back(Make("database.sqlite_cache_kib", db, &D::sqlite_cache_kib,
                     "SQLite page cache of each pooled connection, in KiB (PRAGMA cache_size)"));
    t.push_back(Make("database.busy_timeout_ms", db, &D::busy_timeout_ms,
                     "SQLite busy timeout / PostgreSQL lock timeout"));
    t.push_back(Make("redis.url", &Config::redis, &RedisConfig::url,
                     "redis://[:password@]host:port/db; empty = in-process cache and limits",
                     Redact::kUrlPassword));
    using A = AuthConfig;
    const auto auth = &Config::auth;
    t.push_back(Make("auth.jwt_keys", auth, &A::jwt_keys,
                     "HS256 keys kid=secret,...; empty = random per process (dev only)",
                     Redact::kSecret));
    t.push_back(Make("auth.jwt_active_kid", auth, &A::jwt_active_kid,
                     "kid that signs new tokens; empty = the first key"));
    t.push_back(Make("auth.access_token_ttl_s", auth, &A::access_token_ttl_s,
                     "access-token lifetime in seconds"));
    t.push_back(Make("auth.api_key_cache_ms", auth, &A::api_key_cache_ms,
                     "how long a replica reuses an API-key lookup or an access token's membership "
                     "(revocations and role changes elsewhere apply within this time; 0 = every "
                     "request)"));
    t.push_back(Make("auth.trusted_proxies", auth, &A::trusted_proxies,
                     "proxies (IPs/CIDRs, comma-separated) whose X-Forwarded-For is believed for "
                     "login throttling; empty = the TCP peer is the client"));
    t.push_back(Make("auth.api_keys", auth, &A::api_keys,
                     "static machine keys name:key:org_id:scope|scope,... (also SIGNX_API_KEYS)",
                     Redact::kSecret));
    t.push_back(Make("web.secret", &Config::web, &WebConfig::secret,
                     "key for CSRF tokens and flash cookies; empty = random per process",
                     Redact::kSecret));
    t.push_back(Make("web.secure_cookies", &Config::web, &WebConfig::secure_cookies,
                     "always mark cookies Secure (served over HTTPS)"));
    t.push_back(Make("limits.rate_limits", &Config::limits, &LimitsConfig::rate_limits,
                     "limits by route group: group=N/s|m|h per principal, group@org=N/s|m|h per org, "
                     "comma-separated (empty = none)"));
    t.push_back(Make("limits.sse_streams_per_principal", &Config::limits,
                     &LimitsConfig::sse_streams_per_principal,
                     "concurrent event streams (SSE) one principal may hold open per replica; "
                     "0 = unlimited"));
    t.push_back(Make("jobs.workers", &Config::jobs, &JobsConfig::workers,
                     "job-worker threads inside `signx serve`; 0 = none (run `signx worker`)"));
    t.push_back(Make("jobs.retention_days", &Config::jobs, &JobsConfig::retention_days,
                     "finished jobs (succeeded, failed, dead, cancelled) older than this many days "
                     "are deleted by the daily jobs.retention job"));
    using LC = LeadsConfig;
    const auto leads = &Config::leads;
    t.push_back(Make("leads.model_mode", leads, &LC::model_mode,
                     "local (XGBoost in process) or remote (a KServe v2 inference server)"));
    t.push_back(Make("leads.remote_url", leads, &LC::remote_url,
                     "remote mode: base URL of an Open Inference Protocol (KServe v2) server"));
    t.push_back(Make("leads.remote_model", leads, &LC::remote_model,
                     "remote mode: model name ({remote_url}/v2/models/{name}/infer)"));
    t.push_back(Make("leads.remote_input", leads, &LC::remote_input,
                     "remote mode: name of the FP32 input tensor of encoded rows"));
    t.push_back(Make("leads.remote_missing", leads, &LC::remote_missing,
                     "remote mode: how missing values are sent: binary (Triton's binary tensor "
                     "extension, NaN), null (JSON null, SignX remotes), or the number the remote "
                     "model declares as its missing value"));
    t.push_back(Make("leads.remote_timeout_ms", leads, &LC::remote_timeout_ms,
                     "remote mode: deadline of one inference call"));
    t.push_back(Make("leads.remote_api_key", leads, &LC::remote_api_key,
                     "remote mode: X-API-Key sent to the inference server; empty = none",
                     Redact::kSecret));
    t.push_back(Make("leads.monitor_schedule", leads, &LC::monitor_schedule,
                     "schedule of the leads.monitor job (@every 15m, @hourly, m h * * *)"));
    t.push_back(Make("leads.monitor_window_days", leads, &LC::monitor_window_days,
                     "leads scored in the last N days are monitored"));
    t.push_back(Make("leads.monitor_min_labelled", leads, &LC::monitor_min_labelled,
                     "outcomes needed before live AUC is judged against leads.min_auc"));
    t.push_back(Make("leads.psi_warn", leads, &LC::psi_warn,
                     "tier-distribution PSI above this is logged as a warning"));
    t.push_back(Make("leads.psi_alert", leads, &LC::psi_alert,
                     "PSI above this raises model.drift_detected"));
    t.push_back(Make("leads.min_auc", leads, &LC::min_auc,
                     "live AUC below this raises model.drift_detected"));
    t.push_back(Make("leads.score_log_capacity", leads, &LC::score_log_capacity,
                     "scored leads queued for the lead_scores table before drops are counted"));
    using LK = LakeConfig;
    const auto lake = &Config::lake;
    t.push_back(Make("lake.queue_rows", lake, &LK::queue_rows,
                     "lake rows held in memory before new rows are dropped (and counted)"));
    t.push_back(Make("lake.flush_rows", lake, &LK::flush_rows,
                     "a lake flush starts once this many rows are queued (or every minute)"));
    t.push_back(Make("lake.duckdb_memory_mb", lake, &LK::duckdb_memory_mb,
                     "DuckDB buffer-pool limit of the lake writer, in MB"));
    t.push_back(Make("lake.segment_max_mb", lake, &LK::segment_max_mb,
                     "a lake spool segment is converted at this size at the latest; the converter "
                     "maps one segment at a time (MB)"));
    t.push_back(Make(
        "lake.row_group_rows", lake, &LK::row_group_rows,
        "rows per Parquet row group (DuckDB rounds up to a multiple of 2048); DuckDB holds one "
        "row group in memory while it encodes it"));
    t.push_back(Make("lake.sync_interval_ms", lake, &LK::sync_interval_ms,
                     "the lake spool is fsynced this often while rows arrive (ms)"));
    t.push_back(Make("lake.sync_rows", lake, &LK::sync_rows,
                     "and as soon as this many rows were written since the last fsync"));
    using CC = ConnectorsConfig;
    const auto conn = &Config::connectors;
    t.push_back(Make("connectors.keyedin.base_url", conn, &CC::keyedin_base_url,
                     "KeyedIn-style ERP base URL (http(s)://...); empty = connector off",
                     Redact::kUrlPassword));
    t.push_back(Make("connectors.keyedin.api_token", conn, &CC::keyedin_api_token,
                     "KeyedIn API token, sent as Authorization: Bearer <token>", Redact::kSecret));
    t.push_back(Make("connectors.keyedin.org_id", conn, &CC::keyedin_org_id,
                     "the SignX org that imported KeyedIn orders belong to"));
    t.push_back(Make("connectors.keyedin.sync_schedule", conn, &CC::keyedin_sync_schedule,
                     "schedule of the estimating.keyedin_sync job (@every 15m, @hourly, ...)"));
    t.push_back(Make("connectors.keyedin.timeout_ms", conn, &CC::keyedin_timeout_ms,
                     "deadline of one KeyedIn HTTP call"));
    t.push_back(Make("connectors.keyedin.page_size", conn, &CC::keyedin_page_size,
                     "orders asked for per page when syncing"));
    using W = WebhooksConfig;
    const auto wh = &Config::webhooks;
    t.push_back(Make("webhooks.allow_private_cidrs", wh, &W::allow_private_cidrs,
                     "non-public CIDRs webhooks may reach, comma-separated (127.0.0.0/8,...); "
                     "empty = public addresses only"));
    t.push_back(Make("webhooks.response_excerpt_bytes", wh, &W::response_excerpt_bytes,
                     "bytes of the endpoint's response body kept in the delivery log; 0 = none"));
    t.push_back(Make("webhooks.max_endpoints_per_org", wh, &W::max_endpoints_per_org,
                     "webhook endpoints one org may register"));
    t.push_back(Make("webhooks.max_in_flight_per_org", wh, &W::max_in_flight_per_org,
                     "deliveries of one org a worker process runs at once (more are deferred)"));
    using SM = SmtpConfig;
    const auto smtp = &Config::smtp;
    t.push_back(
        Make("smtp.url", smtp, &SM::url,
             "SMTP server: smtp://host[:port] (STARTTLS when offered) or smtps://host[:port]; "
             "empty = e-mail off",
             Redact::kUrlPassword));
    t.push_back(Make("smtp.username", smtp, &SM::username, "SMTP AUTH user; empty = no AUTH"));
    t.push_back(Make("smtp.password", smtp, &SM::password, "SMTP AUTH password", Redact::kSecret));
    t.push_back(Make("smtp.from", smtp, &SM::from,
                     "sender address (\"Name <addr@host>\" or addr@host); required with smtp.url"));
    t.push_back(Make("smtp.connect_timeout_ms", smtp, &SM::connect_timeout_ms,
                     "deadline of the SMTP connect and TLS handshake"));
    t.push_back(Make("smtp.timeout_ms", smtp, &SM::timeout_ms,
                     "deadline of the whole SMTP exchange of one message"));
    t.push_back(Make("smtp.verify_tls", smtp, &SM::verify_tls,
                     "verify the SMTP server certificate and host name"));
    t.push_back(Make("smtp.allow_private_cidrs", smtp, &SM::allow_private_cidrs,
                     "non-public CIDRs the SMTP host may resolve to, comma-separated "
                     "(127.0.0.0/8,...); empty = public addresses only"));
    t.push_back(Make("smtp.max_message_bytes", smtp, &SM::max_message_bytes,
                     "largest encoded message (attachments included) sent"));
    using SC = StudioConfig;
    const auto studio = &Config::studio;
    t.push_back(Make("studio.pm_url", studio, &SC::pm_url,
                     "PM-system URL approved projects are POSTed to (projects.submit.dispatch); "
                     "empty = dispatch off",
                     Redact::kUrlPassword));
    t.push_back(Make("studio.pm_secret", studio, &SC::pm_secret,
                     "HMAC-SHA256 key of the dispatch X-Signature header", Redact::kSecret));
    t.push_back(Make("studio.pm_timeout_ms", studio, &SC::pm_timeout_ms,
                     "deadline of one dispatch attempt"));
    t.push_back(Make("studio.pm_max_attempts", studio, &SC::pm_max_attempts,
                     "dispatch attempts before it is failed"));
    using LL = LlmConfig;
    const auto llm = &Config::llm;
    t.push_back(Make("llm.url", llm, &LL::url,
                     "OpenAI-compatible API base URL ({url}/chat/completions); empty = LLM off, "
                     "offline analysis only",
                     Redact::kUrlPassword));
    t.push_back(Make("llm.api_key", llm, &LL::api_key,
                     "sent as Authorization: Bearer <key> (set SIGNX_LLM_API_KEY); empty = none",
                     Redact::kSecret));
    t.push_back(Make("llm.timeout_ms", llm, &LL::timeout_ms,
                     "deadline of one chat-completions call; after it the offline result is used"));
    t.push_back(Make("llm.allow_private_cidrs", llm, &LL::allow_private_cidrs,
                     "non-public CIDRs the LLM host may resolve to, comma-separated "
                     "(127.0.0.0/8,...); empty = public addresses only"));
    t.push_back(Make("llm.small_model", llm, &LL::small_model,
                     "model of the small tier (summary_short, summary_medium, action_items)"));
    t.push_back(Make("llm.small_max_input_tokens", llm, &LL::small_max_input_tokens,
                     "estimated document tokens above which a task moves to the large tier"));
    t.push_back(Make("llm.small_price_in_per_1k", llm, &LL::small_price_in_per_1k,
                     "small tier: USD per 1000 prompt tokens"));
    t.push_back(Make("llm.small_price_out_per_1k", llm, &LL::small_price_out_per_1k,
                     "small tier: USD per 1000 completion tokens"));
    t.push_back(Make("llm.large_model", llm, &LL::large_model,
                     "model of the large tier (summary_detailed, documents too big for the small "
                     "tier); empty = no large tier"));
    t.push_back(Make("llm.large_max_input_tokens", llm, &LL::large_max_input_tokens,
                     "estimated document tokens above which the offline path is used"));
    t.push_back(Make("llm.large_price_in_per_1k", llm, &LL::large_price_in_per_1k,
                     "large tier: USD per 1000 prompt tokens"));
    t.push_back(Make("llm.large_price_out_per_1k", llm, &LL::large_price_out_per_1k,
                     "large tier: USD per 1000 completion tokens"));
    t.push_back(Make("llm.max_output_tokens", llm, &LL::max_output_tokens,
                     "max_tokens asked for per answer"));
    t.push_back(Make("llm.tasks", llm, &LL::tasks,
                     "tasks the LLM is used for, comma-separated (summary_short, summary_medium, "
                     "summary_detailed, action_items)"));
    t.push_back(Make("llm.monthly_token_budget_per_org", llm, &LL::monthly_token_budget_per_org,
                     "tokens one org may use per UTC month (cache hits free); over it = offline; "
                     "0 = no budget"));
    return t;
  }();
  return kTable;
}

// "a.b.c.d[/0..32]" or an IPv6 address with an optional /0..128 (the same rule as
// http::ParseCidr, which config cannot depend on).
bool IsCidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string host(text.substr(0, slash));
  unsigned char buf[16];
  int max_len = 0;
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) {
    max_len = 32;
  } else if (inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    max_len = 128;
  } else {
    return false;
  }
  if (slash == std::string_view::npos) return true;
  const std::string_view len = text.substr(slash + 1);
  auto n = ParseInt(len);
  return !len.empty() && n && *n >= 0 && *n <= max_len;
}

std::string EnvName(std::string_view key) {
  std::string out = "SIGNX_";
  for (char c : key) {
    out.push_back(c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

const Field* FindField(std::string_view key) {
  for (const auto& f : Table()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

// A JSON value as the text form the field parsers take.
std::optional<std::string> JsonToText(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return std::string(v.get_string());
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_:
      return json::serialize(v);
    case json::kind::array: {
      std::vector<std::string> parts;
      for (const auto& e : v.get_array()) {
        if (!e.is_string()) return std::nullopt;
        parts.emplace_back(e.get_string());
      }
      return Join(parts, ",");
    }
    default:
      return std::nullopt;
  }
}

// Flattens {"server":{"port":1}} into ("server.port", value) pairs.
void Flatten(const json::object& obj, const std::string& prefix,
             std::vector<std::pair<std::string, const json::value*>>& out) {
  for (const auto& [k, v] : obj) {
    std::string key = prefix.empty() ? std::string(k) : prefix + "." + std::string(k);
    if (v.is_object()) {
      Flatten(v.get_object(), key, out);
    } else {
      out.emplace_back(std::move(key), &v);
    }
  }
}

std::string RedactUrlPassword(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto at = url.find('@', scheme + 3);
  if (at == std::string::npos) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

json::value Shown(const Field& f, const Config& c) {
  json::value v = f.get(c);
  if (f.redact == Redact::kSecret && v.is_string() && !v.get_string().empty()) return "***";
  if (f.redact == Redact::kUrlPassword && v.is_string()) {
    return json::value(RedactUrlPassword(std::string(v.get_string())));
  }
  return v;
}

void Apply(Config& c, Loaded& loaded, std::vector<FieldError>& errors, std::string_view key,
           std::string_view text, Source source, std::string_view where) {
  const Field* f = FindField(key);
  if (!f) {
    errors.push_back({std::string(key), fmt::format("unknown setting (from {})", where)});
    return;
  }
  if (std::string err = f->set(c, text); !err.empty()) {
    errors.push_back({std::string(key), fmt::format("{} (from {})", err, where)});
    return;
  }
  loaded.sources[f->key] = source;
}

}  // namespace

std::string_view SourceName(Source s) {
  switch (s) {
    case Source::kDefault:
      return "default";
    case Source::kFile:
      return "file";
    case Source::kEnv:
      return "env";
    case Source::kFlag:
      return "flag";
  }
  return "default";
}

const std::vector<FieldInfo>& Fields() {
  static const std::vector<FieldInfo> kFields = [] {
    std::vector<FieldInfo> out;
    for (const auto& f : Table()) {
      out.push_back({f.key, EnvName(f.key), f.help, f.redact != Redact::kNone});
    }
    return out;
  }();
  return kFields;
}

Result<Loaded> Load(const LoadOptions& options) {
  Loaded loaded;
  std::vector<FieldError> errors;
  for (const auto& f : Table()) loaded.sources[f.key] = Source::kDefault;

  if (!options.file.empty()) {
    std::ifstream in(options.file);
    if (!in) {
      errors.push_back({"--config", fmt::format("cannot read file '{}'", options.file)});
    } else {
      std::stringstream ss;
      ss << in.rdbuf();
      boost::system::error_code ec;
      json::value doc = json::parse(ss.str(), ec);
      if (ec || !doc.is_object()) {
        errors.push_back({"--config", fmt::format("'{}' is not a JSON object{}", options.file,
                                                  ec ? ": " + ec.message() : "")});
      } else {
        std::vector<std::pair<std::string, const json::value*>> flat;
        Flatten(doc.get_object(), "", flat);
        for (const auto& [key, v] : flat) {
          auto text = JsonToText(*v);
          if (!text) {
            errors.push_back({key, fmt::format("unsupported JSON value (from {})", options.file)});
            continue;
          }
          Apply(loaded.config, loaded, errors, key, *text, Source::kFile, options.file);
        }
      }
    }
  }

  if (options.read_env) {
    for (const auto& f : Table()) {
      const std::string env = EnvName(f.key);
      if (!options.env_for_test.empty()) {
        auto it = options.env_for_test.find(env);
        if (it != options.env_for_test.end()) {
          Apply(loaded.config, loaded, errors, f.key, it->second, Source::kEnv, env);
        }
      } else if (const char* v = std::getenv(env.c_str())) {
        Apply(loaded.config, loaded, errors, f.key, v, Source::kEnv, env);
      }
    }
    // SIGNX_API_KEYS (the name seed 004's setup uses) is an alias of SIGNX_AUTH_API_KEYS.
    auto lookup = [&](const std::string& name) -> std::optional<std::string> {
      if (!options.env_for_test.empty()) {
        auto it = options.env_for_test.find(name);
        if (it == options.env_for_test.end()) return std::nullopt;
        return it->second;
      }
      const char* v = std::getenv(name.c_str());
      return v ? std::optional<std::string>(v) : std::nullopt;
    };
    if (!lookup("SIGNX_AUTH_API_KEYS")) {
      if (auto v = lookup("SIGNX_API_KEYS")) {
        Apply(loaded.config, loaded, errors, "auth.api_keys", *v, Source::kEnv, "SIGNX_API_KEYS");
      }
    }
  }

  for (const auto& [key, value] : options.flags) {
    Apply(loaded.config, loaded, errors, key, value, Source::kFlag, "--set");
  }

  for (auto& e : Validate(loaded.config)) errors.push_back(std::move(e));
  if (!errors.empty()) {
    return ValidationFailed(std::move(errors),
                            fmt::format("invalid configuration ({} problem{})", errors.size(),
                                        errors.size() == 1 ? "" : "s"));
  }
  return loaded;
}

std::vector<FieldError> Validate(const Config& c) {
  std::vector<FieldError> e;
  const auto range = [&e](const char* key, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi)
      e.push_back({key, fmt::format("must be between {} and {}, got {}", lo, hi, v)});
  };
  if (c.data_dir.empty()) e.push_back({"data_dir", "must not be empty"});
  const auto& s = c.server;
  if (s.host.empty()) e.push_back({"server.host", "must not be empty"});
  range("server.port", s.port, 0, 65535);
  range("server.io_threads", s.io_threads, 0, 256);
  range("server.blocking_threads", s.blocking_threads, 1, 1024);
  range("server.blocking_queue", s.blocking_queue, 1, 1'000'000);
  range("server.max_connections", s.max_connections, 1, 1'000'000);
  range("server.max_connections_per_ip", s.max_connections_per_ip, 0, 1'000'000);
  range("server.max_body_bytes", s.max_body_bytes, 1024, int64_t{1} << 34);
  range("server.max_header_bytes", s.max_header_bytes, 1024, 1 << 20);
  range("server.body_memory_budget_bytes", s.body_memory_budget_bytes, int64_t{1} << 20,
        int64_t{1} << 40);
  range("server.read_timeout_ms", s.read_timeout_ms, 10, 3'600'000);
  range("server.write_timeout_ms", s.write_timeout_ms, 10, 3'600'000);
  range("server.idle_timeout_ms", s.idle_timeout_ms, 10, 3'600'000);
  range("server.request_deadline_ms", s.request_deadline_ms, 10, 3'600'000);
  range("server.drain_timeout_ms", s.drain_timeout_ms, 0, 3'600'000);
  range("limits.sse_streams_per_principal", c.limits.sse_streams_per_principal, 0, 100'000);
  for (const auto& o : s.cors_origins) {
    if (o != "*" && o.rfind("http://", 0) != 0 && o.rfind("https://", 0) != 0) {
      e.push_back({"server.cors_origins",
                   fmt::format("'{}' must be '*' or start with http:// or https://", o)});
    }
  }
  static const std::vector<std::string> kLevels = {"trace", "debug", "info",
                                                   "warn",  "error", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), c.log.level) == kLevels.end()) {
    e.push_back({"log.level", fmt::format("'{}' is not one of trace, debug, info, warn, error, off",
                                          c.log.level)});
  }
  if (c.log.format != "json" && c.log.format != "text") {
    e.push_back({"log.format", fmt::format("'{}' is not one of json, text", c.log.format)});
  }
  const auto& d = c.database;
  if (d.url.rfind("sqlite://", 0) != 0 && d.url.rfind("postgres://", 0) != 0 &&
      d.url.rfind("postgresql://", 0) != 0) {
    e.push_back({"database.url", "must start with sqlite:// or postgres://"});
  }
  range("database.pool_size", d.pool_size, 1, 1024);
  range("jobs.workers", c.jobs.workers, 0, 64);
  range("jobs.retention_days", c.jobs.retention_days, 1, 3650);
  range("auth.access_token_ttl_s", c.auth.access_token_ttl_s, 60, 86400);
  range("auth.api_key_cache_ms", c.auth.api_key_cache_ms, 0, 60'000);
  if (d.sqlite_synchronous != "off" && d.sqlite_synchronous != "normal" &&
      d.sqlite_synchronous != "full") {
    e.push_back({"database.sqlite_synchronous",
                 fmt::format("'{}' is not one of off, normal, full", d.sqlite_synchronous)});
  }
  range("database.busy_timeout_ms", d.busy_timeout_ms, 0, 600'000);
  range("database.sqlite_cache_kib", d.sqlite_cache_kib, 64, 16 * 1024 * 1024);
  const auto& l = c.leads;
  if (l.model_mode != "local" && l.model_mode != "remote") {
    e.push_back(
        {"leads.model_mode", fmt::format("'{}' is not one of local, remote", l.model_mode)});
  }
  if (l.model_mode == "remote" && l.remote_url.rfind("http://", 0) != 0 &&
      l.remote_url.rfind("https://", 0) != 0) {
    e.push_back(
        {"leads.remote_url", "must start with http:// or https:// when model_mode is remote"});
  }
  if (l.remote_model.empty()) e.push_back({"leads.remote_model", "must not be empty"});
  if (l.remote_input.empty()) e.push_back({"leads.remote_input", "must not be empty"});
  if (l.remote_missing != "binary" && l.remote_missing != "null") {
    char* end = nullptr;
    const double v = l.remote_missing.empty() ? 0 : std::strtod(l.remote_missing.c_str(), &end);
    if (l.remote_missing.empty() || *end != '\0' || !std::isfinite(v)) {
      e.push_back({"leads.remote_missing", "must be binary, null or a finite number"});
    }
  }
  range("leads.remote_timeout_ms", l.remote_timeout_ms, 10, 600'000);
  range("leads.monitor_window_days", l.monitor_window_days, 1, 3650);
  range("leads.monitor_min_labelled", l.monitor_min_labelled, 1, 1'000'000);
  range("leads.score_log_capacity", l.score_log_capacity, 100, 10'000'000);
  range("lake.queue_rows", c.lake.queue_rows, 100, 10'000'000);
  range("lake.flush_rows", c.lake.flush_rows, 1, 10'000'000);
  range("lake.duckdb_memory_mb", c.lake.duckdb_memory_mb, 8, 65'536);
  range("lake.segment_max_mb", c.lake.segment_max_mb, 1, 1024);
  range("lake.row_group_rows", c.lake.row_group_rows, 2048, 1'000'000);
  range("lake.sync_interval_ms", c.lake.sync_interval_ms, 1, 60'000);
  range("lake.sync_rows", c.lake.sync_rows, 1, 10'000'000);
  if (!(l.psi_warn > 0 && l.psi_warn <= l.psi_alert && l.psi_alert <= 10)) {
    e.push_back({"leads.psi_warn", fmt::format("need 0 < psi_warn ({}) <= psi_alert ({}) <= 10",
                                               l.psi_warn, l.psi_alert)});
  }
  if (!(l.min_auc >= 0 && l.min_auc <= 1)) {
    e.push_back({"leads.min_auc", fmt::format("must be between 0 and 1, got {}", l.min_auc)});
  }
  const auto& k = c.connectors;
  if (!k.keyedin_base_url.empty()) {
    if (k.keyedin_base_url.rfind("http://", 0) != 0 &&
        k.keyedin_base_url.rfind("https://", 0) != 0) {
      e.push_back({"connectors.keyedin.base_url", "must start with http:// or https://"});
    }
    if (k.keyedin_org_id.empty()) {
      e.push_back({"connectors.keyedin.org_id", "is required when the KeyedIn connector is on"});
    }
    if (k.keyedin_api_token.empty()) {
      e.push_back({"connectors.keyedin.api_token", "is required when the KeyedIn connector is on"});
    }
  }
  range("connectors.keyedin.timeout_ms", k.keyedin_timeout_ms, 100, 600'000);
  range("connectors.keyedin.page_size", k.keyedin_page_size, 1, 1000);
  for (const auto& cidr : c.webhooks.allow_private_cidrs) {
    if (!IsCidr(cidr)) {
      e.push_back({"webhooks.allow_private_cidrs",
                   fmt::format("'{}' is not an IP address or CIDR (a.b.c.d/n, x:y::/n)", cidr)});
    }
  }
  range("webhooks.response_excerpt_bytes", c.webhooks.response_excerpt_bytes, 0, 1024);
  range("webhooks.max_endpoints_per_org", c.webhooks.max_endpoints_per_org, 1, 10'000);
  range("webhooks.max_in_flight_per_org", c.webhooks.max_in_flight_per_org, 1, 1000);
  const auto& sm = c.smtp;
  if (!sm.url.empty()) {
    if (sm.url.rfind("smtp://", 0) != 0 && sm.url.rfind("smtps://", 0) != 0) {
      e.push_back({"smtp.url", "must be empty or start with smtp:// or smtps://"});
    } else if (sm.url.find_first_of(" \t\r\n") != std::string::npos) {
      e.push_back({"smtp.url", "must not contain whitespace"});
    }
    if (sm.from.empty()) e.push_back({"smtp.from", "is required when smtp.url is set"});
  }
  if (sm.from.find_first_of("\r\n") != std::string::npos) {
    e.push_back({"smtp.from", "must be one line"});
  }
  if (!sm.password.empty() && sm.username.empty()) {
    e.push_back({"smtp.username", "is required when smtp.password is set"});
  }
  range("smtp.connect_timeout_ms", sm.connect_timeout_ms, 100, 600'000);
  range("smtp.timeout_ms", sm.timeout_ms, 100, 3'600'000);
  range("smtp.max_message_bytes", sm.max_message_bytes, 1024, 512 * 1024 * 1024);
  for (const auto& cidr : sm.allow_private_cidrs) {
    if (!IsCidr(cidr)) {
      e.push_back({"smtp.allow_private_cidrs",
                   fmt::format("'{}' is not an IP address or CIDR (a.b.c.d/n, x:y::/n)", cidr)});
    }
  }
  if (!c.studio.pm_url.empty()) {
    if (c.studio.pm_url.rfind("http://", 0) != 0 && c.studio.pm_url.rfind("https://", 0) != 0) {
      e.push_back({"studio.pm_url", "must start with http:// or https://"});
    }
    if (c.studio.pm_secret.empty()) {
      e.push_back({"studio.pm_secret", "is required when studio.pm_url is set"});
    }
  }
  range("studio.pm_timeout_ms", c.studio.pm_timeout_ms, 100, 600'000);
  range("studio.pm_max_attempts", c.studio.pm_max_attempts, 1, 100);
  const auto& lm = c.llm;
  if (!lm.url.empty()) {
    if (lm.url.rfind("http://", 0) != 0 && lm.url.rfind("https://", 0) != 0) {
      e.push_back({"llm.url", "must be empty or start with http:// or https://"});
    } else if (lm.url.find_first_of(" \t\r\n") != std::string::npos) {
      e.push_back({"llm.url", "must not contain whitespace"});
    }
    if (lm.small_model.empty() && lm.large_model.empty()) {
      e.push_back({"llm.small_model", "a small or a large model is required when llm.url is set"});
    }
  }
  if (lm.api_key.find_first_of("\r\n") != std::string::npos) {
    e.push_back({"llm.api_key", "must be one line"});
  }
  range("llm.timeout_ms", lm.timeout_ms, 100, 600'000);
  range("llm.small_max_input_tokens", lm.small_max_input_tokens, 100, 10'000'000);
  range("llm.large_max_input_tokens", lm.large_max_input_tokens, 100, 10'000'000);
  range("llm.max_output_tokens", lm.max_output_tokens, 16, 100'000);
  range("llm.monthly_token_budget_per_org", lm.monthly_token_budget_per_org, 0, int64_t{1} << 50);
  for (const auto& [key, price] :
       {std::pair{"llm.small_price_in_per_1k", lm.small_price_in_per_1k},
        std::pair{"llm.small_price_out_per_1k", lm.small_price_out_per_1k},
        std::pair{"llm.large_price_in_per_1k", lm.large_price_in_per_1k},
        std::pair{"llm.large_price_out_per_1k", lm.large_price_out_per_1k}}) {
    if (!(price >= 0 && price <= 1000)) {
      e.push_back({key, fmt::format("must be between 0 and 1000 (USD), got {}", price)});
    }
  }
  static const std::vector<std::string> kLlmTasks = {"summary_short", "summary_medium",
                                                     "summary_detailed", "action_items"};
  for (const auto& task : lm.tasks) {
    if (std::find(kLlmTasks.begin(), kLlmTasks.end(), task) == kLlmTasks.end()) {
      e.push_back({"llm.tasks", fmt::format("'{}' is not one of summary_short, summary_medium, "
                                            "summary_detailed, action_items",
                                            task)});
    }
  }
  for (const auto& cidr : lm.allow_private_cidrs) {
    if (!IsCidr(cidr)) {
      e.push_back({"llm.allow_private_cidrs",
                   fmt::format("'{}' is not an IP address or CIDR (a.b.c.d/n, x:y::/n)", cidr)});
    }
  }
  if (!c.redis.url.empty() && c.redis.url.rfind("redis://", 0) != 0) {
    e.push_back({"redis.url", "must be empty or start with redis://"});
  }
  return e;
}

std::string ToJson(const Config& c) {
  json::object root;
  for (const auto& f : Table()) {
    json::object* obj = &root;
    const auto parts = Split(f.key, '.');
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      json::value& child = (*obj)[parts[i]];
      if (!child.is_object()) child = json::object();
      obj = &child.get_object();
    }
    (*obj)[parts.back()] = Shown(f, c);
  }
  // Pretty print with two-space indent.
  std::string out;
  std::function<void(const json::value&, int)> print = [&](const json::value& v, int depth) {
    const std::string pad(static_cast<std::size_t>(depth) * 2, ' ');
    if (v.is_object() && !v.get_object().empty()) {
      out += "{\n";
      std::size_t i = 0;
      for (const auto& [k, child] : v.get_object()) {
        out += pad + "  " + json::serialize(json::value(k)) + ": ";
        print(child, depth + 1);
        out += (++i < v.get_object().size()) ? ",\n" : "\n";
      }
      out += pad + "}";
    } else {
      out += json::serialize(v);
    }
  };
  print(root, 0);
  out += "\n";
  return out;
}

std::string ToTable(const Loaded& loaded) {
  std::string out;
  for (const auto& f : Table()) {
    const auto it = loaded.sources.find(f.key);
    out +=
        fmt::format("{:<28} {:<40} {:<8} # {}\n", f.key, json::serialize(Shown(f, loaded.config)),
                    SourceName(it == loaded.sources.end() ? Source::kDefault : it->second), f.help);
  }
  return out;
}

}  // namespace signx::config

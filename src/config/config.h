// Typed configuration for every SignX process.
//
// Each field has a default that is safe for a single machine and a comment saying what it does.
// Sources, lowest to highest precedence: defaults -> JSON file (--config) -> SIGNX_* environment
// (SIGNX_SERVER_PORT for "server.port") -> command-line overrides (--set server.port=9000 and the
// subcommands' own flags). Load() reports every problem of every source at once.
// Thread-safety: Config is a plain value; share it as `shared_ptr<const Config>`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace signx::config {

struct ServerConfig {
  std::string host = "127.0.0.1";        // address to listen on ("0.0.0.0" for all interfaces)
  int port = 8080;                       // TCP port; 0 picks a free port (tests)
  int io_threads = 2;                    // threads running the event loop; 0 = one per core
  int blocking_threads = 4;              // pool for handlers that block (DB, models, files)
  int blocking_queue = 4096;             // queued blocking tasks before answering 503
  int max_connections = 10000;           // open connections before new ones get 503
  // Open connections from one peer address before its new ones are refused (0 = no cap). Behind
  // a load balancer every connection comes from the balancer's address: raise it or set 0 there.
  int max_connections_per_ip = 256;
  int64_t max_body_bytes = 1 << 20;      // default request body limit (routes may raise it)
  int64_t max_header_bytes = 16 << 10;   // request line + headers limit (431 above it)
  // Memory the bodies of requests in flight may use together (a JSON body is charged 13x its size
  // for its parsed form, others 2x); a request that does not fit waits for none: it gets 503 with
  // Retry-After. 1 GiB admits e.g. 80 concurrent 1 MiB JSON bodies or one 16 MiB lead batch
  // beside 2 more.
  int64_t body_memory_budget_bytes = int64_t{1} << 30;
  int read_timeout_ms = 15000;           // time to receive one whole request (408 after it)
  int write_timeout_ms = 15000;          // time to send one response before dropping the client
  int idle_timeout_ms = 60000;           // keep-alive idle time between requests
  int request_deadline_ms = 30000;       // handler budget per request (504 after it)
  int drain_timeout_ms = 10000;          // on SIGTERM, time to finish in-flight requests
  std::vector<std::string> cors_origins;  // allowed browser origins ("*" for any); empty = no CORS
};

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, off
  std::string format = "json";  // "json" (one object per line) or "text"
  bool access_log = true;       // one line per HTTP request
};

struct DatabaseConfig {
  std::string url = "sqlite:///var/signx.db";  // sqlite:///<path> or postgres://user:pw@host/db
  int pool_size = 8;                           // connections per process
  std::string sqlite_synchronous = "normal";   // SQLite PRAGMA synchronous: off, normal, full
  int busy_timeout_ms = 5000;                  // SQLite busy timeout / PostgreSQL lock timeout
  int sqlite_cache_kib = 2000;                 // SQLite page cache per connection (KiB)
};

struct RedisConfig {
  std::string url;  // redis://[:password@]host:port/db; empty = in-process cache and limits
};

struct AuthConfig {
  // HS256 signing keys "kid=secret,kid2=secret2" (secrets >= 32 bytes); empty = a random key per
  // process (development only: tokens die with the process and differ between replicas).
  std::string jwt_keys;
  std::string jwt_active_kid;   // the kid that signs new tokens; empty = the first key
  int access_token_ttl_s = 900;  // access-token lifetime (refresh tokens live 30 days)
  // How long a process reuses an API-key lookup; a key revoked through another replica stops
  // working there within this time (0 = look up on every request).
  int api_key_cache_ms = 2000;
  // Machine keys without a database row (seed 004's simple setup), also read from SIGNX_API_KEYS:
  // "name:key:org_id:scope|scope,..." (key >= 16 characters).
  std::string api_keys;
  // Reverse proxies whose X-Forwarded-For is believed for login throttling, as IPs or CIDRs
  // ("10.0.0.0/8,fd00::/8"); the client is the right-most address not in this list. Empty = the
  // TCP peer is the client (set it when SignX runs behind an ingress or load balancer).
  std::string trusted_proxies;
};

struct WebConfig {
  // Key for CSRF tokens and signed flash cookies; empty = random per process (forms break across
  // restarts; replicas behind one load balancer need the same key).
  std::string secret;
  bool secure_cookies = false;  // always mark cookies Secure (set when served over HTTPS)
};

struct LimitsConfig {
  // Per-principal limits by route group: "group=N/s|m|h,...". Routes name their group; seed 000
  // asks for 100 predictions per hour per key on the expensive prediction routes.
  std::string rate_limits = "predict=100/h,predict@org=1000/h";
  // Concurrent server-sent-event streams (/v1/events/stream, /activity/stream) one principal may
  // hold open on one replica; one more is refused with 429. 0 = unlimited.
  int sse_streams_per_principal = 5;
};

struct JobsConfig {
  int workers = 2;  // job-worker threads inside `signx serve`; 0 = none (run `signx worker`)
  int retention_days = 30;  // finished jobs older than this are deleted daily (jobs.retention)
};

// Lead scoring: where the model runs, and feedback monitoring (src/leads/monitoring.h).
struct LeadsConfig {
  std::string model_mode = "local";  // "local" (XGBoost in process) or "remote" (a KServe v2 server)
  // Remote mode: base URL of an Open Inference Protocol server (Triton, KServe, another SignX);
  // scoring calls POST {remote_url}/v2/models/{remote_model}/infer with encoded FP32 rows.
  std::string remote_url;
  std::string remote_model = "leads";       // model name on the remote server
  std::string remote_input = "input-0";     // name of the FP32 input tensor
  // How missing values travel to the remote: "binary" (Triton's binary tensor extension, NaN kept),
  // "null" (JSON null: SignX remotes only), or a number the remote model declares as missing.
  std::string remote_missing = "binary";
  int remote_timeout_ms = 2000;             // per remote call (connect + send + receive)
  // Remote mode: sent as X-API-Key (another SignX needs a key with leads:score); empty = none.
  std::string remote_api_key;
  std::string monitor_schedule = "@every 15m";  // leads.monitor job schedule (jobs/schedule.h)
  int monitor_window_days = 30;             // leads scored in the last N days are monitored
  int monitor_min_labelled = 50;            // outcomes needed before live AUC can alert
  double psi_warn = 0.1;                    // tier-distribution PSI above this: warn
  double psi_alert = 0.25;                  // above this: alert (model.drift_detected event)
  double min_auc = 0.7;                     // live AUC below this: alert
  // Scored leads queued for lead_scores before drops (~1.4 KB each). The writer takes the whole
  // queue in one transaction, so this also bounds a transaction: see docs/operations.md "Memory".
  int score_log_capacity = 20000;
};

// The analytics lake writer (src/lake/lake_writer.h): scored leads appended as Parquet.
// Every row goes through a durable spool under <data_dir>/lake/_spool first (docs/operations.md).
struct LakeConfig {
  int queue_rows = 20000;      // rows in memory not yet written to the spool before drops
  int flush_rows = 4000;       // a spool segment is converted to Parquet at this many rows
  int duckdb_memory_mb = 32;   // DuckDB buffer-pool limit of the writer
  // Memory of a conversion (docs/operations.md "Memory"): a spool segment is mapped whole while it
  // is converted, and DuckDB holds one Parquet row group while it encodes it.
  int segment_max_mb = 4;      // a spool segment is sealed for conversion at this size
  int row_group_rows = 2048;   // rows per Parquet row group (DuckDB's smallest)
  // The fsync policy: a machine crash loses at most the rows of the last sync_interval_ms or
  // sync_rows rows, whichever is first (a kill -9 only the rows not yet written, ~5 ms).
  int sync_interval_ms = 200;
  int sync_rows = 10000;
};

// Connectors to other systems (src/estimating/connector.h, docs/connectors.md). Keys are
// "connectors.keyedin.<name>" (env SIGNX_CONNECTORS_KEYEDIN_<NAME>).
struct ConnectorsConfig {
  // KeyedIn-style ERP: orders pulled as projects + cost records, estimates pushed back. Off while
  // the base URL is empty.
  std::string keyedin_base_url;                     // http(s)://host[:port][/prefix]
  std::string keyedin_api_token;                    // sent as "Authorization: Bearer <token>"
  std::string keyedin_org_id;                       // the SignX org the orders belong to
  std::string keyedin_sync_schedule = "@every 15m";  // estimating.keyedin_sync job schedule
  int keyedin_timeout_ms = 10000;                   // per HTTP call (connect + send + receive)
  int keyedin_page_size = 100;                      // orders per page of GET /api/v1/orders
};

// Outgoing webhooks (src/webhooks, docs/security.md "SSRF"). Endpoint URLs come from org admins,
// so deliveries only go to public addresses unless listed here.
struct WebhooksConfig {
  // Non-public ranges webhooks may still reach: comma-separated CIDRs or addresses
  // ("127.0.0.0/8,10.20.0.0/16,fd00::/8"). Empty = public addresses only (loopback, private,
  // link-local, CGNAT, ULA, multicast, reserved and documentation ranges are refused).
  std::vector<std::string> allow_private_cidrs;
  // Bytes of the endpoint's response body kept in the delivery log (0..1024); 0 = none (status and
  // timing only).
  int response_excerpt_bytes = 0;
  int max_endpoints_per_org = 25;  // webhook endpoints one org may register (1..10000)
  // Deliveries of one org a worker process runs at once (1..1000); more are deferred so one org's
  // slow or failing endpoints cannot hold every worker thread.
  int max_in_flight_per_org = 1;
};

// Outgoing e-mail (src/mail, docs/notifications.md "SMTP"). Used by notifications, studio
// (projects.email.send) and documents. Off while `url` is empty.
struct SmtpConfig {
  // smtp://host[:port] (STARTTLS is used when the server offers it) or smtps://host[:port]
  // (implicit TLS); empty = e-mail off.
  std::string url;
  std::string username;  // AUTH user; empty = no authentication
  std::string password;  // AUTH password
  // Envelope and header sender ("SignX <no-reply@example.com>" or a bare address); required
  // when url is set.
  std::string from;
  int connect_timeout_ms = 10000;  // TCP + TLS handshake
  int timeout_ms = 60000;          // the whole SMTP exchange of one message
  bool verify_tls = true;          // verify the server certificate and host name (smtps/STARTTLS)
  // Non-public ranges the SMTP host may resolve to (the webhook address policy: public addresses
  // only unless listed), e.g. "127.0.0.0/8" for a relay on the same host.
  std::vector<std::string> allow_private_cidrs;
  int max_message_bytes = 25 * 1024 * 1024;  // the encoded message, attachments included
};

// Studio (src/studio, docs/studio.md): the PM system approved projects are dispatched to (job
// projects.submit.dispatch). Off while the URL is empty. The URL goes through the webhooks' SSRF
// address policy (public addresses plus webhooks.allow_private_cidrs).
struct StudioConfig {
  std::string pm_url;          // http(s)://host[:port]/path the project JSON is POSTed to
  std::string pm_secret;       // HMAC-SHA256 key of the X-Signature header (as webhooks)
  int pm_timeout_ms = 10000;   // per attempt (connect + send + receive)
  int pm_max_attempts = 8;     // attempts before a dispatch is failed (queue backoff between)
};

// The optional LLM (src/llm, docs/documents.md "Optional LLM"): an OpenAI-compatible
// chat-completions server used through a router with two tiers. Off while `url` is empty (the
// default): every analysis is then the offline one. The URL goes through the SSRF address policy
// (public addresses only unless listed in allow_private_cidrs).
struct LlmConfig {
  // Base URL of an OpenAI-compatible API ("https://api.openai.com/v1", "http://10.0.0.5:8000/v1");
  // requests go to {url}/chat/completions. Empty = off.
  std::string url;
  std::string api_key;  // sent as "Authorization: Bearer <key>" (env SIGNX_LLM_API_KEY); "" = none
  int timeout_ms = 30000;  // one chat-completions call (connect + send + receive); then offline
  // Non-public ranges the LLM host may resolve to ("127.0.0.0/8" for a server on this machine).
  std::vector<std::string> allow_private_cidrs;
  // The small tier: summary_short, summary_medium and action_items on documents that fit.
  std::string small_model = "gpt-4o-mini";
  int small_max_input_tokens = 8000;       // documents estimated above this go to the large tier
  double small_price_in_per_1k = 0.00015;  // USD per 1000 prompt tokens (cost accounting)
  double small_price_out_per_1k = 0.0006;  // USD per 1000 completion tokens
  // The large tier: summary_detailed, and any task whose document is too big for the small tier.
  // Empty model = no large tier (those tasks stay offline).
  std::string large_model = "gpt-4o";
  int large_max_input_tokens = 100000;  // documents estimated above this stay offline
  double large_price_in_per_1k = 0.0025;
  double large_price_out_per_1k = 0.01;
  int max_output_tokens = 600;  // max_tokens asked for per answer
  // Tasks the LLM is used for (others stay offline): summary_short, summary_medium,
  // summary_detailed, action_items.
  std::vector<std::string> tasks = {"summary_short", "summary_medium", "summary_detailed"};
  // Tokens (prompt + completion, cache hits excluded) one org may use per calendar month (UTC);
  // over it the offline path answers and says so. 0 = no budget.
  int64_t monthly_token_budget_per_org = 2'000'000;
};

struct Config {
  std::string data_dir = "var";  // where blobs, indexes and the lake live
  ServerConfig server;
  LogConfig log;
  DatabaseConfig database;
  RedisConfig redis;
  JobsConfig jobs;
  AuthConfig auth;
  WebConfig web;
  LimitsConfig limits;
  LeadsConfig leads;
  LakeConfig lake;
  ConnectorsConfig connectors;
  WebhooksConfig webhooks;
  SmtpConfig smtp;
  StudioConfig studio;
  LlmConfig llm;
};

// Where a field's effective value came from.
enum class Source { kDefault, kFile, kEnv, kFlag };
std::string_view SourceName(Source s);

// The description of one field, for `signx config show` and docs.
struct FieldInfo {
  std::string key;   // "server.port"
  std::string env;   // "SIGNX_SERVER_PORT"
  std::string help;  // the comment from this header
  bool secret;       // redacted when shown
};
const std::vector<FieldInfo>& Fields();

struct LoadOptions {
  std::string file;                                         // JSON file; empty = none
  std::vector<std::pair<std::string, std::string>> flags;   // key=value overrides
  bool read_env = true;
  std::map<std::string, std::string> env_for_test;          // replaces getenv when non-empty
};

struct Loaded {
  Config config;
  std::map<std::string, Source> sources;  // key -> source of its value
};

// Builds the effective configuration; on failure a kValidationFailed status lists every bad field
// (unknown keys, unparsable values, out-of-range values) with its source.
Result<Loaded> Load(const LoadOptions& options);

// Checks ranges and cross-field rules of an assembled config.
std::vector<FieldError> Validate(const Config& config);

// The effective configuration as pretty JSON (loadable again with --config); secrets are "***".
std::string ToJson(const Config& config);
// One line per field: key, value, source, help; secrets redacted.
std::string ToTable(const Loaded& loaded);

}  // namespace signx::config

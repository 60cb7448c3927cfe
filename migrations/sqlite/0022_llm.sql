-- The optional LLM (src/llm, issue 18): one row per routed task in llm_usage (LLM answers, cache
-- hits and offline fallbacks, with tokens, cost and latency) for accounting and the per-org
-- monthly budget, and llm_cache, the answers keyed per org by the document's SHA-256, the task,
-- the tier and model and the prompt version. Timestamps BIGINT unix microseconds (UTC).

CREATE TABLE llm_usage (
  id TEXT PRIMARY KEY,                  -- llu_<ulid>
  org_id TEXT NOT NULL,
  task TEXT NOT NULL,                   -- summary_short, summary_medium, summary_detailed, action_items
  tier TEXT,                            -- small, large; NULL when no tier was chosen
  model TEXT,
  document_sha256 TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('llm', 'offline')),
  outcome TEXT NOT NULL,                -- ok, cache_hit, timeout, server_error, invalid_answer, ...
  cached INTEGER NOT NULL DEFAULT 0,    -- answered from llm_cache (no call)
  tokens_in BIGINT NOT NULL DEFAULT 0,  -- prompt tokens billed (0 for cache hits)
  tokens_out BIGINT NOT NULL DEFAULT 0, -- completion tokens billed
  cost_micro_usd BIGINT NOT NULL DEFAULT 0,  -- millionths of a US dollar
  latency_ms BIGINT NOT NULL DEFAULT 0,
  error TEXT,                           -- why the offline path answered
  created_at BIGINT NOT NULL
);
CREATE INDEX llm_usage_org_time ON llm_usage (org_id, created_at);

CREATE TABLE llm_cache (
  org_id TEXT NOT NULL,
  document_sha256 TEXT NOT NULL,
  task TEXT NOT NULL,
  tier TEXT NOT NULL,
  model TEXT NOT NULL,
  prompt_version TEXT NOT NULL,
  answer TEXT NOT NULL,
  tokens_in BIGINT NOT NULL,            -- what the answer cost when it was made
  tokens_out BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org_id, document_sha256, task, tier, model, prompt_version)
);

-- wrk script for bench/documents_search.sh: GET /v1/documents/search with a different query per
-- request (the BEIR queries in $QUERIES, URL-encoded, one per line; each wrk thread starts at its
-- own offset and walks the list), and p50/p95/p99 from wrk's latency histogram at the end.
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do queries[#queries + 1] = line end
local key = os.getenv("API_KEY")
local extra = os.getenv("EXTRA") or ""
local n = 0
local threads = {}

setup = function(thread)
  thread:set("offset", #threads * 997)
  table.insert(threads, thread)
end

request = function()
  n = n + 1
  local q = queries[((offset or 0) + n * 37) % #queries + 1]
  return wrk.format("GET", "/v1/documents/search?limit=10&q=" .. q .. extra,
                    {["X-API-Key"] = key})
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT req/s=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
                         "requests=%d non2xx=%d errors=%d\n",
                         summary.requests / secs, latency:percentile(50) / 1000,
                         latency:percentile(95) / 1000, latency:percentile(99) / 1000,
                         latency.max / 1000, summary.requests, summary.errors.status,
                         summary.errors.connect + summary.errors.read + summary.errors.write +
                           summary.errors.timeout))
end

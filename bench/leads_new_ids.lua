-- POSTs the lead batch in $BODY with every "lead_id" rewritten to an id never sent before, so each
-- score is a new lead's (the peer's bodies repeat the same 100 leads: a re-score with the same
-- result adds no score-history row, a new lead always does). Prints the WRKJSON line post.lua does.
--   BODY=…/batch-100.json API_KEY=… wrk -t2 -c8 -d15s -s bench/leads_new_ids.lua \
--     http://127.0.0.1:PORT/v1/leads/score/batch
local f = assert(io.open(os.getenv("BODY"), "r"))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("API_KEY") or "bench-key"

local threads = {}
local next_thread = 0
function setup(thread)
  next_thread = next_thread + 1
  thread:set("tid", next_thread)
  table.insert(threads, thread)
end

local sent = 0
local run = tostring(os.time())
function request()
  sent = sent + 1
  local suffix = "-" .. run .. "-" .. tid .. "-" .. sent
  local b = body:gsub('"lead_id"%s*:%s*"([^"]*)"', function(id)
    return '"lead_id":"' .. id .. suffix .. '"'
  end)
  return wrk.format(nil, nil, nil, b)
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'WRKJSON {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"non2xx":%d,' ..
    '"socket_errors":%d}\n', summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status,
    e.connect + e.read + e.write))
end

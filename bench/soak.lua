-- wrk script for bench/soak.sh: mixed API traffic, 70 % POST /v1/leads/score (a lead id out of
-- 50,000, random visits and time on site, so lead_scores keeps being upserted) and 30 % POST
-- /v1/estimates/predict (a random valid sign spec, so the answer cache rarely hits). API_KEY
-- authenticates (scopes leads:score, estimates:predict). Each connection waits DELAY_MS (default
-- 5) before each request, so 4 connections send at most ~800 requests/s: a steady load, not a
-- saturated server (a soak looks for growth, not for the maximum rate).
local key = os.getenv("API_KEY") or ""
local delay_ms = tonumber(os.getenv("DELAY_MS") or "5")
local origins = {"API", "Landing Page Submission", "Lead Add Form", "Lead Import"}
local sources = {"Google", "Direct Traffic", "Olark Chat", "Organic Search", "Reference"}
local mats = {"aluminum", "acm", "steel", "hdpe"}
local lights = {"internal_led", "none", "halo", "external"}

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init(args)
  math.randomseed(seed or os.time())
end

function delay()
  return delay_ms
end

local headers = {["Content-Type"] = "application/json", ["X-API-Key"] = key}

function request()
  if math.random() < 0.7 then
    local body = string.format(
      '{"lead_id": "soak-%d", "lead_origin": "%s", "lead_source": "%s", "total_visits": %d, ' ..
      '"total_time_spent_on_website": %d, "page_views_per_visit": %.1f}',
      math.random(1, 50000), origins[math.random(#origins)], sources[math.random(#sources)],
      math.random(0, 30), math.random(0, 2500), math.random() * 8)
    return wrk.format("POST", "/v1/leads/score", headers, body)
  end
  local h = math.random(12, 120)
  local body = string.format(
    '{"width_in": %d, "height_in": %d, "wind_speed_mph": %d, "material": "%s", ' ..
    '"sign_type": "pylon", "mounting_type": "pole", "foundation_type": "drilled_pier", ' ..
    '"illumination": "%s", "faces": %d, "sign_height_ft": %d, "region_index": %.2f}',
    math.random(24, 240), h, math.random(90, 150), mats[math.random(#mats)],
    lights[math.random(#lights)], math.random(1, 2), math.random(math.ceil(h / 12) + 1, 30),
    0.8 + math.random() * 0.5)
  return wrk.format("POST", "/v1/estimates/predict", headers, body)
end

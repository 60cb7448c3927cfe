-- wrk script for bench/engineering_http.sh: POST /v1/engineering/sign-wind. By default a
-- different valid sign on every request (V, B, s, h, exposure, soil class, footing drawn at
-- random from ~10^9 combinations), so the answer cache almost never hits and every request
-- validates, computes the traced calculation and serialises it. SAME_SIGN=1 sends the W4 pylon
-- every time (the cached path). API_KEY authenticates.
local key = os.getenv("API_KEY") or ""
local same = os.getenv("SAME_SIGN") == "1"
local exposures = {"B", "C", "D"}
local codes = {"ASCE7-16", "ASCE7-22"}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = key

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init(args)
  math.randomseed(seed or os.time())
end

local fixed = '{"code": "ASCE7-16", "wind_speed_mph": 115, "exposure": "C", ' ..
  '"sign_width_ft": 8, "sign_height_ft": 6, "top_height_ft": 20, "soil_class": 4, ' ..
  '"footing_diameter_ft": 2}'

function request()
  if same then return wrk.format(nil, nil, nil, fixed) end
  local s = math.random(20, 120) / 10
  local body = string.format(
    '{"code": "%s", "wind_speed_mph": %d, "exposure": "%s", "sign_width_ft": %.1f, ' ..
    '"sign_height_ft": %.1f, "top_height_ft": %.1f, "soil_class": %d, ' ..
    '"footing_diameter_ft": %.1f, "isolated_pole": %s}',
    codes[math.random(#codes)], math.random(90, 200), exposures[math.random(#exposures)],
    s * math.random(5, 120) / 10, s, s + math.random(0, 300) / 10, math.random(1, 5),
    math.random(15, 40) / 10, math.random(2) == 1 and "true" or "false")
  return wrk.format(nil, nil, nil, body)
end

-- wrk script for bench/estimates.sh: POST /v1/estimates/predict with a different valid sign spec
-- on every request (width, height, wind speed, sign height above the face height, material,
-- illumination, region drawn at random), so the
-- server's answer cache (20,000 entries by spec hash) almost never hits. SAME_SPEC=1 sends one
-- fixed spec instead (measures the cached path). API_KEY authenticates.
local key = os.getenv("API_KEY") or ""
local same = os.getenv("SAME_SPEC") == "1"
local types = {
  {"monument", "ground", "spread_footing", ', "base_material": "masonry"'},
  {"monument", "ground", "spread_footing", ', "base_material": "hdu_foam"'},
  {"pylon", "pole", "drilled_pier", ""},
}
local mats = {"aluminum", "acm", "steel", "hdpe"}
local lights = {"internal_led", "none", "halo", "external"}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = key

function setup(thread)
  thread:set("seed", math.random(1, 1e9))
end

function init(args)
  math.randomseed(seed or os.time())
end

local fixed = '{"width_in": 96, "height_in": 48, "wind_speed_mph": 115, "material": "aluminum", ' ..
  '"sign_type": "monument", "mounting_type": "ground", "foundation_type": "spread_footing", ' ..
  '"illumination": "internal_led", "faces": 2, "sign_height_ft": 6, "base_material": "masonry", ' ..
  '"region_index": 1.05}'

function request()
  if same then return wrk.format(nil, nil, nil, fixed) end
  local t = types[math.random(#types)]
  local h = math.random(12, 120)
  local body = string.format(
    '{"width_in": %d, "height_in": %d, "wind_speed_mph": %d, "material": "%s", ' ..
    '"sign_type": "%s", "mounting_type": "%s", "foundation_type": "%s", "illumination": "%s", ' ..
    '"faces": %d, "sign_height_ft": %d%s, "region_index": %.2f}',
    math.random(24, 240), h, math.random(90, 150), mats[math.random(#mats)],
    t[1], t[2], t[3], lights[math.random(#lights)], math.random(1, 2),
    math.random(math.ceil(h / 12) + 1, 30), t[4],
    0.8 + math.random() * 0.5)
  return wrk.format(nil, nil, nil, body)
end

#include "http/router.h"

#include <algorithm>

#include "base/check.h"
#include "base/strings.h"

namespace signx::http {
namespace {

// The non-empty segments of `path`, as views into it, into `out` (cleared first; no allocation
// once `out` has grown: Find runs per request).
void SplitPath(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
}

bool IsParam(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}
bool IsRest(const std::string& seg) { return IsParam(seg) && seg.ends_with("...}"); }
std::string ParamName(const std::string& seg) {
  return IsRest(seg) ? seg.substr(1, seg.size() - 5) : seg.substr(1, seg.size() - 2);
}

// Score of a match: more literal segments (earlier ones weigh more) wins. -1 = no match.
int MatchScore(const Route& r, const std::vector<std::string_view>& parts,
               std::map<std::string, std::string>* params) {
  using Segment = Route::Segment;
  const auto& segs = r.segments;
  const bool has_rest = !r.kinds.empty() && r.kinds.back() == Segment::kRest;
  if (has_rest ? parts.size() < segs.size() : parts.size() != segs.size()) return -1;
  int score = 0;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::string& s = segs[i];
    switch (r.kinds[i]) {
      case Segment::kRest:
        if (params) {
          std::string rest;
          for (std::size_t j = i; j < parts.size(); ++j) {
            if (j > i) rest += '/';
            rest += PercentDecode(parts[j], false).value_or(std::string(parts[j]));
          }
          (*params)[ParamName(s)] = rest;
        }
        return score;
      case Segment::kParam:
        if (params) {
          (*params)[ParamName(s)] = PercentDecode(parts[i], false).value_or(std::string(parts[i]));
        }
        break;
      case Segment::kLiteral:
        if (s != parts[i]) return -1;
        score += 1 << std::max(0, 16 - static_cast<int>(i));
        break;
    }
  }
  return score;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, RouteMeta meta, Handler handler) {
  SIGNX_CHECK(!meta.permission.empty(),
              "route " + method + " " + pattern + " must declare a permission (or http::kPublic)");
  SIGNX_CHECK(pattern.starts_with("/"), "route pattern must start with '/': " + pattern);
  for (const auto& r : routes_) {
    SIGNX_CHECK(!(r.method == method && r.pattern == pattern),
                "duplicate route " + method + " " + pattern);
  }
  std::vector<std::string_view> segments;
  SplitPath(pattern, segments);
  Route r{std::move(method),
          pattern,
          std::move(meta),
          std::move(handler),
          std::vector<std::string>(segments.begin(), segments.end()),
          {}};
  for (std::size_t i = 0; i < r.segments.size(); ++i) {
    const std::string& seg = r.segments[i];
    SIGNX_CHECK(!IsRest(seg) || i + 1 == r.segments.size(),
                "{name...} must be the last segment: " + pattern);
    r.kinds.push_back(IsRest(seg)    ? Route::Segment::kRest
                      : IsParam(seg) ? Route::Segment::kParam
                                     : Route::Segment::kLiteral);
  }
  const auto index = static_cast<std::uint32_t>(routes_.size());
  if (r.kinds.size() >= 2 && r.kinds[0] == Route::Segment::kLiteral &&
      r.kinds[1] == Route::Segment::kLiteral) {
    by_prefix_[r.segments[0]][r.segments[1]].push_back(index);
  } else {
    any_prefix_.push_back(index);
  }
  routes_.push_back(std::move(r));
}

Match Router::Find(std::string_view method, std::string_view path) const {
  thread_local std::vector<std::string_view> parts;
  SplitPath(path, parts);
  Match m;
  int best = -1;
  // The candidates: the routes of the path's two-segment prefix and those with any prefix,
  // merged in the order they were added (ties go to the first added, as over all routes).
  static const std::vector<std::uint32_t> kNone;
  const std::vector<std::uint32_t>* prefixed = &kNone;
  if (parts.size() >= 2) {
    if (auto first = by_prefix_.find(parts[0]); first != by_prefix_.end()) {
      if (auto second = first->second.find(parts[1]); second != first->second.end()) {
        prefixed = &second->second;
      }
    }
  }
  auto a = prefixed->begin(), b = any_prefix_.begin();
  while (a != prefixed->end() || b != any_prefix_.end()) {
    const std::uint32_t i =
        b == any_prefix_.end() || (a != prefixed->end() && *a < *b) ? *a++ : *b++;
    const Route& r = routes_[i];
    const int score = MatchScore(r, parts, nullptr);
    if (score < 0) continue;
    if (r.method != method) {
      if (std::find(m.allowed_methods.begin(), m.allowed_methods.end(), r.method) ==
          m.allowed_methods.end()) {
        m.allowed_methods.push_back(r.method);
      }
      continue;
    }
    if (score > best) {
      best = score;
      m.route = &r;
    }
  }
  if (m.route) {
    MatchScore(*m.route, parts, &m.params);
    m.allowed_methods.clear();
  } else {
    std::sort(m.allowed_methods.begin(), m.allowed_methods.end());
  }
  return m;
}

}  // namespace signx::http

#include "studio/json_patch.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <vector>

#include "base/strings.h"
#include "studio/canonical_json.h"

namespace signx::studio {
namespace {

namespace json = boost::json;

bool IsNumber(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }

bool SameScalar(const json::value& a, const json::value& b) {
  if (IsNumber(a) && IsNumber(b)) {
    auto ca = CanonicalJson(a), cb = CanonicalJson(b);
    return ca.ok() && cb.ok() && *ca == *cb;
  }
  return a == b;
}

void Diff(const json::value& a, const json::value& b, const std::string& path, json::array& out) {
  if (a.is_object() && b.is_object()) {
    const json::object& ao = a.get_object();
    const json::object& bo = b.get_object();
    std::vector<std::string> keys;
    for (const auto& kv : ao) keys.emplace_back(kv.key());
    for (const auto& kv : bo) {
      if (!ao.contains(kv.key())) keys.emplace_back(kv.key());
    }
    std::sort(keys.begin(), keys.end());
    for (const std::string& k : keys) {
      const std::string p = path + "/" + EscapePointerToken(k);
      const json::value* av = ao.if_contains(k);
      const json::value* bv = bo.if_contains(k);
      if (av && !bv) {
        out.push_back(json::object{{"op", "remove"}, {"path", p}});
      } else if (!av && bv) {
        out.push_back(json::object{{"op", "add"}, {"path", p}, {"value", *bv}});
      } else {
        Diff(*av, *bv, p, out);
      }
    }
    return;
  }
  if (a.is_array() && b.is_array()) {
    const json::array& aa = a.get_array();
    const json::array& ba = b.get_array();
    const std::size_t common = std::min(aa.size(), ba.size());
    for (std::size_t i = 0; i < common; ++i) {
      Diff(aa[i], ba[i], fmt::format("{}/{}", path, i), out);
    }
    for (std::size_t i = common; i < ba.size(); ++i) {
      out.push_back(
          json::object{{"op", "add"}, {"path", fmt::format("{}/{}", path, i)}, {"value", ba[i]}});
    }
    for (std::size_t i = aa.size(); i > common; --i) {
      out.push_back(json::object{{"op", "remove"}, {"path", fmt::format("{}/{}", path, i - 1)}});
    }
    return;
  }
  if (a.kind() == b.kind() || (IsNumber(a) && IsNumber(b))) {
    if (!a.is_object() && !a.is_array() && SameScalar(a, b)) return;
  }
  out.push_back(json::object{{"op", "replace"}, {"path", path}, {"value", b}});
}

std::vector<std::string> Tokens(std::string_view pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  pointer.remove_prefix(1);
  for (auto part : Split(pointer, '/')) {
    std::string t;
    for (std::size_t i = 0; i < part.size(); ++i) {
      if (part[i] == '~' && i + 1 < part.size()) {
        t += part[i + 1] == '1' ? '/' : '~';
        ++i;
      } else {
        t += part[i];
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::optional<std::size_t> Index(const std::string& token, std::size_t size, bool for_add) {
  if (for_add && token == "-") return size;
  auto n = ParseInt(token);
  if (!n || *n < 0) return std::nullopt;
  const auto i = static_cast<std::size_t>(*n);
  if (i > size || (!for_add && i == size)) return std::nullopt;
  return i;
}

}  // namespace

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

json::array JsonPatchDiff(const json::value& from, const json::value& to) {
  json::array out;
  Diff(from, to, "", out);
  return out;
}

Result<json::value> JsonPatchApply(json::value doc, const json::array& patch) {
  for (std::size_t n = 0; n < patch.size(); ++n) {
    auto fail = [&](std::string_view why) {
      return InvalidArgument(fmt::format("patch[{}]: {}", n, why));
    };
    if (!patch[n].is_object()) return fail("must be an object");
    const json::object& op = patch[n].get_object();
    const json::value* opv = op.if_contains("op");
    const json::value* pathv = op.if_contains("path");
    if (!opv || !opv->is_string() || !pathv || !pathv->is_string()) {
      return fail("needs op and path strings");
    }
    const std::string_view name = opv->get_string();
    const std::vector<std::string> tokens = Tokens(pathv->get_string());
    const json::value* value = op.if_contains("value");
    if ((name == "add" || name == "replace" || name == "test") && !value) {
      return fail("needs a value");
    }
    if (tokens.empty()) {
      if (name == "add" || name == "replace") {
        doc = *value;
        continue;
      }
      if (name == "test") {
        if (!SameScalar(doc, *value) && doc != *value) return fail("test failed");
        continue;
      }
      return fail("cannot remove the whole document");
    }
    json::value* parent = &doc;
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
      if (parent->is_object()) {
        parent = parent->get_object().if_contains(tokens[i]);
      } else if (parent->is_array()) {
        auto idx = Index(tokens[i], parent->get_array().size(), false);
        parent = idx ? &parent->get_array()[*idx] : nullptr;
      } else {
        parent = nullptr;
      }
      if (!parent) return fail(fmt::format("path {} does not exist", pathv->get_string()));
    }
    const std::string& last = tokens.back();
    if (parent->is_object()) {
      json::object& o = parent->get_object();
      if (name == "add") {
        o[last] = *value;
      } else if (name == "remove" || name == "replace") {
        if (!o.contains(last)) return fail(fmt::format("{} does not exist", pathv->get_string()));
        if (name == "remove") {
          o.erase(last);
        } else {
          o[last] = *value;
        }
      } else if (name == "test") {
        const json::value* cur = o.if_contains(last);
        if (!cur || (!SameScalar(*cur, *value) && *cur != *value)) return fail("test failed");
      } else {
        return fail(fmt::format("op {} is not supported", name));
      }
    } else if (parent->is_array()) {
      json::array& a = parent->get_array();
      auto idx = Index(last, a.size(), name == "add");
      if (!idx) return fail(fmt::format("{} is out of range", pathv->get_string()));
      if (name == "add") {
        a.insert(a.begin() + static_cast<std::ptrdiff_t>(*idx), *value);
      } else if (name == "remove") {
        a.erase(a.begin() + static_cast<std::ptrdiff_t>(*idx));
      } else if (name == "replace") {
        a[*idx] = *value;
      } else if (name == "test") {
        if (!SameScalar(a[*idx], *value) && a[*idx] != *value) return fail("test failed");
      } else {
        return fail(fmt::format("op {} is not supported", name));
      }
    } else {
      return fail(fmt::format("{} is not inside an object or array", pathv->get_string()));
    }
  }
  return doc;
}

}  // namespace signx::studio

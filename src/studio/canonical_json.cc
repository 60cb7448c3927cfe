#include "studio/canonical_json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <vector>

#include "base/sha256.h"
#include "base/strings.h"

namespace signx::studio {
namespace {

namespace json = boost::json;

// UTF-16 code units of a UTF-8 string (for the member sort order). Invalid bytes count as
// themselves (Boost.JSON only hands us valid UTF-8).
std::u16string Utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = c;
    int len = 1;
    if (c >= 0xF0 && i + 3 < s.size()) {
      cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
      len = 4;
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      len = 3;
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      len = 2;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += static_cast<std::size_t>(len);
  }
  return out;
}

Status Append(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return Status::Ok();
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return Status::Ok();
    case json::kind::int64:
      out += EcmaNumber(static_cast<double>(v.get_int64()));
      return Status::Ok();
    case json::kind::uint64:
      out += EcmaNumber(static_cast<double>(v.get_uint64()));
      return Status::Ok();
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) return InvalidArgument("JSON has no NaN or infinity");
      out += EcmaNumber(d);
      return Status::Ok();
    }
    case json::kind::string:
      AppendJsonString(out, v.get_string());
      return Status::Ok();
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        SIGNX_RETURN_IF_ERROR(Append(out, e));
      }
      out += ']';
      return Status::Ok();
    }
    case json::kind::object: {
      const json::object& o = v.get_object();
      std::vector<std::pair<std::u16string, const json::key_value_pair*>> members;
      members.reserve(o.size());
      for (const auto& kv : o) members.emplace_back(Utf16(kv.key()), &kv);
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (const auto& [key16, kv] : members) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, kv->key());
        out += ':';
        SIGNX_RETURN_IF_ERROR(Append(out, kv->value()));
      }
      out += '}';
      return Status::Ok();
    }
  }
  return Status::Ok();
}

}  // namespace

std::string EcmaNumber(double d) {
  if (d == 0) return "0";  // also -0
  std::string out;
  if (d < 0) {
    out += '-';
    d = -d;
  }
  // Shortest round-trip digits in scientific form: "d.ddde+XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exp10 = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // the decimal point sits after n digits
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<std::size_t>(n));
    out += '.';
    out += digits.substr(static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

Result<std::string> CanonicalJson(const boost::json::value& value) {
  std::string out;
  SIGNX_RETURN_IF_ERROR(Append(out, value));
  return out;
}

Result<std::string> CanonicalSha256(const boost::json::value& value) {
  SIGNX_ASSIGN_OR_RETURN(std::string text, CanonicalJson(value));
  return Sha256Hex(text);
}

}  // namespace signx::studio

#include "pdf/encoding.h"

#include <cstdint>

namespace signx::pdf {
namespace {

// Windows-1252 0x80-0x9F: the Unicode code point of each byte (0 = unassigned).
constexpr char32_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Latin Extended-A (U+0100-U+017F) without its diacritics. The letters that Windows-1252 has
// (Œ œ Š š Ÿ Ž ž) are found in kCp1252High first.
constexpr std::string_view kLatinExtendedA =
    "AaAaAaCcCcCcCcDd"
    "DdEeEeEeEeEeGgGg"
    "GgGgHhHhIiIiIiIi"
    "IiIiJjKkkLlLlLlL"
    "lLlNnNnNnnNnOoOo"
    "OoOoRrRrRrSsSsSs"
    "SsTtTtTtUuUuUuUu"
    "UuUuWwYyYZzZzZzs";
static_assert(kLatinExtendedA.size() == 0x80);

// Decodes one code point at s[*i], advancing *i. Returns U+FFFD (and advances by one byte) on
// invalid UTF-8: a bad lead byte, a missing or bad continuation, an overlong form, a surrogate or
// a value above U+10FFFF.
char32_t Decode(std::string_view s, std::size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++*i;
    return 0xFFFD;
  }
  if (*i + len > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  constexpr char32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return 0xFFFD;
  }
  *i += len;
  return cp;
}

// Appends the Windows-1252 form of `cp` to `out`.
void Append(char32_t cp, std::string& out) {
  if (cp == '\n') {
    out += '\n';
    return;
  }
  if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {  // control characters
    out += ' ';
    return;
  }
  if (cp < 0x100) {  // ASCII and Latin-1 are the same bytes in Windows-1252
    out += static_cast<char>(cp);
    return;
  }
  for (int k = 0; k < 32; ++k) {
    if (kCp1252High[k] == cp) {
      out += static_cast<char>(0x80 + k);
      return;
    }
  }
  if (cp >= 0x100 && cp < 0x180) {
    out += kLatinExtendedA[cp - 0x100];
    return;
  }
  if (cp >= 0x300 && cp < 0x370) return;  // combining marks: keep the base letter alone
  switch (cp) {
    case 0x200B:  // zero-width space, non-joiner, joiner; word joiner; BOM
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
      return;
    case 0x2002:  // en, em, thin, hair, narrow no-break, medium mathematical, ideographic spaces
    case 0x2003:
    case 0x2004:
    case 0x2005:
    case 0x2006:
    case 0x2007:
    case 0x2008:
    case 0x2009:
    case 0x200A:
    case 0x202F:
    case 0x205F:
    case 0x3000:
    case 0x2028:  // line and paragraph separators
    case 0x2029:
      out += ' ';
      return;
    case 0x2010:  // hyphen, non-breaking hyphen, figure dash, minus sign
    case 0x2011:
    case 0x2012:
    case 0x2212:
      out += '-';
      return;
    case 0x2015:  // horizontal bar
      out += '\x97';
      return;
    case 0x2032:  // prime (feet)
    case 0x201B:
      out += '\'';
      return;
    case 0x2033:  // double prime (inches)
    case 0x201F:
      out += '"';
      return;
    case 0x2264:
      out += "<=";
      return;
    case 0x2265:
      out += ">=";
      return;
    case 0x2260:
      out += "!=";
      return;
    case 0x2248:
    case 0x223C:
      out += '~';
      return;
    case 0x2190:
      out += "<-";
      return;
    case 0x2192:
      out += "->";
      return;
    case 0x2024:
      out += '.';
      return;
    case 0x2044:
    case 0x2215:
      out += '/';
      return;
    case 0x2300:  // diameter sign
      out += '\xD8';
      return;
    case 0x03BC:  // Greek mu, as in "μm"
      out += '\xB5';
      return;
    default:
      out += '?';
  }
}

}  // namespace

std::string ToWinAnsi(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) Append(Decode(utf8, &i), out);
  return out;
}

}  // namespace signx::pdf

// Text encoding for the PDF base-14 fonts: UTF-8 in, WinAnsiEncoding (Windows-1252) bytes out.
//
// The built-in Helvetica fonts can show only the 218 characters of Windows-1252. ToWinAnsi maps
// every input so that nothing is lost silently in a way a reader could misread and nothing ever
// fails:
//   * each character of Windows-1252 becomes its byte: ASCII, Latin-1 (U+00A0-U+00FF: é ü ñ ° ± ×
//     ² ½ ...) and the 27 extra ones in 0x80-0x9F (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š
//     › œ ž Ÿ);
//   * common characters outside it are transliterated: Latin Extended-A letters (Ł ő č ş ...) to
//     their base letter, ′ ″ (feet and inches) to ' and ", ‐ ‑ ‒ − to -, ― to —, ≤ ≥ ≠ ≈ to <= >=
//     !=
//     ~, ← → to <- ->, ⁄ ∕ to /, ⌀ (diameter) to Ø, Greek μ to µ, the typographic spaces to a
//     space; zero-width characters, the BOM and combining marks (U+0300-U+036F) are dropped, so a
//     decomposed "é" prints as "e";
//   * anything else (CJK, Cyrillic, emoji, ...) and every byte of invalid UTF-8 becomes '?';
//   * '\n' is kept (paragraphs break lines there); '\t' and the other control characters (C0, DEL,
//     C1) become a space. The output never contains a NUL byte.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace signx::pdf {

// Converts UTF-8 text to Windows-1252 bytes as described above.
std::string ToWinAnsi(std::string_view utf8);

}  // namespace signx::pdf

// Personal data in text: e-mail addresses, phone numbers, US social security numbers, payment
// card numbers (13-19 digits that pass the Luhn check) and street addresses. Redact replaces
// each with a tag ("[EMAIL]", "[PHONE]", "[SSN]", "[CARD]", "[ADDRESS]"); it is the gate every
// piece of document text passes before it leaves SignX (an external LLM, a webhook payload, a
// model card), so nothing of a document's personal data reaches a third party.
//
// Thread-safety: pure functions (the patterns are compiled once, thread-safely).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace signx::documents {

struct PiiSpan {
  std::string kind;  // "email", "phone", "ssn", "card", "address"
  std::size_t start = 0;
  std::size_t end = 0;  // byte offsets, [start, end)
};

// True when the digits of `number` (spaces and dashes ignored) pass the Luhn check.
bool LuhnValid(std::string_view number);

// Every match, in text order, without overlaps (the earlier / longer match wins).
std::vector<PiiSpan> FindPii(std::string_view text);

struct Redacted {
  std::string text;
  std::vector<PiiSpan> spans;  // offsets into the ORIGINAL text
};
Redacted Redact(std::string_view text);

}  // namespace signx::documents

#include "leads/lake_rows.h"

#include <cstring>
#include <string>
#include <utility>

namespace signx::leads {

lake::DatasetSchema LeadScoresDataset() {
  using lake::ColumnType;
  return {.name = "lead_scores",
          .columns = {{"scored_at", ColumnType::kTimestamp},
                      {"request_id", ColumnType::kString},
                      {"model_version", ColumnType::kString},
                      {"lead_id", ColumnType::kString},
                      {"score", ColumnType::kDouble},
                      {"bucket", ColumnType::kInt64},
                      {"tier", ColumnType::kString},
                      {"features", ColumnType::kString}},
          .partition_by = "scored_at"};
}

lake::Row LeadScoreLakeRow(Timestamp scored_at, std::string_view request_id, const LeadScore& score,
                           std::string features) {
  // Built in place: a braced list would copy every value, the features text included.
  lake::Row row;
  row.reserve(8);
  row.emplace_back(scored_at);
  row.emplace_back(std::string(request_id));
  row.emplace_back(score.model_version);
  row.emplace_back(score.lead_id);
  row.emplace_back(score.score);
  row.emplace_back(int64_t{score.bucket});
  row.emplace_back(std::string(1, score.tier));
  row.emplace_back(std::move(features));
  return row;
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The index just past the string that starts at json[i] == '"': the next quote not escaped by
// an odd run of backslashes (memchr finds the quotes).
std::size_t SkipString(std::string_view json, std::size_t i) {
  const char* const data = json.data();
  for (++i; i < json.size();) {
    const void* q = std::memchr(data + i, '"', json.size() - i);
    if (q == nullptr) return json.size();
    const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(q) - data);
    std::size_t slashes = 0;
    while (at - slashes > i && data[at - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return at + 1;
    i = at + 1;
  }
  return json.size();
}

// The index just past the value that starts at json[i] (not whitespace). `*spaced` is set when
// the value holds whitespace between its tokens.
std::size_t SkipValue(std::string_view json, std::size_t i, bool* spaced) {
  const char* const p = json.data();
  const std::size_t n = json.size();
  int depth = 0;
  for (; i < n; ++i) {
    const char c = p[i];
    if (c == '"') {
      i = SkipString(json, i) - 1;
      if (depth == 0) return i + 1;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) return i;  // the end of the enclosing array or object
      if (--depth == 0) return i + 1;
    } else if (c == ',' || IsSpace(c)) {
      if (depth == 0) return i;  // end of a number, true, false or null
      if (c != ',') *spaced = true;
    }
  }
  return n;
}

std::size_t SkipSpace(std::string_view json, std::size_t i) {
  while (i < json.size() && IsSpace(json[i])) ++i;
  return i;
}

struct Element {
  std::string_view text;
  bool spaced = false;  // whitespace between its tokens
};

// The elements of the array under the top-level key `key` (MinifiedArrayElements' contract).
std::optional<std::vector<Element>> ArrayElements(std::string_view json, std::string_view key) {
  std::size_t i = SkipSpace(json, 0);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  std::optional<std::vector<Element>> found;
  i = SkipSpace(json, i + 1);
  bool ignored = false;
  while (i < json.size() && json[i] == '"') {
    const std::size_t key_end = SkipString(json, i);
    const std::string_view name = json.substr(i + 1, key_end - i - 2);
    i = SkipSpace(json, key_end);
    if (i >= json.size() || json[i] != ':') return std::nullopt;
    i = SkipSpace(json, i + 1);
    if (name.find('\\') != std::string_view::npos) return std::nullopt;  // an escaped key
    if (name == key) {
      if (found || i >= json.size() || json[i] != '[') return std::nullopt;
      found.emplace();
      i = SkipSpace(json, i + 1);
      if (i < json.size() && json[i] == ']') {
        ++i;
      } else {
        while (i < json.size()) {
          Element e;
          const std::size_t end = SkipValue(json, i, &e.spaced);
          e.text = json.substr(i, end - i);
          found->push_back(e);
          i = SkipSpace(json, end);
          if (i < json.size() && json[i] == ',') {
            i = SkipSpace(json, i + 1);
            continue;
          }
          if (i < json.size() && json[i] == ']') ++i;
          break;
        }
      }
    } else {
      i = SkipValue(json, i, &ignored);
    }
    i = SkipSpace(json, i);
    if (i < json.size() && json[i] == ',') i = SkipSpace(json, i + 1);
  }
  return found;
}

}  // namespace

std::string MinifiedJson(std::string_view json) {
  // Written through a pointer into a buffer of the input's size (no capacity check per byte),
  // then cut to what was written.
  std::string out(json.size(), '\0');
  char* const begin = out.data();
  char* w = begin;
  const char* const p = json.data();
  for (std::size_t i = 0; i < json.size();) {
    const char c = p[i];
    if (c == '"') {
      const std::size_t end = SkipString(json, i);
      std::memcpy(w, p + i, end - i);
      w += end - i;
      i = end;
    } else {
      *w = c;
      w += IsSpace(c) ? 0 : 1;
      ++i;
    }
  }
  out.resize(static_cast<std::size_t>(w - begin));
  return out;
}

std::optional<std::vector<std::string>> MinifiedArrayElements(std::string_view json,
                                                              std::string_view key) {
  auto elements = ArrayElements(json, key);
  if (!elements) return std::nullopt;
  std::vector<std::string> out;
  out.reserve(elements->size());
  for (const Element& e : *elements) {
    out.push_back(e.spaced ? MinifiedJson(e.text) : std::string(e.text));
  }
  return out;
}

}  // namespace signx::leads

// One page of a keyset-paginated list, and how a store makes it: fetch limit + 1 rows in key
// order, then TrimPage. The HTTP side (query parsing, the {items, next_cursor} envelope) is
// http/pagination.h. Thread-safety: value types and a pure function.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace signx {

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;  // "" on the last page
};

// Keeps the first `limit` of `rows` (fetched with LIMIT limit + 1) and, when there were more,
// sets next_cursor to `cursor_of` the last kept row.
template <typename T, typename F>
Page<T> TrimPage(std::vector<T> rows, int limit, F&& cursor_of) {
  Page<T> page;
  if (rows.size() > static_cast<std::size_t>(limit)) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next_cursor = cursor_of(rows.back());
  }
  page.items = std::move(rows);
  return page;
}

}  // namespace signx

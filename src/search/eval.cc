#include "search/eval.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <functional>

#include "base/strings.h"

namespace signx::search {

double NdcgAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& judged,
              std::size_t k) {
  std::vector<int> grades;
  for (const auto& [id, g] : judged) {
    if (g > 0) grades.push_back(g);
  }
  if (grades.empty()) return 0;
  std::sort(grades.rbegin(), grades.rend());
  double ideal = 0;
  for (std::size_t i = 0; i < grades.size() && i < k; ++i) {
    ideal += grades[i] / std::log2(static_cast<double>(i) + 2);
  }
  double dcg = 0;
  for (std::size_t i = 0; i < ranking.size() && i < k; ++i) {
    auto it = judged.find(ranking[i]);
    if (it != judged.end() && it->second > 0) {
      dcg += it->second / std::log2(static_cast<double>(i) + 2);
    }
  }
  return dcg / ideal;
}

double RecallAt(const std::vector<std::string>& ranking, const std::map<std::string, int>& judged,
                std::size_t k) {
  std::size_t relevant = 0;
  for (const auto& [id, g] : judged) relevant += g > 0 ? 1 : 0;
  if (relevant == 0) return 0;
  std::size_t found = 0;
  for (std::size_t i = 0; i < ranking.size() && i < k; ++i) {
    auto it = judged.find(ranking[i]);
    if (it != judged.end() && it->second > 0) ++found;
  }
  return static_cast<double>(found) / static_cast<double>(relevant);
}

namespace {

Status ForEachLine(const std::string& path,
                   const std::function<Status(std::string_view, std::size_t)>& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read '{}'", path));
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (Trim(line).empty()) continue;
    SIGNX_RETURN_IF_ERROR(fn(line, n));
  }
  return Status::Ok();
}

std::string JsonString(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return "";
}

Result<boost::json::object> ParseObject(std::string_view line, const std::string& path,
                                        std::size_t n) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) {
    return InvalidArgument(fmt::format("{}:{}: not a JSON object", path, n));
  }
  return std::move(v.get_object());
}

}  // namespace

Result<Qrels> ReadQrels(const std::string& path) {
  Qrels qrels;
  SIGNX_RETURN_IF_ERROR(ForEachLine(path, [&](std::string_view line, std::size_t n) -> Status {
    std::vector<std::string_view> cols = Split(line, '\t');
    if (cols.size() != 3) return InvalidArgument(fmt::format("{}:{}: want 3 columns", path, n));
    if (n == 1 && Trim(cols[0]) == "query-id") return Status::Ok();
    auto score = ParseInt(Trim(cols[2]));
    if (!score) return InvalidArgument(fmt::format("{}:{}: score is not an integer", path, n));
    qrels[std::string(Trim(cols[0]))][std::string(Trim(cols[1]))] = static_cast<int>(*score);
    return Status::Ok();
  }));
  return qrels;
}

Result<BeirSet> ReadBeir(const std::string& dir, const std::string& split) {
  BeirSet set;
  const std::string corpus = dir + "/corpus.jsonl";
  SIGNX_RETURN_IF_ERROR(ForEachLine(corpus, [&](std::string_view line, std::size_t n) -> Status {
    SIGNX_ASSIGN_OR_RETURN(boost::json::object o, ParseObject(line, corpus, n));
    BeirDoc d{JsonString(o, "_id"), JsonString(o, "title"), JsonString(o, "text")};
    if (d.id.empty()) return InvalidArgument(fmt::format("{}:{}: no _id", corpus, n));
    set.corpus.push_back(std::move(d));
    return Status::Ok();
  }));
  const std::string queries = dir + "/queries.jsonl";
  SIGNX_RETURN_IF_ERROR(ForEachLine(queries, [&](std::string_view line, std::size_t n) -> Status {
    SIGNX_ASSIGN_OR_RETURN(boost::json::object o, ParseObject(line, queries, n));
    std::string id = JsonString(o, "_id");
    if (id.empty()) return InvalidArgument(fmt::format("{}:{}: no _id", queries, n));
    set.queries[std::move(id)] = JsonString(o, "text");
    return Status::Ok();
  }));
  SIGNX_ASSIGN_OR_RETURN(set.qrels, ReadQrels(dir + "/qrels/" + split + ".tsv"));
  return set;
}

}  // namespace signx::search

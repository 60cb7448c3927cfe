// Search latency under concurrency (issue 18: p95 ≤ 25 ms over 100,000 chunks at 16 concurrent
// queries). Not a Google Benchmark: percentiles of a closed loop of N client threads.
//
//   signx_retrieval_bench --beir DIR [--chunks 100000] [--threads 16] [--queries 3200]
//                         [--reranker FILE] [--data-dir DIR]
//
// Builds `--chunks` chunks (64-word windows, as documents' chunker makes them) from the BEIR
// corpus text, each with type/project/owner filter terms and a date, indexes them through
// search::SearchIndex::Rebuild into one org, then runs the BEIR queries (cycled) from `--threads`
// threads at once, each query top 10 with snippets: BM25, hybrid (with the re-ranker saved by
// `signx bench retrieval --save-reranker`, when given), and BM25 with a type filter.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "search/eval.h"
#include "search/reranker.h"
#include "search/search_index.h"
#include "search/semantic.h"

namespace {

using namespace signx;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string beir;
  std::size_t chunks = 100000;
  std::size_t threads = 16;
  std::size_t queries = 3200;
  std::string reranker;
  std::string data_dir;
};

std::vector<std::string> Words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(std::move(w));
  return out;
}

// CPU seconds (user + system) this process has used.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()));
  return v[i];
}

int Run(const Args& a) {
  auto set = search::ReadBeir(a.beir, "test");
  if (!set.ok()) {
    std::fprintf(stderr, "%s\n", set.status().ToString().c_str());
    return 1;
  }
  std::vector<std::vector<std::string>> docs;
  std::size_t total_words = 0;
  for (const auto& d : set->corpus) {
    docs.push_back(Words(d.title + " " + d.text));
    total_words += docs.back().size();
  }
  constexpr std::size_t kWindow = 64;
  const std::size_t stride = std::max<std::size_t>(1, total_words / a.chunks);
  std::vector<search::Document> chunks;
  chunks.reserve(a.chunks);
  const char* types[] = {"contract", "proposal",      "rfp",   "change_order", "permit",
                         "invoice",  "meeting_notes", "email", "drawing",      "other"};
  for (std::size_t pass = 0; chunks.size() < a.chunks; ++pass) {
    for (std::size_t d = 0; d < docs.size() && chunks.size() < a.chunks; ++d) {
      const auto& w = docs[d];
      for (std::size_t start = (pass * stride) % (stride * 4);
           start < w.size() && chunks.size() < a.chunks; start += stride * 4) {
        std::string text;
        for (std::size_t i = start; i < std::min(w.size(), start + kWindow); ++i) {
          text += w[i];
          text += ' ';
        }
        const std::size_t n = chunks.size();
        search::Document c;
        c.id = fmt::format("chk_{}", n);
        c.fields = {{"title", set->corpus[d].title, 1}, {"body", std::move(text), 1}};
        c.filters = {{"type", types[n % 10]},
                     {"project", fmt::format("prj_{}", n % 500)},
                     {"owner", fmt::format("usr_{}", n % 50)}};
        c.date = static_cast<std::int64_t>(1700000000 + n * 600);
        chunks.push_back(std::move(c));
      }
    }
  }

  namespace fs = std::filesystem;
  std::string dir = a.data_dir;
  if (dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "signx-retrieval-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) return 1;
    dir = tmpl;
  }
  auto index = search::SearchIndex::Open({.data_dir = dir, .name = "bench"});
  if (!index.ok()) return 1;
  const auto t0 = Clock::now();
  std::size_t next = 0;
  // An index of the same size left in --data-dir by an earlier run is reused.
  const search::Health health = (*index)->Check("org_bench");
  const bool reuse = health.state == search::IndexState::kOk && health.doc_count == chunks.size();
  Result<std::uint64_t> indexed = health.doc_count;
  if (!reuse)
    indexed = (*index)->Rebuild("org_bench", [&]() -> Result<std::optional<search::Document>> {
      if (next == chunks.size()) return std::optional<search::Document>();
      return std::optional<search::Document>(std::move(chunks[next++]));
    });
  if (!indexed.ok()) {
    std::fprintf(stderr, "%s\n", indexed.status().ToString().c_str());
    return 1;
  }
  std::printf("%s %llu chunks in %.1f s (%s)\n", reuse ? "reused" : "indexed",
              static_cast<unsigned long long>(*indexed),
              std::chrono::duration<double>(Clock::now() - t0).count(), dir.c_str());

  const auto ts = Clock::now();
  if (Status st = (*index)->BuildSemantic("org_bench", search::SemanticOptions{}); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  std::printf("semantic model (LSA) built in %.1f s\n",
              std::chrono::duration<double>(Clock::now() - ts).count());
  search::RetrievalParams params = *(*index)->params();
  if (!a.reranker.empty()) {
    std::ifstream in(a.reranker, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto model = search::Reranker::Load(ss.str());
    if (!model.ok()) {
      std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
      return 1;
    }
    params.reranker = *model;
  }
  (*index)->set_params(params);

  std::vector<std::string> texts;
  for (const auto& [id, text] : set->queries) texts.push_back(text);

  struct Mix {
    const char* name;
    search::Mode mode;
    bool filter;
  };
  const Mix mixes[] = {{"bm25", search::Mode::kBm25, false},
                       {params.reranker ? "hybrid (re-ranker)" : "hybrid (= bm25: no re-ranker)",
                        search::Mode::kHybrid, false},
                       {"bm25 + type filter", search::Mode::kBm25, true}};
  std::printf("%zu threads, %zu queries per mix, top 10 with snippets\n", a.threads, a.queries);
  std::printf("%-32s %8s %8s %8s %8s %8s %10s\n", "mix", "p50 ms", "p95 ms", "p99 ms", "max ms",
              "qps", "cpu ms/q");
  for (const Mix& mix : mixes) {
    std::atomic<std::size_t> issued = 0;
    std::atomic<int> errors = 0;
    std::vector<std::vector<double>> lat(a.threads);
    const auto start = Clock::now();
    const double cpu0 = CpuSeconds();
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < a.threads; ++t) {
      pool.emplace_back([&, t] {
        for (std::size_t i = issued++; i < a.queries; i = issued++) {
          search::Query q;
          q.text = texts[i % texts.size()];
          q.mode = mix.mode;
          if (mix.filter) q.filters["type"] = {types[i % 10], types[(i + 3) % 10]};
          const auto s = Clock::now();
          auto r = (*index)->Search("org_bench", q);
          lat[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
          if (!r.ok()) ++errors;
        }
      });
    }
    for (auto& th : pool) th.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> all;
    for (const auto& l : lat) all.insert(all.end(), l.begin(), l.end());
    const double cpu_ms = (CpuSeconds() - cpu0) * 1000 / static_cast<double>(all.size());
    std::printf("%-32s %8.2f %8.2f %8.2f %8.2f %8.0f %10.2f%s\n", mix.name, Percentile(all, 0.50),
                Percentile(all, 0.95), Percentile(all, 0.99), Percentile(all, 1.0),
                static_cast<double>(all.size()) / secs, cpu_ms,
                errors ? fmt::format("  ({} errors)", errors.load()).c_str() : "");
    std::fflush(stdout);
  }
  if (a.data_dir.empty()) fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const std::string v = argv[i + 1];
    if (k == "--beir")
      a.beir = v;
    else if (k == "--chunks")
      a.chunks = std::stoul(v);
    else if (k == "--threads")
      a.threads = std::stoul(v);
    else if (k == "--queries")
      a.queries = std::stoul(v);
    else if (k == "--reranker")
      a.reranker = v;
    else if (k == "--data-dir")
      a.data_dir = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (a.beir.empty() || a.chunks == 0 || a.threads == 0) {
    std::fprintf(stderr,
                 "usage: signx_retrieval_bench --beir DIR [--chunks N] [--threads N] "
                 "[--queries N] [--reranker FILE] [--data-dir DIR]\n");
    return 2;
  }
  return Run(a);
}

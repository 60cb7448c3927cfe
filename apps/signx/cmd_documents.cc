#include "cmd_documents.h"

#include <fmt/format.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "app/platform.h"
#include "base/clock.h"
#include "base/strings.h"
#include "cli_common.h"
#include "documents/action_model.h"
#include "documents/analysis.h"
#include "documents/classifier.h"
#include "documents/eval.h"
#include "documents/extract.h"
#include "documents/service.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "ml/registry.h"
#include "pdf/document.h"

namespace signx {
namespace {

namespace json = boost::json;
using namespace signx::documents;

// ---- train ----

struct TrainFlags {
  cli::ConfigFlags config;
  std::string org;
  std::string email_intent;
  bool no_promote = false;
};

Result<std::vector<ActionModel::Labeled>> ReadIntentTrain(const std::filesystem::path& dir);

Status RunTrain(const TrainFlags& f) {
  int exit_code = 0;
  auto cfg = cli::LoadConfigAndLogging(f.config, &exit_code);
  if (!cfg) return FailedPrecondition("cannot load the configuration");
  SIGNX_ASSIGN_OR_RETURN(app::Platform platform, app::OpenPlatform(*cfg, /*migrate=*/false));
  std::shared_ptr<const blobs::BlobStore> blobs(std::move(platform.blobs));
  ml::ModelRegistry registry(*platform.store, *blobs, SystemClock::Get());
  events::Outbox outbox;
  jobs::Queue queue(*platform.store);
  DocumentService service(*platform.store, outbox, queue, blobs, registry);
  const ml::Owner owner = f.org.empty() ? ml::Owner::Platform() : ml::Owner::Org(f.org);
  SIGNX_ASSIGN_OR_RETURN(TrainReport r, service.Train(owner, "cli", !f.no_promote));
  std::printf(
      "trained %s for %s: %d synthetic seed documents + %d corrections; 5-fold CV "
      "accuracy on that mix %s (synthetic: optimistic)\n%s %s\n",
      r.version.version.c_str(), owner.Label().c_str(), r.seed_examples, r.corrections,
      r.cv_accuracy ? fmt::format("{:.3f}", *r.cv_accuracy).c_str() : "n/a",
      r.promoted ? "promoted to production:" : "registered (staging):", r.version.version.c_str());
  if (!f.email_intent.empty()) {
    SIGNX_ASSIGN_OR_RETURN(auto data, ReadIntentTrain(f.email_intent));
    SIGNX_ASSIGN_OR_RETURN(
        ml::ModelVersion v,
        service.TrainActionModel(
            owner, data,
            fmt::format("email-intent train.tsv ({} sentences; ParakweetLabs EmailIntentDataSet, "
                        "Apache-2.0); the test split is never read",
                        data.size()),
            "cli", !f.no_promote));
    std::printf("action-item model %s for %s (%s)\n", v.version.c_str(), owner.Label().c_str(),
                v.state.c_str());
  }
  return Status::Ok();
}

// ---- bench ----

struct BenchFlags {
  std::string data = "../shared/data";
  int ingest_pages = 2000;
  int ocr_pages = 3;
  int threads = 2;
  int summary_k = 10;
  // The word budget of a general summary: the mean length of QMSum's general-query answers on
  // its validation split (108.8 words over 35 meetings; val, not test, and no scores: a length).
  int summary_words = 110;
  int span_k = 10;
  int words = 120;
};

Result<std::string> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read '{}'", p.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Labeled {
  bool yes = false;
  std::string text;
};

Result<std::vector<Labeled>> ReadIntent(const std::filesystem::path& p) {
  SIGNX_ASSIGN_OR_RETURN(std::string text, ReadFile(p));
  std::vector<Labeled> out;
  for (auto line : Split(text, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    out.push_back({line.substr(0, tab) == "Yes", std::string(line.substr(tab + 1))});
  }
  return out;
}

Result<std::vector<ActionModel::Labeled>> ReadIntentTrain(const std::filesystem::path& dir) {
  SIGNX_ASSIGN_OR_RETURN(auto rows, ReadIntent(dir / "train.tsv"));
  std::vector<ActionModel::Labeled> out;
  for (auto& r : rows) out.push_back({std::move(r.text), r.yes});
  return out;
}

struct Prf {
  double p = 0, r = 0, f = 0;
};

template <typename Pred>
Prf Score(const std::vector<Labeled>& data, Pred pred) {
  double tp = 0, fp = 0, fn = 0;
  for (const auto& x : data) {
    const bool y = pred(x.text);
    tp += y && x.yes;
    fp += y && !x.yes;
    fn += !y && x.yes;
  }
  Prf s;
  s.p = tp + fp > 0 ? tp / (tp + fp) : 0;
  s.r = tp + fn > 0 ? tp / (tp + fn) : 0;
  s.f = s.p + s.r > 0 ? 2 * s.p * s.r / (s.p + s.r) : 0;
  return s;
}

Status BenchActionItems(const std::filesystem::path& dir) {
  SIGNX_ASSIGN_OR_RETURN(auto train, ReadIntent(dir / "train.tsv"));
  SIGNX_ASSIGN_OR_RETURN(auto test, ReadIntent(dir / "test.tsv"));
  // The one tuned number: the score threshold, chosen on train.tsv only.
  double best_t = kActionThreshold, best_f = -1;
  for (double t = 0; t <= 5.0001; t += 0.25) {
    const Prf s = Score(train, [&](const std::string& x) { return ActionScore(x) >= t; });
    if (s.f > best_f) {
      best_f = s.f;
      best_t = t;
    }
  }
  const Prf base = Score(test, [](const std::string& x) { return BaselineActionRule(x); });
  const Prf fixed =
      Score(test, [](const std::string& x) { return ActionScore(x) >= kActionThreshold; });
  const Prf tuned = Score(test, [&](const std::string& x) { return ActionScore(x) >= best_t; });
  std::vector<ActionModel::Labeled> train_set;
  for (const auto& x : train) train_set.push_back({x.text, x.yes});
  SIGNX_ASSIGN_OR_RETURN(ActionModel model, ActionModel::Train(train_set));
  const Prf learned = Score(test, [&](const std::string& x) { return model.IsAction(x); });
  std::printf(
      "action items — email-intent test (%zu sentences, %d Yes), F1 on Yes\n", test.size(),
      static_cast<int>(std::count_if(test.begin(), test.end(), [](auto& x) { return x.yes; })));
  std::printf("  %-44s P %.3f  R %.3f  F1 %.3f\n", "baseline: modal+you or imperative start",
              base.p, base.r, base.f);
  std::printf("  %-44s P %.3f  R %.3f  F1 %.3f\n",
              fmt::format("ActionScore >= {:.2f} (product default)", kActionThreshold).c_str(),
              fixed.p, fixed.r, fixed.f);
  std::printf("  %-44s P %.3f  R %.3f  F1 %.3f   (train F1 %.3f)\n",
              fmt::format("ActionScore >= {:.2f} (tuned on train.tsv)", best_t).c_str(), tuned.p,
              tuned.r, tuned.f, best_f);
  std::printf("  %-44s P %.3f  R %.3f  F1 %.3f   (5-fold CV F1 on train %.3f)\n",
              fmt::format("learned LR, p >= {:.3f} (CV on train.tsv)", model.threshold()).c_str(),
              learned.p, learned.r, learned.f, model.cv_f1());
  return Status::Ok();
}

struct Meeting {
  std::vector<std::string> turns;                            // "content" of each turn
  std::vector<std::string> speakers;                         // "speaker" of each turn
  std::vector<std::pair<std::string, std::string>> general;  // query, answer
  struct Specific {
    std::string query, answer;
    std::vector<std::pair<int, int>> spans;
  };
  std::vector<Specific> specific;
};

std::vector<std::pair<int, int>> Spans(const json::value& v) {
  std::vector<std::pair<int, int>> out;
  if (!v.is_array()) return out;
  for (const auto& s : v.as_array()) {
    if (!s.is_array() || s.as_array().size() != 2) continue;
    auto num = [](const json::value& x) {
      return x.is_string() ? std::atoi(std::string(x.as_string()).c_str())
                           : static_cast<int>(x.to_number<int64_t>());
    };
    out.push_back({num(s.as_array()[0]), num(s.as_array()[1])});
  }
  return out;
}

// A transcript turn without the corpus's annotation marks ({disfmarker}, {vocalsound}, {pause},
// {gap}, ...: lower-case words in braces), which are not words anyone said; every system below
// sees the same cleaned text. Left in, "disfmarker" is the commonest token of the corpus and
// makes disfluent sentences look central.
std::string WithoutTranscriptMarks(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') {
      std::size_t j = i + 1;
      while (j < text.size() && ((text[j] >= 'a' && text[j] <= 'z') || text[j] == '_')) ++j;
      if (j < text.size() && j > i + 1 && text[j] == '}') {
        i = j;
        continue;
      }
    }
    if (text[i] == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += text[i];
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Result<std::vector<Meeting>> ReadQmsum(const std::filesystem::path& p) {
  SIGNX_ASSIGN_OR_RETURN(std::string text, ReadFile(p));
  std::vector<Meeting> out;
  for (auto line : Split(text, '\n')) {
    if (Trim(line).empty()) continue;
    json::object o = json::parse(line).as_object();
    Meeting m;
    for (const auto& t : o.at("meeting_transcripts").as_array()) {
      m.turns.push_back(WithoutTranscriptMarks(t.at("content").as_string()));
      const json::value* speaker = t.as_object().if_contains("speaker");
      m.speakers.push_back(speaker && speaker->is_string() ? std::string(speaker->get_string())
                                                           : std::string());
    }
    for (const auto& q : o.at("general_query_list").as_array()) {
      m.general.push_back(
          {std::string(q.at("query").as_string()), std::string(q.at("answer").as_string())});
    }
    for (const auto& q : o.at("specific_query_list").as_array()) {
      m.specific.push_back({std::string(q.at("query").as_string()),
                            std::string(q.at("answer").as_string()),
                            Spans(q.at("relevant_text_span"))});
    }
    out.push_back(std::move(m));
  }
  return out;
}

std::string FirstWords(const std::string& text, int n) {
  std::string out;
  int words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (!space && !in_word && ++words > n) break;
    in_word = !space;
    out += c;
  }
  return out;
}

struct RougeSum {
  double r1 = 0, r2 = 0, rl = 0;
  int n = 0;
  void Add(const Rouge& r) {
    r1 += r.r1;
    r2 += r.r2;
    rl += r.rl;
    ++n;
  }
  std::string Text() const {
    return n ? fmt::format("R-1 {:.4f}  R-2 {:.4f}  R-L {:.4f}", r1 / n, r2 / n, rl / n) : "n/a";
  }
};

Status BenchQmsum(const std::filesystem::path& file, const BenchFlags& f) {
  SIGNX_ASSIGN_OR_RETURN(auto meetings, ReadQmsum(file));
  std::mt19937_64 rng(20261207);
  std::mt19937_64 rng_words(20261207);  // its own stream: the sentence-count lines stay as before
  RougeSum g_sys, g_lead, g_rand, s_sys, s_lead, s_rand;
  RougeSum w_sys, w_lead, w_rand;  // the same word budget for all three
  double hit_sys = 0, hit_lead = 0, hit_rand = 0, rec_sys = 0, rec_lead = 0, rec_rand = 0;
  int specific = 0;
  for (const Meeting& m : meetings) {
    // Sentences of the transcript; the same candidate pool (5-80 words) for all three systems.
    std::vector<Sentence> sentences;
    for (std::size_t t = 0; t < m.turns.size(); ++t) {
      bool first = true;
      for (auto s : SplitSentences(m.turns[t])) {
        Sentence x;
        x.text = std::string(s);
        x.page = static_cast<int>(t);
        x.first_in_section = first && t == 0;
        x.speaker = m.speakers[t];  // a transcript, as DocumentSentences marks one
        first = false;
        sentences.push_back(std::move(x));
      }
    }
    std::vector<int> pool;
    for (std::size_t i = 0; i < sentences.size(); ++i) {
      const std::size_t w = RougeTokens(sentences[i].text).size();
      if (w >= 5 && w <= 80) pool.push_back(static_cast<int>(i));
    }
    auto join = [&](std::vector<int> idx) {
      std::sort(idx.begin(), idx.end());
      std::string out;
      for (int i : idx) out += sentences[static_cast<std::size_t>(i)].text + " ";
      return out;
    };
    const int k = std::min<int>(f.summary_k, static_cast<int>(pool.size()));
    // Sentences in the given order until `summary_words` words, joined in document order and cut
    // to exactly that many words (as ROUGE's -l does): every system gets the same length.
    auto budgeted = [&](const std::vector<int>& order) {
      std::vector<int> idx;
      std::size_t words = 0;
      for (int i : order) {
        if (words >= static_cast<std::size_t>(f.summary_words)) break;
        idx.push_back(i);
        words += Split(sentences[static_cast<std::size_t>(i)].text, ' ').size();
      }
      return FirstWords(join(idx), f.summary_words);
    };
    for (const auto& [query, answer] : m.general) {
      w_sys.Add(RougeF1(
          FirstWords(join(ExtractiveSummaryWords(sentences, f.summary_words)), f.summary_words),
          answer));
      w_lead.Add(RougeF1(budgeted(pool), answer));
      std::vector<int> order = pool;
      std::shuffle(order.begin(), order.end(), rng_words);
      w_rand.Add(RougeF1(budgeted(order), answer));
      g_sys.Add(RougeF1(join(ExtractiveSummary(sentences, k)), answer));
      g_lead.Add(RougeF1(join(std::vector<int>(pool.begin(), pool.begin() + k)), answer));
      std::vector<int> shuffled = pool;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      shuffled.resize(static_cast<std::size_t>(k));
      g_rand.Add(RougeF1(join(shuffled), answer));
    }
    const int n_turns = static_cast<int>(m.turns.size());
    for (const auto& q : m.specific) {
      std::vector<bool> relevant(m.turns.size(), false);
      int n_rel = 0;
      for (auto [a, b] : q.spans) {
        for (int t = std::max(a, 0); t <= std::min(b, n_turns - 1); ++t) {
          if (!relevant[static_cast<std::size_t>(t)]) ++n_rel;
          relevant[static_cast<std::size_t>(t)] = true;
        }
      }
      if (n_rel == 0) continue;
      ++specific;
      const int kk = std::min(f.span_k, n_turns);
      const std::vector<int> sys = RankForQuery(m.turns, q.query, kk);
      std::vector<int> lead(static_cast<std::size_t>(kk));
      std::iota(lead.begin(), lead.end(), 0);
      std::vector<int> rnd(m.turns.size());
      std::iota(rnd.begin(), rnd.end(), 0);
      std::shuffle(rnd.begin(), rnd.end(), rng);
      rnd.resize(static_cast<std::size_t>(kk));
      auto measure = [&](const std::vector<int>& picked, double& hit, double& rec,
                         RougeSum& rouge) {
        int got = 0;
        for (int t : picked) got += relevant[static_cast<std::size_t>(t)];
        hit += got > 0;
        rec += static_cast<double>(got) / std::min(n_rel, kk);
        // The answer: the picked turns in ranked order, cut to the same word budget.
        std::string text;
        for (int t : picked) text += m.turns[static_cast<std::size_t>(t)] + " ";
        rouge.Add(RougeF1(FirstWords(text, f.words), q.answer));
      };
      measure(sys, hit_sys, rec_sys, s_sys);
      measure(lead, hit_lead, rec_lead, s_lead);
      measure(rnd, hit_rand, rec_rand, s_rand);
    }
  }
  std::printf(
      "summaries — qmsum-test general queries (%d), a budget of %d words each (every system cut "
      "to it)\n",
      w_sys.n, f.summary_words);
  std::printf("  %-36s %s\n", "extractive (ExtractiveSummaryWords)", w_sys.Text().c_str());
  std::printf("  %-36s %s\n", fmt::format("LEAD-{}w", f.summary_words).c_str(),
              w_lead.Text().c_str());
  std::printf("  %-36s %s\n", fmt::format("random-{}w (seeded)", f.summary_words).c_str(),
              w_rand.Text().c_str());
  std::printf("summaries — qmsum-test general queries (%d), %d sentences each (lengths differ)\n",
              g_sys.n, f.summary_k);
  std::printf("  %-36s %s\n", "extractive (centrality+position+MMR)", g_sys.Text().c_str());
  std::printf("  %-36s %s\n", fmt::format("LEAD-{}", f.summary_k).c_str(), g_lead.Text().c_str());
  std::printf("  %-36s %s\n", fmt::format("random-{} (seeded)", f.summary_k).c_str(),
              g_rand.Text().c_str());
  const double n = specific > 0 ? specific : 1;
  std::printf(
      "specific queries (%d): top-%d turns; hit = a relevant turn among them; recall = "
      "relevant turns found / min(relevant, %d); ROUGE of the first %d words\n",
      specific, f.span_k, f.span_k, f.words);
  std::printf("  %-36s hit %.3f  recall %.3f  %s\n", "query ranking (TF-IDF)", hit_sys / n,
              rec_sys / n, s_sys.Text().c_str());
  std::printf("  %-36s hit %.3f  recall %.3f  %s\n", "LEAD turns", hit_lead / n, rec_lead / n,
              s_lead.Text().c_str());
  std::printf("  %-36s hit %.3f  recall %.3f  %s\n", "random turns (seeded)", hit_rand / n,
              rec_rand / n, s_rand.Text().c_str());
  return Status::Ok();
}

// A text PDF of `pages` pages of business prose (the synthetic seed corpus).
Result<std::string> BenchPdf(int pages, uint64_t seed) {
  const auto corpus = SeedCorpus(std::max(1, pages / 10 + 1), seed);
  SIGNX_ASSIGN_OR_RETURN(pdf::Document doc,
                         pdf::Document::Create({.title = "bench", .max_pages = pages + 10}));
  for (int p = 0; p < pages; ++p) {
    if (p > 0) doc.NewPage();
    const std::string& text = corpus[static_cast<std::size_t>(p) % corpus.size()].text;
    for (auto para : Split(text, '\n')) {
      if (!Trim(para).empty()) doc.Paragraph(std::string(para));
    }
  }
  return doc.Save();
}

Status BenchIngest(const BenchFlags& f) {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("signx-bench-documents-{}", ::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  config::Config cfg;
  cfg.data_dir = dir.string();
  cfg.database.url = "sqlite:///" + (dir / "bench.db").string();  // sqlite:/// + an absolute path
  SIGNX_ASSIGN_OR_RETURN(app::Platform platform, app::OpenPlatform(cfg, /*migrate=*/true));
  std::shared_ptr<const blobs::BlobStore> blobs(std::move(platform.blobs));
  ml::ModelRegistry registry(*platform.store, *blobs, SystemClock::Get());
  events::Outbox outbox;
  jobs::Queue queue(*platform.store);
  DocumentService service(*platform.store, outbox, queue, blobs, registry);
  const int per = std::max(1, f.ingest_pages / f.threads);
  std::vector<std::string> ids;
  for (int t = 0; t < f.threads; ++t) {
    SIGNX_ASSIGN_OR_RETURN(std::string pdf, BenchPdf(per, 100 + static_cast<uint64_t>(t)));
    SIGNX_ASSIGN_OR_RETURN(UploadResult up, service.Upload({"org_bench", "bench"},
                                                           {.bytes = pdf, .filename = "b.pdf"}));
    ids.push_back(up.document.id);
  }
  // Warm the built-in classifier outside the timing.
  SIGNX_RETURN_IF_ERROR(service.ClassifierFor("org_bench").status());
  const auto start = std::chrono::steady_clock::now();
  std::vector<Status> results(ids.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] = service.Process({"org_bench", "bench"}, ids[i], 1, 1);
    });
  }
  for (auto& t : threads) t.join();
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const auto& st : results) SIGNX_RETURN_IF_ERROR(st);
  int64_t pages = 0;
  for (const auto& id : ids) {
    SIGNX_ASSIGN_OR_RETURN(Document d, service.Get({"org_bench", "bench"}, id));
    if (d.status != "ready") return Internal("bench document ended " + d.status);
    pages += d.page_count.value_or(0);
  }
  std::printf(
      "ingest — text PDFs, %d documents processed in parallel (extract, chunk, analyse, "
      "classify, store; SQLite)\n  %lld pages in %.2f s = %.0f pages/hour\n",
      f.threads, static_cast<long long>(pages), secs, pages / secs * 3600.0);
  std::filesystem::remove_all(dir);
  return Status::Ok();
}

// OCR throughput: pages of the synthetic corpus rendered at 300 dpi (gray, as ExtractPdf renders a
// page without a text layer) and read by tesseract, one page at a time on one thread.
Status BenchOcr(const BenchFlags& f) {
  SIGNX_ASSIGN_OR_RETURN(std::string pdf, BenchPdf(f.ocr_pages, 7));
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(pdf.data(), static_cast<int>(pdf.size())));
  if (!doc) return Internal("bench PDF did not load");
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  renderer.set_render_hints(poppler::page_renderer::antialiasing |
                            poppler::page_renderer::text_antialiasing);
  const auto start = std::chrono::steady_clock::now();
  std::size_t chars = 0;
  for (int i = 0; i < doc->pages(); ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    poppler::image img = renderer.render_page(page.get(), 300, 300);
    SIGNX_ASSIGN_OR_RETURN(std::string text,
                           OcrGray(reinterpret_cast<const unsigned char*>(img.const_data()),
                                   img.width(), img.height(), img.bytes_per_row(), 300, {}));
    chars += text.size();
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "OCR — %d rendered pages at 300 dpi, one thread: %.2f s/page = %.0f pages/hour per "
      "core (%zu characters read)\n",
      doc->pages(), secs / doc->pages(), doc->pages() / secs * 3600.0, chars);
  return Status::Ok();
}

Status RunBench(const BenchFlags& f) {
  const std::filesystem::path data(f.data);
  SIGNX_RETURN_IF_ERROR(BenchActionItems(data / "email-intent"));
  SIGNX_RETURN_IF_ERROR(BenchQmsum(data / "qmsum-test" / "test.jsonl", f));
  if (f.ingest_pages > 0) SIGNX_RETURN_IF_ERROR(BenchIngest(f));
  if (f.ocr_pages > 0) SIGNX_RETURN_IF_ERROR(BenchOcr(f));
  return Status::Ok();
}

}  // namespace

void AddDocumentsCommands(CLI::App& app, int* exit_code) {
  auto train_flags = std::make_shared<TrainFlags>();
  CLI::App* train = cli::FindOrAddGroup(app, "train", "train models");
  CLI::App* t = train->add_subcommand(
      "documents",
      "train the document-type classifier: the synthetic seed corpus plus, with --org, that "
      "org's classification corrections; registered as \"documents-classifier\"");
  cli::AddConfigFlags(t, train_flags->config);
  t->add_option("--org", train_flags->org,
                "train this org's own model with its corrections (default: the platform model, "
                "seed corpus only — it never learns from an org's documents)");
  t->add_flag("--no-promote", train_flags->no_promote, "register as staging only");
  t->add_option("--email-intent", train_flags->email_intent,
                "also train the learned action-item detector on DIR/train.tsv (the email-intent "
                "data set; its test split is never read)")
      ->check(CLI::ExistingDirectory);
  t->callback([train_flags, exit_code] {
    if (Status st = RunTrain(*train_flags); !st.ok()) *exit_code = cli::PrintError(st);
  });

  auto bench_flags = std::make_shared<BenchFlags>();
  CLI::App* bench = cli::FindOrAddGroup(app, "bench", "benchmarks");
  CLI::App* b = bench->add_subcommand(
      "documents",
      "action-item F1 (email-intent), summary ROUGE and span recall (qmsum-test), "
      "ingest pages/hour");
  b->add_option("--data", bench_flags->data, "the shared data folder (../shared/data)");
  b->add_option("--ingest-pages", bench_flags->ingest_pages,
                "text PDF pages to ingest for the throughput figure (0 = skip)");
  b->add_option("--ocr-pages", bench_flags->ocr_pages,
                "pages to OCR for the OCR figure (3; 0 = skip)");
  b->add_option("--threads", bench_flags->threads, "documents processed in parallel (2)")
      ->check(CLI::Range(1, 16));
  b->add_option("--summary-sentences", bench_flags->summary_k,
                "sentences per general summary (10)");
  b->add_option("--summary-words", bench_flags->summary_words,
                "word budget per general summary (110: QMSum val's mean general answer length)");
  b->add_option("--span-turns", bench_flags->span_k, "turns picked per specific query (10)");
  b->callback([bench_flags, exit_code] {
    if (Status st = RunBench(*bench_flags); !st.ok()) *exit_code = cli::PrintError(st);
  });
}

}  // namespace signx

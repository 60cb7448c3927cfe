// The Documents pages' templates and views: the list (filters, upload form, live refresh while
// processing) and the document page (progress while processing; summary tabs, action-item
// checklist with owner and due date, risks, entities and text when ready), escaped, with edit
// actions only for writers.
#include "documents/pages/documents_pages.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "documents/analysis.h"
#include "web/templates.h"
#include "web/testing/page_checks.h"

namespace signx::documents {
namespace {

namespace json = boost::json;
using web::testing::Count;
using web::testing::ExpectInert;
using web::testing::kXss;

Document Doc(std::string status) {
  Document d;
  d.id = "doc_01";
  d.org_id = "org_a";
  d.filename = kXss;
  d.media_type = "application/pdf";
  d.size_bytes = 2048;
  d.sha256 = std::string(64, 'a');
  d.status = std::move(status);
  return d;
}

TEST(DocumentsPagesTest, ListShowsRowsFiltersUploadAndRefreshesWhileProcessing) {
  Page<Document> page;
  page.items = {Doc("analysing"), Doc("ready")};
  page.items[1].id = "doc_02";
  page.items[1].doc_type = "invoice";
  page.items[1].project_id = "prj_9";
  page.next_cursor = "doc_02";
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("documents_list", DocumentListView(page, {.status = "ready"}, true));
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  EXPECT_EQ(Count(*html, "data-testid=\"document-row\""), 2);
  EXPECT_NE(html->find("data-testid=\"upload-form\""), std::string::npos);
  EXPECT_NE(html->find("enctype=\"multipart/form-data\""), std::string::npos);
  EXPECT_NE(html->find("hx-trigger=\"every 2s\""), std::string::npos);  // one is processing
  EXPECT_NE(html->find("<option value=\"ready\" selected>"), std::string::npos);
  EXPECT_NE(html->find("/documents?cursor=doc_02&amp;status=ready"), std::string::npos);
  EXPECT_NE(html->find(">Invoice<"), std::string::npos);
  EXPECT_NE(html->find("/documents?project_id=prj_9"), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"quick-search-form\""), std::string::npos);

  page.items.erase(page.items.begin());
  auto reader = t.Render("documents_list", DocumentListView(page, {}, false));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->find("upload-form"), std::string::npos);
  EXPECT_EQ(reader->find("hx-trigger"), std::string::npos);  // nothing left to wait for
}

TEST(DocumentsPagesTest, ProcessingDocumentShowsProgressAndPolls) {
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html =
      t.Render("documents_document", DocumentView(Doc("extracting"), nullptr, nullptr, "", true));
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  EXPECT_NE(html->find("data-testid=\"document-progress\""), std::string::npos);
  EXPECT_NE(html->find("hx-get=\"/documents/doc_01\""), std::string::npos);
  EXPECT_NE(html->find("hx-select=\"#document-main\""), std::string::npos);
  EXPECT_EQ(html->find("data-testid=\"summary\""), std::string::npos);

  Document failed = Doc("failed");
  failed.failure_reason = std::string("the PDF is encrypted ") + kXss;
  auto f = t.Render("documents_document", DocumentView(failed, nullptr, nullptr, "", true));
  ASSERT_TRUE(f.ok());
  ExpectInert(*f);
  EXPECT_NE(f->find("data-testid=\"failure-reason\""), std::string::npos);
  EXPECT_EQ(f->find("hx-trigger"), std::string::npos);
}

TEST(DocumentsPagesTest, ReadyDocumentShowsSummaryTabsChecklistRisksEntitiesAndText) {
  Extracted e;
  e.page_count = 1;
  AppendTextBlocks(
      "Date: December 7, 2026\n\nThe team reviewed the pylon sign for the bank.\n\nDana to send "
      "the drawings by Friday.\n\nThere is a safety concern about the power lines.\n\nThe budget "
      "is $4,500.\n\n" +
          std::string(kXss),
      1, false, e.blocks);
  const Analysis a = Analyse(
      e, PageTexts(e), Day{std::chrono::year(2026), std::chrono::December, std::chrono::day(1)});
  StoredAnalysis stored{json::serialize(ToJson(a)), R"({"label": "meeting_notes"})", {}};
  DocumentText text;
  text.pages = {{1, PageTexts(e).pages[0], false}};
  Document d = Doc("ready");
  d.doc_type = "meeting_notes";
  d.doc_type_confidence = 0.91;
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  std::vector<Feedback> feedback = {
      {"dfb_1", "doc_01", "action_items", 0, std::nullopt, R"({"done": true})", "usr", {}},
      {"dfb_2", "doc_01", "summary.short", std::nullopt, 1, std::nullopt, "usr", {}}};
  auto html =
      t.Render("documents_document", DocumentView(d, &stored, &text, "medium", true, feedback));
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  EXPECT_EQ(html->find("hx-trigger"), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"summary-medium\""), std::string::npos);
  EXPECT_NE(
      html->find("aria-current=\"page\" class=\"tab-current\" data-testid=\"summary-tab-medium\""),
      std::string::npos);
  EXPECT_EQ(Count(*html, "data-testid=\"action-item\""), 1);
  EXPECT_NE(html->find("data-testid=\"action-owner\">Dana<"), std::string::npos);
  EXPECT_NE(html->find("disabled checked>"), std::string::npos);  // marked done
  EXPECT_NE(html->find("name=\"done\" value=\"no\""), std::string::npos);
  EXPECT_NE(html->find("datetime=\"2026-12-11\""), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"risk\"><span class=\"badge badge-high\">"),
            std::string::npos);
  EXPECT_NE(html->find("$4,500"), std::string::npos);
  EXPECT_NE(html->find(">Meeting notes"), std::string::npos);
  EXPECT_NE(html->find("(91 %)"), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"type-form\""), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"delete-form\""), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"text\""), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"mark-action\">Dana to send the drawings by Friday.</mark>"),
            std::string::npos);
  EXPECT_EQ(Count(*html, "data-testid=\"mark-risk\""), 1);

  auto reader = t.Render("documents_document", DocumentView(d, &stored, &text, "short", false));
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->find("type-form"), std::string::npos);
  EXPECT_EQ(reader->find("delete-form"), std::string::npos);
  EXPECT_EQ(reader->find("/feedback"), std::string::npos);
  EXPECT_NE(reader->find("data-testid=\"summary-short\""), std::string::npos);
  EXPECT_EQ(reader->find("checked"), std::string::npos);  // no feedback given: open
}

TEST(DocumentsPagesTest, LlmSummaryShowsItsModelAndNoPageNumbers) {
  // The analysis JSON of llm_hook.h: the short summary written by the LLM, the medium one offline.
  const std::string analysis = std::string(R"({"summaries": {
    "short": {"source": "llm", "model": "small-model", "tier": "small", "cached": false,
              "text": "The pylon sign is late. Dana sends drawings.",
              "sentences": [{"text": "The pylon sign is late.", "page": null},
                            {"text": "Dana sends drawings.", "page": null}],
              "offline": {"text": "x", "sentences": [{"text": "x", "page": 1}]}},
    "medium": {"source": "offline", "llm_outcome": "timeout", "reason": "deadline",
               "text": "The team met.", "sentences": [{"text": "The team met.", "page": 2}]}},
    "action_items": [], "decisions": [], "risks": [], "entities": []})");
  StoredAnalysis stored{analysis, R"({"label": "meeting_notes"})", {}};
  Document d = Doc("ready");
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("documents_document", DocumentView(d, &stored, nullptr, "short", false));
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  EXPECT_NE(html->find("<li>The pylon sign is late.</li>"), std::string::npos) << *html;
  EXPECT_EQ(html->find("(p. 0)"), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"summary-source\">Written by the LLM (small-model)"),
            std::string::npos);
  auto medium = t.Render("documents_document", DocumentView(d, &stored, nullptr, "medium", false));
  ASSERT_TRUE(medium.ok());
  EXPECT_NE(medium->find("The team met. <span class=\"hint\">(p. 2)</span>"), std::string::npos);
  EXPECT_EQ(medium->find("summary-source"), std::string::npos);
}

TEST(DocumentsPagesTest, ActionItemsFromTheLlmAndOfflineAreLabelledWithTheirSource) {
  // The analysis JSON of llm_hook.h with the action_items task: an LLM item (its due date the
  // LLM's, so no due_text; on no page), then an offline item the LLM did not name.
  const std::string analysis = std::string(R"({"summaries": {},
    "action_items": [
      {"text": "Dana sends the permit drawings.", "owner": "Dana", "due": "2026-12-11",
       "due_text": null, "page": null, "source": "llm"},
      {"text": "Marco to book the crane by Monday.", "owner": "Marco", "due": "2026-12-14",
       "due_text": "by Monday", "page": 2, "score": 3.5, "source": "offline"}],
    "action_items_llm": {"outcome": "ok", "model": "small-model", "tier": "small",
                         "cached": false, "llm_items": 1, "offline_items_kept": 1},
    "decisions": [], "risks": [], "entities": []})");
  StoredAnalysis stored{analysis, R"({"label": "meeting_notes"})", {}};
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html =
      t.Render("documents_document", DocumentView(Doc("ready"), &stored, nullptr, "short", true));
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  EXPECT_EQ(Count(*html, "data-testid=\"action-item\""), 2);
  EXPECT_EQ(Count(*html, "data-testid=\"action-source-llm\">LLM</span>"), 1) << *html;
  EXPECT_EQ(Count(*html, "data-testid=\"action-source-offline\">offline</span>"), 1);
  EXPECT_NE(html->find("title=\"Found by the optional LLM (small-model) in the redacted text\" "
                       "data-testid=\"action-source-llm\""),
            std::string::npos);
  EXPECT_NE(html->find("title=\"Found by SignX&apos;s offline analysis of the text\" "
                       "data-testid=\"action-source-offline\""),
            std::string::npos);
  // Each label sits in its own item, the LLM's first (the order of the analysis).
  const std::size_t llm_item = html->find("Dana sends the permit drawings.");
  const std::size_t offline_item = html->find("Marco to book the crane by Monday.");
  ASSERT_NE(llm_item, std::string::npos);
  ASSERT_NE(offline_item, std::string::npos);
  EXPECT_LT(llm_item, html->find("action-source-llm"));
  EXPECT_LT(html->find("action-source-llm"), offline_item);
  EXPECT_LT(offline_item, html->find("action-source-offline"));
  EXPECT_NE(html->find("data-testid=\"action-items-source\">Items marked LLM were found by the "
                       "optional LLM (small-model)"),
            std::string::npos);
  // The LLM item: no empty "()" for its missing due_text, no "p. 0" for its missing page.
  EXPECT_NE(html->find("data-testid=\"action-due\">2026-12-11</time></span>"), std::string::npos)
      << *html;
  EXPECT_EQ(html->find("p. 0"), std::string::npos);
  EXPECT_EQ(html->find("()"), std::string::npos);
  EXPECT_NE(html->find("2026-12-14</time> (by Monday) · p. 2</span>"), std::string::npos);

  // All offline (the LLM off, the default): no labels and no note.
  const std::string offline = std::string(R"({"summaries": {},
    "action_items": [{"text": "Marco to book the crane by Monday.", "owner": "Marco",
                      "due": "2026-12-14", "due_text": "by Monday", "page": 2,
                      "source": "offline"}],
    "decisions": [], "risks": [], "entities": []})");
  StoredAnalysis stored_offline{offline, R"({"label": "meeting_notes"})", {}};
  auto plain = t.Render("documents_document",
                        DocumentView(Doc("ready"), &stored_offline, nullptr, "short", true));
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(Count(*plain, "data-testid=\"action-item\""), 1);
  EXPECT_EQ(plain->find("action-source"), std::string::npos);
  EXPECT_EQ(plain->find("action-items-source"), std::string::npos);
  EXPECT_NE(plain->find("(by Monday) · p. 2</span>"), std::string::npos);
}

TEST(DocumentsPagesTest, SearchShowsEscapedHitsWithMarksFiltersAndTheCitedAnswer) {
  SearchRequest req{.q = kXss, .limit = 10, .offset = 10};
  req.filters.doc_type = "contract";
  req.filters.project_id = kXss;
  req.filters.from = "2026-01-01";
  SearchResponse found;
  found.source = "index";
  found.next_offset = 20;
  found.hits.push_back({.document_id = "doc_01",
                        .title = kXss,
                        .page = 3,
                        .chunk = 4,
                        .score = 1.5,
                        .snippet = "the &lt;script&gt; <mark>footing</mark> design"});
  AskResponse ask{.found = true,
                  .answer = std::string("Dana sends it ") + kXss,
                  .citations = {{.document_id = "doc_01",
                                 .title = kXss,
                                 .page = 3,
                                 .start = 5,
                                 .end = 40,
                                 .text = kXss}},
                  .source = "index"};
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("documents_search", DocumentSearchView(req, &found, kXss, &ask, ""));
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  EXPECT_EQ(Count(*html, "data-testid=\"search-hit\""), 1);
  EXPECT_NE(html->find("<mark>footing</mark>"), std::string::npos);
  EXPECT_NE(html->find("the &lt;script&gt; <mark>"), std::string::npos);
  EXPECT_NE(html->find("<option value=\"contract\" selected>"), std::string::npos);
  EXPECT_NE(html->find("value=\"2026-01-01\""), std::string::npos);
  EXPECT_NE(html->find("start=\"11\""), std::string::npos);
  EXPECT_NE(html->find("cursor=20"), std::string::npos);
  EXPECT_NE(html->find("href=\"/documents/doc_01\""), std::string::npos);
  EXPECT_EQ(Count(*html, "data-testid=\"citation\""), 1);
  EXPECT_NE(html->find("page 3"), std::string::npos);
  EXPECT_EQ(html->find("search-fallback"), std::string::npos);
  EXPECT_EQ(html->find("search-error"), std::string::npos);  // no empty error box

  // Nothing found, the database fallback, no answer, an error message.
  SearchResponse none{.hits = {}, .source = "database", .next_offset = std::nullopt};
  AskResponse no{.found = false,
                 .answer = "No answer found in the documents.",
                 .citations = {},
                 .source = "database"};
  auto empty =
      t.Render("documents_search", DocumentSearchView({.q = "x"}, &none, "why?", &no, kXss));
  ASSERT_TRUE(empty.ok());
  ExpectInert(*empty);
  EXPECT_NE(empty->find("data-testid=\"no-hits\""), std::string::npos);
  EXPECT_NE(empty->find("data-testid=\"search-fallback\""), std::string::npos);
  EXPECT_NE(empty->find("data-testid=\"no-answer\""), std::string::npos);
  EXPECT_NE(empty->find("data-testid=\"search-error\""), std::string::npos);

  // Before anything is searched: the forms only.
  auto blank = t.Render("documents_search", DocumentSearchView({}, nullptr, "", nullptr, ""));
  ASSERT_TRUE(blank.ok());
  EXPECT_NE(blank->find("data-testid=\"search-form\""), std::string::npos);
  EXPECT_NE(blank->find("data-testid=\"ask-form\""), std::string::npos);
  EXPECT_EQ(blank->find("search-results"), std::string::npos);
  EXPECT_EQ(blank->find("data-testid=\"answer\""), std::string::npos);
  EXPECT_EQ(blank->find("search-error"), std::string::npos);
}

}  // namespace
}  // namespace signx::documents

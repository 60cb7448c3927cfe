// The optional LLM in the documents analysis step (issue 18 item 4). After the offline analysis
// of a document, each summary length the LLM is configured for (llm.tasks) is asked of the LLM
// router (llm/router.h) with the document's whole text; the router redacts it with this module's
// PII gate (pii.h Redact) before anything is sent, routes it to a tier, answers from the org's
// cache or the server, and accounts for it.
//
// Each summary object of the analysis JSON ("summaries": {"short"|"medium"|"detailed": ...})
// gets "source":
//   "offline"  the extractive summary {text, sentences[{text, page}]} as before; when the LLM was
//              tried and did not answer, also "llm_outcome" (timeout, server_error, refused,
//              invalid_answer, budget_exceeded, too_large, ...) and "reason".
//   "llm"      {text: the LLM's summary, sentences: its sentences (page null: an abstractive
//              summary cites no page), model, cached, offline: {text, sentences} (the extractive
//              one, with pages)}.
// With the LLM off (the default) only "source": "offline" is added.
//
// Action items (llm.tasks has action_items): the LLM's items, asked before the summaries, are
// merged with the offline ones. Every item gets "source": "offline" or "llm". An LLM item
// {text, owner, due} is resolved as an offline one is: owner = the LLM's, else the one its text
// names (ActionOwner), else the matching offline item's; due = a date its text names resolved
// against the document's date (dates.h; "by Friday" → YYYY-MM-DD, with due_text), else the
// LLM's YYYY-MM-DD, else the matching offline item's; page = the matching offline item's, else
// the page whose text contains it, else null. An offline item is "matching" when 70% of the
// shorter text's words are in the other: it is replaced by the LLM's; offline items the LLM did
// not name stay (after the LLM's). "action_items_llm" says what happened: {outcome, model, tier,
// cached, llm_items, offline_items_kept}, or {outcome, reason} when the LLM did not answer
// (timeout, server_error, invalid_answer, budget_exceeded, too_large, ...) and the offline items
// stand unchanged. Without the task nothing but "source": "offline" is added.
//
// Thread-safety: as LlmRouter::Run (thread-safe). Blocking: HTTP and SQL.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>

#include "documents/extract.h"
#include "llm/router.h"
#include "storage/store.h"

namespace signx::documents {

// The router the documents module uses: `settings` with this module's Redact as the gate.
std::unique_ptr<llm::LlmRouter> OpenLlmRouter(storage::Store& store, llm::Settings settings);

// Applies the LLM to `analysis` (analysis.h ToJson of the offline analysis) as described above.
// `router` may be null (= LLM off).
void ApplyLlm(llm::LlmRouter* router, const std::string& org_id, const std::string& sha256,
              const PageText& pages, boost::json::object& analysis);

}  // namespace signx::documents

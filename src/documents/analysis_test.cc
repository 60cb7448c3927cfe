// Dates, PII, the offline analysis and the classifier.
#include "documents/analysis.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "base/strings.h"
#include "documents/classifier.h"
#include "documents/dates.h"
#include "documents/pii.h"

namespace signx::documents {
namespace {

Day D(int y, int m, int d) {
  return Day{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
             std::chrono::day(static_cast<unsigned>(d))};
}

std::string Resolve(std::string_view text, Day anchor = D(2026, 12, 7)) {  // a Monday
  auto found = FindDates(text, anchor);
  if (found.size() != 1) return "found " + std::to_string(found.size());
  return FormatDay(found[0].date);
}

TEST(DatesTest, RelativeDatesResolveAgainstTheAnchor) {
  EXPECT_EQ(Resolve("send it tomorrow"), "2026-12-08");
  EXPECT_EQ(Resolve("done by EOD"), "2026-12-07");
  EXPECT_EQ(Resolve("by Friday please"), "2026-12-11");
  EXPECT_EQ(Resolve("call me on Monday"), "2026-12-14");  // strictly after the anchor
  EXPECT_EQ(Resolve("next Monday"), "2026-12-14");
  EXPECT_EQ(Resolve("next Wednesday"), "2026-12-16");
  EXPECT_EQ(Resolve("in 3 days"), "2026-12-10");
  EXPECT_EQ(Resolve("within five business days"), "2026-12-14");
  EXPECT_EQ(Resolve("in two weeks"), "2026-12-21");
  EXPECT_EQ(Resolve("by the end of the month"), "2026-12-31");
  EXPECT_EQ(Resolve("end of week"), "2026-12-11");
  EXPECT_EQ(Resolve("next week"), "2026-12-14");
  EXPECT_EQ(Resolve("next month"), "2027-01-01");
  EXPECT_EQ(Resolve("by Friday", D(2026, 12, 11)), "2026-12-18");  // a Friday: the next one
}

TEST(DatesTest, AbsoluteDates) {
  EXPECT_EQ(Resolve("on December 15, 2026"), "2026-12-15");
  EXPECT_EQ(Resolve("due 12/15/2026"), "2026-12-15");
  EXPECT_EQ(Resolve("due 12/15/26"), "2026-12-15");
  EXPECT_EQ(Resolve("starts 2027-02-01"), "2027-02-01");
  EXPECT_EQ(Resolve("the 15th of March 2027"), "2027-03-15");
  EXPECT_EQ(Resolve("Dec 20"), "2026-12-20");
  EXPECT_EQ(Resolve("Jan 5"), "2027-01-05");  // no year and long past: next year
  EXPECT_EQ(Resolve("13/45/2026"), "found 0");
  EXPECT_EQ(Resolve("we may proceed"), "found 0");  // "may" is not a month here
}

TEST(DatesTest, DocumentDatePrefersALabelledDate) {
  EXPECT_EQ(FormatDay(*DocumentDate("Invoice 12/01/2026 ref\nDate: March 3, 2026\nTotal")),
            "2026-03-03");
  EXPECT_EQ(FormatDay(*DocumentDate("Minutes of 2026-11-30 meeting")), "2026-11-30");
  EXPECT_FALSE(DocumentDate("no dates here, only tomorrow"));
}

TEST(PiiTest, LuhnCheck) {
  EXPECT_TRUE(LuhnValid("4111 1111 1111 1111"));
  EXPECT_TRUE(LuhnValid("5500-0000-0000-0004"));
  EXPECT_FALSE(LuhnValid("4111 1111 1111 1112"));
  EXPECT_FALSE(LuhnValid("4111x1111"));
}

TEST(PiiTest, RedactsEmailPhoneSsnCardAndAddress) {
  const std::string text =
      "Contact dana.lee@harbor-health.com or 555-123-4567 / (555) 987-6543. SSN 123-45-6789. "
      "Card 4111 1111 1111 1111 expires soon; order 4111 1111 1111 1112 is not a card. Ship to "
      "1200 Main Street, Springfield, IL 62701 today.";
  const Redacted r = Redact(text);
  EXPECT_EQ(r.text,
            "Contact [EMAIL] or [PHONE] / [PHONE]. SSN [SSN]. Card [CARD] expires soon; order 4111 "
            "1111 1111 1112 is not a card. Ship to [ADDRESS] today.");
  std::vector<std::string> kinds;
  for (const auto& s : r.spans) kinds.push_back(s.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"email", "phone", "phone", "ssn", "card", "address"}));
  EXPECT_EQ(text.substr(r.spans[0].start, r.spans[0].end - r.spans[0].start),
            "dana.lee@harbor-health.com");
  EXPECT_EQ(Redact("SSN 000-12-3456 and 666-12-3456 are not valid").text,
            "SSN 000-12-3456 and 666-12-3456 are not valid");
  EXPECT_EQ(Redact("nothing personal here").text, "nothing personal here");
}

TEST(SentenceTest, SplitsOnSentenceEndsNotAbbreviations) {
  auto s = SplitSentences(
      "Mr. Smith met Dr. Jones at 3.30 p.m. today. They signed! Did it work? "
      "Yes, e.g. by J. Doe.\nNext line");
  ASSERT_EQ(s.size(), 5u) << s.size();
  EXPECT_EQ(s[0], "Mr. Smith met Dr. Jones at 3.30 p.m. today.");
  EXPECT_EQ(s[1], "They signed!");
  EXPECT_EQ(s[3], "Yes, e.g. by J. Doe.");
  EXPECT_EQ(s[4], "Next line");
}

TEST(ActionTest, ScoresRequestsAndAssignmentsNotStatements) {
  for (std::string_view yes :
       {"Please send the revised drawings by Friday.", "Can you call the city about the permit?",
        "Dana to order the LED modules.", "Marco will confirm the crane booking tomorrow.",
        "Review the attached proof and let me know.", "Action: Sam to update the schedule."}) {
    EXPECT_GE(ActionScore(yes), kActionThreshold) << yes;
  }
  for (std::string_view no :
       {"Thanks for attending the meeting.", "The sign was installed last week.",
        "Fabrication is two weeks behind.", "Click here to win a free cruise!"}) {
    EXPECT_LT(ActionScore(no), kActionThreshold) << no;
  }
  EXPECT_EQ(ActionOwner("Dana to order the LED modules."), "Dana");
  EXPECT_EQ(ActionOwner("Action: assigned to Priya Shah"), "Priya Shah");
  EXPECT_EQ(ActionOwner("Marco, please call the site."), "Marco");
  EXPECT_EQ(ActionOwner("The contractor shall provide shop drawings."), "Contractor");
  EXPECT_EQ(ActionOwner("Update the schedule (TB)."), "TB");
  EXPECT_FALSE(ActionOwner("Please send the drawings."));
  EXPECT_FALSE(ActionOwner("We will send the drawings."));
  EXPECT_TRUE(BaselineActionRule("Can you send it?"));
  EXPECT_TRUE(BaselineActionRule("Send it now."));
  EXPECT_FALSE(BaselineActionRule("It was sent."));
}

Extracted Doc(const std::string& text) {
  Extracted e;
  e.page_count = 1;
  AppendTextBlocks(text, 1, false, e.blocks);
  return e;
}

TEST(AnalysisTest, MeetingNotesGiveActionsDecisionsRisksEntities) {
  const Extracted e = Doc(
      "Project Meeting Minutes\n\nDate: December 7, 2026\n\n"
      "The team reviewed the pylon sign schedule for Harbor Health Partners LLC. Fabrication is "
      "two weeks behind because the LED modules are on backorder.\n\n"
      "It was agreed to proceed with the revised footing design.\n\n"
      "Dana to send the revised shop drawings by Friday.\n\n"
      "Marco will confirm the crane booking with the city tomorrow.\n\n"
      "Please submit the permit application within 5 business days.\n\n"
      "The budget is $45,250.00 and the deposit of $10,000 was received.\n\n"
      "There is a safety concern about the overhead power lines near the install site at 1200 "
      "Main Street, Springfield, IL 62701.\n\nThanks for attending.");
  const Analysis a = Analyse(e, PageTexts(e), D(2027, 1, 1));
  EXPECT_EQ(a.document_date, "2026-12-07");
  EXPECT_TRUE(a.document_date_from_text);
  EXPECT_EQ(a.language, "en");
  ASSERT_EQ(a.action_items.size(), 3u);
  EXPECT_EQ(a.action_items[0].owner, "Dana");
  EXPECT_EQ(a.action_items[0].due, "2026-12-11");
  EXPECT_EQ(a.action_items[0].due_text, "by Friday");
  EXPECT_EQ(a.action_items[1].owner, "Marco");
  EXPECT_EQ(a.action_items[1].due, "2026-12-08");
  EXPECT_FALSE(a.action_items[2].owner);
  EXPECT_EQ(a.action_items[2].due, "2026-12-14");
  ASSERT_EQ(a.decisions.size(), 1u);
  EXPECT_NE(a.decisions[0].text.find("agreed"), std::string::npos);
  ASSERT_EQ(a.risks.size(), 2u);
  EXPECT_EQ(a.risks[0].severity, "medium");  // backorder
  EXPECT_EQ(a.risks[1].severity, "high");    // safety
  auto has = [&](std::string_view kind, std::string_view value) {
    return std::any_of(a.entities.begin(), a.entities.end(),
                       [&](const Entity& x) { return x.kind == kind && x.value == value; });
  };
  EXPECT_TRUE(has("amount", "4525000"));
  EXPECT_TRUE(has("amount", "1000000"));
  EXPECT_TRUE(has("company", "Harbor Health Partners LLC"));
  EXPECT_TRUE(has("person", "Dana"));
  EXPECT_TRUE(has("date", "2026-12-07"));
  EXPECT_TRUE(has("address", "1200 Main Street, Springfield, IL 62701"));
  EXPECT_LE(a.summaries.short_.size(), 3u);
  EXPECT_GE(a.summaries.medium.size(), a.summaries.short_.size());
}

TEST(SummaryTest, PicksCentralSentencesInOrderWithoutRepeats) {
  std::vector<Sentence> s;
  auto add = [&](std::string t) {
    Sentence x;
    x.text = std::move(t);
    s.push_back(x);
  };
  add("The monument sign for the bank needs a new concrete footing design.");
  add("The monument sign for the bank needs a new concrete footing design.");
  add("Lunch was served at noon in the break room today.");
  add("The footing design for the monument sign depends on the soil report.");
  add("The bank approved the monument sign colors and the footing budget.");
  const auto picked = ExtractiveSummary(s, 2);
  ASSERT_EQ(picked.size(), 2u);
  EXPECT_LT(picked[0], picked[1]);
  EXPECT_FALSE(picked[0] == 0 && picked[1] == 1);             // the duplicate is redundant
  EXPECT_EQ(std::count(picked.begin(), picked.end(), 2), 0);  // off-topic sentence
  EXPECT_TRUE(ExtractiveSummary({}, 3).empty());
}

TEST(SummaryTest, BackChannelAndFillerSentencesAreNeverPicked) {
  std::vector<Sentence> s;
  auto add = [&](std::string t) {
    Sentence x;
    x.text = std::move(t);
    s.push_back(x);
  };
  add("Yeah, okay, that's right, sure, yeah.");
  add("Okay, so, um, basically that's it, actually.");
  add("The monument sign footing needs a revised concrete design for the bank.");
  add("Yes, yes, I mean, that's, you know, right.");
  add("Okay, yeah, sure, I guess so, alright.");
  const auto picked = ExtractiveSummary(s, 3);
  ASSERT_EQ(picked.size(), 1u);
  EXPECT_EQ(picked[0], 2);
}

TEST(SummaryTest, SummariesKeepToAWordBudget) {
  std::vector<Sentence> s;
  // Twelve 25-word sentences, each on its own topic, sharing a few words of the project.
  const std::string letters = "abcdefghijklmnopqrstuvw";
  for (int i = 0; i < 12; ++i) {
    Sentence x;
    x.text = "The pylon sign";
    for (int j = 0; j < 22; ++j) {
      x.text += std::string(" ") + "topic" + letters[static_cast<std::size_t>(i)] +
                letters[static_cast<std::size_t>(j)];
    }
    x.text += ".";
    s.push_back(std::move(x));
  }
  const Summaries sum = Summarise(s);
  auto words = [](const std::vector<SummarySentence>& v) {
    std::size_t n = 0;
    for (const auto& x : v) n += Split(x.text, ' ').size();
    return n;
  };
  // 60 words: three 25-word sentences reach it (the last one overshoots), never a fourth.
  EXPECT_EQ(sum.short_.size(), 3u);
  EXPECT_LT(words(sum.short_) - Split(sum.short_.back().text, ' ').size(), 60u);
  // 150 words: six sentences (the cap of 7 is not reached).
  EXPECT_EQ(sum.medium.size(), 6u);
  EXPECT_EQ(sum.detailed.size(), 12u);  // 300 words = all twelve
  EXPECT_EQ(ExtractiveSummaryWords(s, 50).size(), 2u);
}

TEST(TranscriptTest, SpeakerLabelsAreSpeakersNotTextAndOwnTheirCommitments) {
  EXPECT_EQ(SpeakerLabelLength("Dana: I'll send it."), 6u);
  EXPECT_EQ(SpeakerLabelLength("Dr. Smith: fine"), 11u);
  EXPECT_EQ(SpeakerLabelLength("Speaker 2: yes"), 11u);
  EXPECT_EQ(SpeakerLabelLength("the plan: build it"), 0u);
  EXPECT_EQ(SpeakerLabelLength("Note:no space"), 0u);
  EXPECT_EQ(SpeakerLabelLength("A Very Long Label Of Words: x"), 0u);
  const Extracted e =
      Doc("Weekly sign meeting\n\n"
          "Dana: Okay, let's start with the pylon sign for the bank.\n"
          "Marco: The LED modules for the pylon sign are on backorder until January.\n"
          "Dana: Then I'll call the supplier about the LED modules by Friday.\n"
          "Marco: Yeah.\n"
          "Priya: The city permit for the pylon sign was approved on Monday.\n"
          "Marco: I will book the crane for the pylon sign installation next week.\n");
  const std::vector<Sentence> sentences = DocumentSentences(e, PageTexts(e));
  std::vector<const Sentence*> spoken;
  for (const Sentence& s : sentences) {
    if (!s.speaker.empty()) spoken.push_back(&s);
  }
  ASSERT_EQ(spoken.size(), 6u);
  EXPECT_EQ(spoken[0]->speaker, "Dana");
  EXPECT_EQ(spoken[0]->text, "Okay, let's start with the pylon sign for the bank.");
  EXPECT_EQ(spoken[1]->speaker, "Marco");
  // Offsets still point at the sentence in the page text.
  const PageText pages = PageTexts(e);
  EXPECT_EQ(pages.pages[0].substr(spoken[2]->start, spoken[2]->end - spoken[2]->start),
            spoken[2]->text);

  const Analysis a = Analyse(e, pages, D(2026, 12, 7));
  std::map<std::string, std::string> owner_of;
  for (const ActionItem& i : a.action_items) owner_of[i.text] = i.owner.value_or("");
  EXPECT_EQ(owner_of["Then I'll call the supplier about the LED modules by Friday."], "Dana");
  EXPECT_EQ(owner_of["I will book the crane for the pylon sign installation next week."], "Marco");
  for (const auto& x : a.summaries.detailed) {
    EXPECT_NE(x.text, "Yeah.");
    EXPECT_FALSE(x.speaker.empty()) << x.text;
  }
  const auto json = ToJson(a);
  EXPECT_TRUE(json.at("summaries")
                  .at("detailed")
                  .at("sentences")
                  .as_array()[0]
                  .as_object()
                  .contains("speaker"));

  // Meeting notes with a few labels are not a transcript: "Action: Sam ..." keeps its label.
  const Extracted notes =
      Doc("Date: December 7, 2026\nAction: Sam to update the schedule.\nThe crane is booked.\n"
          "The permit is pending.\nThe footing is poured.\n");
  for (const Sentence& s : DocumentSentences(notes, PageTexts(notes))) {
    EXPECT_TRUE(s.speaker.empty()) << s.text;
  }
}

TEST(ClassifierTest, TrainsPredictsAndRoundTrips) {
  auto model = Classifier::Train(SeedCorpus(30, 1));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const auto held_out = SeedCorpus(10, 99);
  int right = 0;
  for (const auto& x : held_out) right += model->Predict(x.text).label == x.label;
  EXPECT_GE(right, static_cast<int>(held_out.size() * 9 / 10)) << right << "/" << held_out.size();

  EXPECT_EQ(model
                ->Predict("INVOICE\nInvoice Number: 4471\nBill To: Acme\nSubtotal $100\nTotal "
                          "Due: $108. Payment terms Net 30.")
                .label,
            "invoice");
  EXPECT_EQ(model
                ->Predict("From: Tom <tom@example.com>\nTo: Kim\nSubject: sign install\n\nHi Kim, "
                          "could you confirm the date? Thanks, Tom")
                .label,
            "email");

  auto loaded = Classifier::Deserialize(model->Serialize());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  for (const auto& x : held_out) {
    const auto a = model->Predict(x.text), b = loaded->Predict(x.text);
    EXPECT_EQ(a.label, b.label);
    EXPECT_NEAR(a.confidence, b.confidence, 1e-9);
  }
  EXPECT_FALSE(Classifier::Train({{"x", "contract"}}).ok());
  EXPECT_FALSE(Classifier::Train({{"x", "contract"}, {"y", "poem"}}).ok());
  EXPECT_FALSE(Classifier::Deserialize("{}").ok());
  auto cv = CrossValidatedAccuracy(SeedCorpus(10, 3), 5, 1);
  ASSERT_TRUE(cv);
  EXPECT_GT(*cv, 0.8);
}

}  // namespace
}  // namespace signx::documents

#include "documents/eval.h"

namespace signx::documents {
namespace {

TEST(EvalTest, RougeAndQueryRanking) {
  const Rouge same = RougeF1("the cat sat on the mat", "the cat sat on the mat");
  EXPECT_DOUBLE_EQ(same.r1, 1.0);
  EXPECT_DOUBLE_EQ(same.r2, 1.0);
  EXPECT_DOUBLE_EQ(same.rl, 1.0);
  const Rouge half = RougeF1("the cat", "the cat sat on the mat");
  EXPECT_NEAR(half.r1, 2 * (1.0 * 2 / 6) / (1.0 + 2.0 / 6), 1e-9);
  EXPECT_NEAR(half.r2, 2 * (1.0 * 1 / 5) / (1.0 + 1.0 / 5), 1e-9);
  EXPECT_DOUBLE_EQ(RougeF1("", "x").r1, 0.0);
  const auto ranked =
      RankForQuery({"We talked about lunch.", "The remote control buttons are too small.",
                    "Marketing wants a yellow remote control.", "Okay."},
                   "What did the group discuss about the remote control buttons?", 2);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0], 1);
  EXPECT_EQ(ranked[1], 2);
}

}  // namespace
}  // namespace signx::documents

#include "documents/action_model.h"

namespace signx::documents {
namespace {

std::vector<ActionModel::Labeled> FruitData() {
  std::vector<ActionModel::Labeled> data;
  for (int i = 0; i < 40; ++i) {
    data.push_back({"The banana shipment is item " + std::to_string(i) + ".", true});
    data.push_back({"The apple shipment is item " + std::to_string(i) + ".", false});
  }
  return data;
}

TEST(ActionModelTest, LearnsFromLabelsPicksAThresholdAndRoundTrips) {
  auto model = ActionModel::Train(FruitData());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_TRUE(model->IsAction("The banana shipment is item 99."));
  EXPECT_FALSE(model->IsAction("The apple shipment is item 98."));
  EXPECT_GT(model->threshold(), 0.0);
  EXPECT_LT(model->threshold(), 1.0);
  EXPECT_GT(model->cv_f1(), 0.9);
  auto loaded = ActionModel::Deserialize(model->Serialize());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_DOUBLE_EQ(loaded->threshold(), model->threshold());
  EXPECT_NEAR(loaded->Probability("The banana shipment is item 7."),
              model->Probability("The banana shipment is item 7."), 1e-6);
  EXPECT_FALSE(ActionModel::Train({{"a", true}, {"b", true}}).ok());
  EXPECT_FALSE(ActionModel::Deserialize(R"({"kind": "x"})").ok());
}

}  // namespace
}  // namespace signx::documents

namespace signx::documents {
namespace {

// libstdc++'s std::regex recurses once per repeated character: without the windows of
// internal/windows.h these inputs overflow the stack (a crafted file must not crash a worker).
TEST(RegexSafetyTest, HugeRunsWithoutSpacesDoNotCrash) {
  const std::string letters = "Contact " + std::string(1 << 20, 'a') + "@example.com today.";
  const std::string digits = "$" + std::string(1 << 20, '1') + " due 12/15/2026";
  const std::string caps = "Acme" + std::string(1 << 20, 'x') + " Inc signed.";
  for (const std::string* t : {&letters, &digits, &caps}) {
    EXPECT_EQ(Redact(*t).text.size() > 0, true);
    (void)FindDates(*t, D(2026, 12, 7));
    Extracted e;
    e.page_count = 1;
    e.blocks = {{1, Block::Kind::kParagraph, 0, *t}};
    const Analysis a = Analyse(e, PageTexts(e), D(2026, 12, 7));
    EXPECT_GE(a.sentence_count, 1);
  }
  EXPECT_EQ(FindDates(digits, D(2026, 12, 7)).back().text, "12/15/2026");
}

}  // namespace
}  // namespace signx::documents

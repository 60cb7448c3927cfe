// The leads capability end to end (schema, encoder, training, scoring with reasons, the scoring
// and KServe routes, model registry round trips, per-org models). Longer than ~700 lines because
// the cases share one trained fixture model that is expensive to build; splitting would train it
// once per test binary.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "base/strings.h"
#include "csv/reader.h"
#include "http/json.h"
#include "http/request.h"
#include "lake/lake_writer.h"
#include "leads/bundle.h"
#include "leads/encoder.h"
#include "leads/infer_schema.h"
#include "leads/lake_rows.h"
#include "leads/lead.h"
#include "leads/schema.h"
#include "leads/scorer.h"
#include "leads/training.h"
#include "ml/metrics.h"
#include "ml/tree_shap.h"
#include "ml/xgboost.h"

namespace signx::leads {
namespace {
namespace json = boost::json;

std::string ScoreText(const LeadScore& s, bool remote = false) {
  std::string out;
  AppendScoreJson(out, s, remote);
  return out;
}

TEST(ScoreJsonTest, WritesTheDocumentedShapeWithEscapesAndShortestNumbers) {
  LeadScore s{.lead_id = "L-\"7\"",
              .score = 0.8692437410354614,
              .bucket = 5,
              .tier = 'A',
              .model_version = "leads-abc",
              .reasons = {{"lead_source", "Lead Source = Ref\\erence\n: +0.84", 0.84},
                          {"visits", "Visits = 3: -0.1", -0.1}},
              .unknown_categories = 2};
  EXPECT_EQ(ScoreText(s),
            R"({"lead_id":"L-\"7\"","score":0.8692437410354614,"bucket":5,"tier":"A",)"
            R"("model_version":"leads-abc","reasons":[{"field":"lead_source",)"
            R"("text":"Lead Source = Ref\\erence\n: +0.84","contribution":0.84},)"
            R"({"field":"visits","text":"Visits = 3: -0.1","contribution":-0.1}],)"
            R"("unknown_categories":2})");
  // Valid JSON, and the remote flag is the last member.
  s.reasons.clear();
  const std::string remote = ScoreText(s, true);
  EXPECT_TRUE(remote.ends_with(R"("reasons":[],"unknown_categories":2,"reasons_available":false})"))
      << remote;
  const json::value back = json::parse(remote);
  EXPECT_EQ(back.at("lead_id").as_string(), "L-\"7\"");
  EXPECT_EQ(back.at("score").as_double(), 0.8692437410354614);
}

// ---- schema ----

TEST(SchemaTest, BuiltinXEducationMatchesTheReferenceFieldNames) {
  auto s = BuiltinSchema("x_education");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  // peers/leadscore-fastapi/features.py COLUMNS values, in order.
  const std::vector<std::string> reference = {"lead_origin",
                                              "lead_source",
                                              "do_not_email",
                                              "do_not_call",
                                              "total_visits",
                                              "total_time_spent_on_website",
                                              "page_views_per_visit",
                                              "last_activity",
                                              "country",
                                              "specialization",
                                              "how_did_you_hear",
                                              "current_occupation",
                                              "what_matters_most",
                                              "search",
                                              "magazine",
                                              "newspaper_article",
                                              "x_education_forums",
                                              "newspaper",
                                              "digital_advertisement",
                                              "through_recommendations",
                                              "receive_more_updates",
                                              "tags",
                                              "lead_quality",
                                              "update_supply_chain_content",
                                              "get_updates_dm_content",
                                              "lead_profile",
                                              "city",
                                              "asymmetrique_activity_index",
                                              "asymmetrique_profile_index",
                                              "asymmetrique_activity_score",
                                              "asymmetrique_profile_score",
                                              "agree_to_pay_by_cheque",
                                              "free_copy_mastering_interview",
                                              "last_notable_activity"};
  std::vector<std::string> features;
  for (const auto& f : s->fields) {
    if (f.role == FieldRole::kFeature) features.push_back(f.name);
  }
  EXPECT_EQ(features, reference);
  ASSERT_GE(s->LabelIndex(), 0);
  EXPECT_EQ(s->fields[s->LabelIndex()].column, "Converted");
  EXPECT_TRUE(s->fields[s->FieldIndex("tags")].leaky);
  EXPECT_TRUE(s->fields[s->FieldIndex("lead_quality")].leaky);
  EXPECT_FALSE(s->fields[s->FieldIndex("lead_source")].leaky);
  const auto& spec = s->fields[s->FieldIndex("specialization")];
  EXPECT_TRUE(s->IsMissing(s->FieldIndex("specialization"), "Select"));
  EXPECT_TRUE(s->IsMissing(s->FieldIndex("specialization"), ""));
  EXPECT_FALSE(spec.categories.empty());
  // Round trip through JSON.
  auto again = ParseSchema(SchemaToJson(*s));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->fields.size(), s->fields.size());
  EXPECT_TRUE(BuiltinSchema("crm_sales_opportunities").ok());
  EXPECT_EQ(BuiltinSchema("nope").status().code(), ErrorCode::kNotFound);
}

TEST(SchemaTest, ReportsEveryProblemAtOnce) {
  auto s = ParseSchemaText(R"({"fields":[
      {"name":"a","type":"float"},
      {"name":"a","type":"number","role":"boss"},
      {"name":"y","type":"integer","role":"label"}]})");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kValidationFailed);
  std::set<std::string> fields;
  for (const auto& d : s.status().details()) fields.insert(d.field);
  EXPECT_TRUE(fields.contains("schema.fields[0].type"));
  EXPECT_TRUE(fields.contains("schema.fields[1].name"));  // duplicate
  EXPECT_TRUE(fields.contains("schema.fields[1].role"));
  EXPECT_TRUE(fields.contains("schema.fields[2]"));  // label without positive/negative
  EXPECT_EQ(ParseSchemaText("{").status().code(), ErrorCode::kMalformedJson);
}

TEST(SchemaTest, DisplayFieldsAreShownNeverModelInputs) {
  auto s = ParseSchemaText(R"({"fields":[
      {"name":"id","type":"text","role":"id"},
      {"name":"contact","type":"text","role":"excluded","display":true},
      {"name":"source","type":"category","role":"feature","display":true},
      {"name":"visits","type":"integer","role":"feature"},
      {"name":"y","type":"boolean","role":"label","positive":["1"],"negative":["0"]}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(ReadWhenScoring(s->fields[1]));  // read and shown, though excluded from the model
  EXPECT_EQ(s->fields[1].role, FieldRole::kExcluded);
  EXPECT_FALSE(ReadWhenScoring(s->fields[4]));
  auto lead = LeadFromJson(*s, json::parse(R"({"id":"L1","contact":"Ada Lovelace","source":"Web",
      "visits":3})")
                                   .as_object());
  ASSERT_TRUE(lead.ok());
  const json::object shown = DisplayValues(*s, json::parse(R"({"id":"L1","contact":"Ada Lovelace",
      "source":"Web","visits":3})")
                                                   .as_object());
  EXPECT_EQ(json::serialize(shown), R"({"contact":"Ada Lovelace","source":"Web"})");
  // Long values are cut at a UTF-8 boundary.
  const std::string long_name = std::string(kMaxDisplayChars - 1, 'a') + "é";
  const json::object cut = DisplayValues(*s, json::object{{"contact", long_name}});
  EXPECT_EQ(cut.at("contact").as_string().size(), kMaxDisplayChars - 1);
  // The label cannot be shown (it is the outcome, not known when the lead is scored).
  auto bad = ParseSchemaText(R"({"fields":[{"name":"y","type":"boolean","role":"label",
      "display":true,"positive":["1"],"negative":["0"]}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().details()[0].field, "schema.fields[0].display");
  // Round trip.
  EXPECT_EQ(SchemaToJson(*s).at("fields").at(1).at("display"), true);
}

// Found by fuzz/lead_schema (fuzz/regressions/lead_schema/max_length_overflow): a max_length
// beyond size_t was cast anyway (undefined behaviour).
TEST(SchemaTest, RejectsAMaxLengthTooLargeForSizeT) {
  for (const char* ml : {"1e20", "88888888888888888888", "1e300"}) {
    auto s = ParseSchemaText(std::string(R"({"fields":[{"name":"id","type":"text","role":"id",)") +
                             R"("max_length":)" + ml + R"(},{"name":"y","type":"boolean",)" +
                             R"("role":"label","positive":["1"],"negative":["0"]}]})");
    ASSERT_FALSE(s.ok()) << ml;
    ASSERT_EQ(s.status().details().size(), 1u) << ml;
    EXPECT_EQ(s.status().details()[0].field, "schema.fields[0].max_length");
    EXPECT_EQ(s.status().details()[0].message, "is too large");
  }
  EXPECT_TRUE(ParseSchemaText(R"({"fields":[{"name":"id","type":"text","role":"id",)"
                              R"("max_length":9007199254740992},{"name":"y","type":"boolean",)"
                              R"("role":"label","positive":["1"],"negative":["0"]}]})")
                  .ok());
}

// The name table LeadFromJson reads keys through: every field of the shipped schemas is found
// at its index, other and near-miss names are not, and a table that does not cover the fields
// (a Schema made by hand, names given twice) is not used.
TEST(SchemaTest, TheFieldNameTableFindsEveryFieldAndNothingElse) {
  for (const std::string& name : BuiltinSchemaNames()) {
    const Schema s = *BuiltinSchema(name);
    ASSERT_TRUE(s.field_names.Covers(s.fields)) << name;
    for (std::size_t i = 0; i < s.fields.size(); ++i) {
      const std::string& field = s.fields[i].name;
      EXPECT_EQ(s.field_names.Find(field, s.fields), static_cast<int>(i)) << field;
      EXPECT_EQ(s.field_names.Find(field + "_", s.fields), -1) << field;
      EXPECT_EQ(s.field_names.Find(field.substr(1), s.fields), -1) << field;
      EXPECT_EQ(
          s.field_names.Find(ToLower(field) == field ? "X" + field : ToLower(field), s.fields), -1)
          << field;
    }
    EXPECT_EQ(s.field_names.Find("", s.fields), -1);
    EXPECT_EQ(s.field_names.Find(std::string("lead_id\0", 8), s.fields), -1);
  }
  Schema by_hand;
  by_hand.fields.resize(2);
  by_hand.fields[0].name = "a";
  by_hand.fields[1].name = "a";
  EXPECT_FALSE(by_hand.field_names.Covers(by_hand.fields));
  EXPECT_FALSE(FieldNameTable(by_hand.fields).Covers(by_hand.fields));
  by_hand.fields[1].name = "b";
  EXPECT_TRUE(FieldNameTable(by_hand.fields).Covers(by_hand.fields));
  EXPECT_FALSE(FieldNameTable(by_hand.fields).Covers(BuiltinSchema("x_education")->fields));
}

TEST(SchemaTest, SnakeCase) {
  EXPECT_EQ(ToSnakeCase("Lead Source"), "lead_source");
  EXPECT_EQ(ToSnakeCase("TotalVisits"), "total_visits");
  EXPECT_EQ(ToSnakeCase("How did you hear about X Education"),
            "how_did_you_hear_about_x_education");
  EXPECT_EQ(ToSnakeCase("close_value"), "close_value");
  EXPECT_EQ(ToSnakeCase("  Page Views/Visit "), "page_views_visit");
}

// ---- csv ----

TEST(CsvTest, ParsesQuotedFieldsAndChecksWidth) {
  auto t = csv::ReadTable(
      "\xEF\xBB\xBF"
      "a,b,c\n1,\"x, y\",\"multi\nline\"\n\n2,\"say \"\"hi\"\"\",\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0][1], "x, y");
  EXPECT_EQ(t->rows[0][2], "multi\nline");
  EXPECT_EQ(t->rows[1][1], "say \"hi\"");
  EXPECT_EQ(t->rows[1][2], "");
  EXPECT_EQ(t->ColumnIndex("c"), 2);
  auto bad = csv::ReadTable("a,b\n1,2,3\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("record 2"), std::string_view::npos);
  auto semi = csv::ReadTable("a;b\n1;2\n", {.delimiter = ';'});
  ASSERT_TRUE(semi.ok());
  EXPECT_EQ(semi->rows[0][1], "2");
  EXPECT_EQ(csv::DetectDelimiter("a;b;\"c,d\"\n1;2;3"), ';');
  EXPECT_EQ(csv::DetectDelimiter("a\tb\n"), '\t');
  EXPECT_EQ(csv::DetectDelimiter("single"), ',');
  EXPECT_FALSE(csv::ReadTable("").ok());
}

// ---- lead validation ----

json::object ExampleLead() {
  return json::parse(R"({"lead_id": "LEAD-660728", "lead_origin": "API",
    "lead_source": "Organic Search", "do_not_email": false, "do_not_call": false,
    "total_visits": 5, "total_time_spent_on_website": 674, "page_views_per_visit": 2.5,
    "last_activity": "Email Opened", "country": "India", "specialization": "Select",
    "how_did_you_hear": "Select", "current_occupation": "Unemployed",
    "what_matters_most": "Better Career Prospects", "search": false, "magazine": false,
    "newspaper_article": false, "x_education_forums": false, "newspaper": false,
    "digital_advertisement": false, "through_recommendations": false,
    "receive_more_updates": false, "tags": "Ringing", "lead_quality": null,
    "update_supply_chain_content": false, "get_updates_dm_content": false,
    "lead_profile": "Select", "city": "Select", "asymmetrique_activity_index": "02.Medium",
    "asymmetrique_profile_index": "02.Medium", "asymmetrique_activity_score": 15,
    "asymmetrique_profile_score": 15, "agree_to_pay_by_cheque": false,
    "free_copy_mastering_interview": false, "last_notable_activity": "Email Opened"})")
      .as_object();
}

TEST(LeadTest, ReferenceExampleValidates) {
  const Schema s = *BuiltinSchema("x_education");
  auto lead = LeadFromJson(s, ExampleLead());
  ASSERT_TRUE(lead.ok()) << lead.status().ToString();
  EXPECT_EQ(lead->id, "LEAD-660728");
  EXPECT_EQ(std::get<double>(lead->values[s.FieldIndex("total_visits")]), 5.0);
  EXPECT_TRUE(IsMissing(lead->values[s.FieldIndex("specialization")]));  // "Select"
  EXPECT_TRUE(IsMissing(lead->values[s.FieldIndex("lead_quality")]));    // null
  EXPECT_EQ(std::get<std::string>(lead->values[s.FieldIndex("tags")]), "Ringing");
  // Omitted booleans take the schema default (false), like the reference service.
  json::object minimal = {{"lead_id", "x"}};
  auto m = LeadFromJson(s, minimal);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(std::get<bool>(m->values[s.FieldIndex("do_not_email")]), false);
}

TEST(LeadTest, LeadToJsonIsReadBackAsTheSameLead) {
  const Schema s = *BuiltinSchema("x_education");
  auto lead = LeadFromJson(s, ExampleLead());
  ASSERT_TRUE(lead.ok());
  const json::object written = LeadToJson(s, *lead);
  EXPECT_FALSE(written.contains("specialization")) << "missing values are left out";
  EXPECT_EQ(written.at("tags"), "Ringing");
  auto again = LeadFromJson(s, written);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->id, lead->id);
  EXPECT_EQ(again->values, lead->values);
}

TEST(LeadTest, ValidationNamesEveryBadFieldAndItsRule) {
  const Schema s = *BuiltinSchema("x_education");
  json::object lead = ExampleLead();
  lead.erase("lead_id");
  lead["total_visits"] = -3;
  lead["page_views_per_visit"] = "lots";
  lead["do_not_email"] = "maybe";
  lead["asymmetrique_activity_score"] = 101;
  lead["country"] = 7;
  lead["city"] = json::array{"Mumbai"};
  lead["lead_source"] = "Carrier Pigeon";  // unknown category: not an error
  lead["not_a_field"] = 1;                 // unknown keys are ignored
  auto r = LeadFromJson(s, lead);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  std::map<std::string, std::string> errors;
  for (const auto& d : r.status().details()) errors[d.field] = d.message;
  EXPECT_EQ(errors.size(), 7u);
  EXPECT_EQ(errors["lead_id"], "is required");
  EXPECT_EQ(errors["total_visits"], "must be at least 0");
  EXPECT_EQ(errors["page_views_per_visit"], "must be a number");
  EXPECT_EQ(errors["do_not_email"], "must be a boolean (true/false, yes/no, 1/0)");
  EXPECT_EQ(errors["asymmetrique_activity_score"], "must be at most 100");
  EXPECT_NE(errors["country"].find("must be a string"), std::string::npos);
  EXPECT_NE(errors["city"].find("not an array"), std::string::npos);
  lead["lead_id"] = std::string(200, 'x');
  lead["total_visits"] = 2.5;  // integer field
  auto r2 = LeadFromJson(s, lead);
  ASSERT_FALSE(r2.ok());
  errors.clear();
  for (const auto& d : r2.status().details()) errors[d.field] = d.message;
  EXPECT_EQ(errors["lead_id"], "must be at most 128 characters");
  EXPECT_EQ(errors["total_visits"], "must be an integer");
}

TEST(LeadTest, IsoDates) {
  EXPECT_EQ(ParseIsoDate("1970-01-01"), 0);
  EXPECT_EQ(ParseIsoDate("2017-03-01"), 17226);
  EXPECT_EQ(ParseIsoDate("2016-02-29"), 16860);
  EXPECT_FALSE(ParseIsoDate("2017-02-29"));
  EXPECT_FALSE(ParseIsoDate("2017-13-01"));
  EXPECT_FALSE(ParseIsoDate("17-03-01"));
}

// Every kind of field (two ids, each type, an excluded display field, an excluded field and the
// label), for the tests below that pin what LeadFromJson and DisplayValues give for each kind of
// JSON value.
Schema EveryKindSchema() {
  auto s = ParseSchemaText(R"({"name":"kinds","missing":["","NA"],"fields":[
    {"name":"lead_id","type":"text","role":"id","required":true,"max_length":8},
    {"name":"alt_id","type":"text","role":"id"},
    {"name":"source","type":"category","role":"feature","missing":["Select"],"display":true},
    {"name":"visits","type":"integer","role":"feature","min":0,"max":100,"display":true},
    {"name":"spend","type":"number","role":"feature","display":true},
    {"name":"opted_in","type":"boolean","role":"feature","default":true,"display":true},
    {"name":"flag","type":"boolean","role":"feature"},
    {"name":"first_contact","type":"date","role":"feature"},
    {"name":"notes","type":"text","role":"feature","max_length":5},
    {"name":"owner","type":"text","role":"excluded","display":true},
    {"name":"internal","type":"integer","role":"excluded"},
    {"name":"converted","type":"integer","role":"label","positive":["1"],"negative":["0"]}]})");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

std::vector<std::pair<std::string, std::string>> ErrorsOf(const Result<Lead>& r) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!r.ok()) {
    for (const auto& d : r.status().details()) out.emplace_back(d.field, d.message);
  }
  return out;
}

// One error per bad field, in the schema's field order whatever the order of the keys; fields not
// read when scoring (excluded and not shown, the label) and unknown keys are never errors.
TEST(LeadTest, EveryWrongTypeHasItsMessageInFieldOrder) {
  const Schema s = EveryKindSchema();
  auto r = LeadFromJson(s, json::parse(R"({"zzz": [1, 2], "converted": "x", "internal": "abc",
      "owner": 7, "notes": "toolong", "first_contact": "2017-02-29", "flag": {"x": 1},
      "opted_in": 2, "spend": [1], "visits": true, "source": 3, "alt_id": 4.5,
      "lead_id": true})")
                               .as_object());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(r.status().message(), "the lead is invalid");
  const std::vector<std::pair<std::string, std::string>> want = {
      {"lead_id", "must be a text, not a boolean"},
      {"alt_id", "must be a string (text)"},
      {"source", "must be a string (category)"},
      {"visits", "must be a integer, not a boolean"},
      {"spend", "must be a number value, not an array or object"},
      {"opted_in", "must be a boolean (true/false, yes/no, 1/0)"},
      {"flag", "must be a boolean value, not an array or object"},
      {"first_contact", "must be a date YYYY-MM-DD"},
      {"notes", "must be at most 5 characters"},
      {"owner", "must be a string (text)"}};
  EXPECT_EQ(ErrorsOf(r), want);
  // Text in a number or boolean field, a number out of range or not whole, a long id number.
  auto r2 = LeadFromJson(s, json::parse(R"({"lead_id": 1e20, "visits": "seven", "spend": "x",
      "opted_in": "maybe", "flag": "2", "owner": false, "alt_id": [], "source": true})")
                                .as_object());
  const std::vector<std::pair<std::string, std::string>> want2 = {
      {"lead_id", "must be at most 8 characters"},
      {"alt_id", "must be a text value, not an array or object"},
      {"source", "must be a category, not a boolean"},
      {"visits", "must be an integer"},
      {"spend", "must be a number"},
      {"opted_in", "must be a boolean (true/false, yes/no, 1/0)"},
      {"flag", "must be a boolean (true/false, yes/no, 1/0)"},
      {"owner", "must be a text, not a boolean"}};
  EXPECT_EQ(ErrorsOf(r2), want2);
  auto r3 = LeadFromJson(
      s, json::parse(R"({"lead_id": "a", "visits": 101, "spend": 1e999})").as_object());
  EXPECT_EQ(ErrorsOf(r3),
            (std::vector<std::pair<std::string, std::string>>{
                {"visits", "must be at most 100"}, {"spend", "must be a finite number"}}));
  auto r4 =
      LeadFromJson(s, json::parse(R"({"lead_id": "a", "visits": "-1", "spend": 2})").as_object());
  EXPECT_EQ(ErrorsOf(r4),
            (std::vector<std::pair<std::string, std::string>>{{"visits", "must be at least 0"}}));
  auto r5 = LeadFromJson(s, json::parse(R"({"lead_id": "a", "visits": 2.5})").as_object());
  EXPECT_EQ(ErrorsOf(r5),
            (std::vector<std::pair<std::string, std::string>>{{"visits", "must be an integer"}}));
  // A required id that is absent, null, a missing marker or blank.
  for (const char* body : {R"({})", R"({"lead_id": null})", R"({"lead_id": "NA"})",
                           R"({"lead_id": "  "})", R"({"alt_id": "x"})"}) {
    EXPECT_EQ(ErrorsOf(LeadFromJson(s, json::parse(body).as_object())),
              (std::vector<std::pair<std::string, std::string>>{{"lead_id", "is required"}}))
        << body;
  }
}

// The value each kind of JSON value becomes: numbers for ids are their digits, 0/1 and text
// booleans are booleans, strings are trimmed, missing markers and nulls are missing (a boolean's
// default applies), and what is not read stays missing.
TEST(LeadTest, EveryKindOfValueAndWhatItBecomes) {
  const Schema s = EveryKindSchema();
  auto v = [&](const Lead& lead, std::string_view name) {
    return lead.values[static_cast<std::size_t>(s.FieldIndex(name))];
  };
  auto r = LeadFromJson(s, json::parse(R"({"lead_id": 42, "alt_id": "A-1", "source": "Select",
      "visits": " 7 ", "spend": 1e2, "flag": 0, "first_contact": "2016-02-29", "notes": "",
      "owner": "Ann", "internal": "abc", "converted": 1, "opted_in": null})")
                               .as_object());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "42");
  EXPECT_EQ(v(*r, "lead_id"), FieldValue(std::string("42")));
  EXPECT_EQ(v(*r, "alt_id"), FieldValue(std::string("A-1")));
  EXPECT_TRUE(IsMissing(v(*r, "source")));
  EXPECT_EQ(v(*r, "visits"), FieldValue(7.0));
  EXPECT_EQ(v(*r, "spend"), FieldValue(100.0));
  EXPECT_EQ(v(*r, "opted_in"), FieldValue(true));  // null: the default
  EXPECT_EQ(v(*r, "flag"), FieldValue(false));
  EXPECT_EQ(v(*r, "first_contact"), FieldValue(std::string("2016-02-29")));
  EXPECT_TRUE(IsMissing(v(*r, "notes")));
  EXPECT_EQ(v(*r, "owner"), FieldValue(std::string("Ann")));
  EXPECT_TRUE(IsMissing(v(*r, "internal")));
  EXPECT_TRUE(IsMissing(v(*r, "converted")));
  auto r2 = LeadFromJson(s, json::parse(R"({"lead_id": " -0.0 ", "alt_id": -0.0, "source": " NA ",
      "visits": 18446744073709551615, "spend": -3, "opted_in": "no", "flag": 1,
      "notes": " ab  "})")
                                .as_object());
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(ErrorsOf(r2),
            (std::vector<std::pair<std::string, std::string>>{{"visits", "must be at most 100"}}));
  auto r3 = LeadFromJson(s, json::parse(R"({"lead_id": " -0.0 ", "alt_id": -0.0,
      "source": " NA ", "visits": 0, "spend": -3, "opted_in": "no", "flag": 1,
      "notes": " ab  "})")
                                .as_object());
  ASSERT_TRUE(r3.ok()) << r3.status().ToString();
  EXPECT_EQ(r3->id, "-0.0");
  EXPECT_EQ(v(*r3, "alt_id"), FieldValue(std::string("-0")));
  EXPECT_TRUE(IsMissing(v(*r3, "source")));
  EXPECT_EQ(v(*r3, "visits"), FieldValue(0.0));
  EXPECT_EQ(v(*r3, "spend"), FieldValue(-3.0));
  EXPECT_EQ(v(*r3, "opted_in"), FieldValue(false));
  EXPECT_EQ(v(*r3, "flag"), FieldValue(true));
  EXPECT_EQ(v(*r3, "notes"), FieldValue(std::string("ab")));
  // The id is the first id field's value; an absent optional boolean without a default stays
  // missing.
  auto r4 = LeadFromJson(s, json::parse(R"({"alt_id": "B", "lead_id": "A"})").as_object());
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(r4->id, "A");
  EXPECT_EQ(v(*r4, "opted_in"), FieldValue(true));
  EXPECT_TRUE(IsMissing(v(*r4, "flag")));
  EXPECT_EQ(r4->values.size(), s.fields.size());
}

// Keys are matched exactly (after JSON unescaping), case and all; others are ignored. A key given
// twice counts once, with the parser's choice of value (the last).
TEST(LeadTest, KeysMatchExactlyAndADuplicateKeyTakesTheLastValue) {
  const Schema s = EveryKindSchema();
  const std::size_t visits = static_cast<std::size_t>(s.FieldIndex("visits"));
  auto r = LeadFromJson(s, json::parse(R"({"lead_id": "a", "vis\u0069ts": 4, "Visits": -1,
      "visit": -1, "visits ": -1, "": -1, "lead_id\u0000": 1})")
                               .as_object());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->values[visits], FieldValue(4.0));
  auto last =
      LeadFromJson(s, json::parse(R"({"lead_id": "a", "visits": -1, "visits": 3})").as_object());
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->values[visits], FieldValue(3.0));
  auto bad =
      LeadFromJson(s, json::parse(R"({"visits": 3, "lead_id": "a", "visits": -1})").as_object());
  EXPECT_EQ(ErrorsOf(bad),
            (std::vector<std::pair<std::string, std::string>>{{"visits", "must be at least 0"}}));
  // The same through the request parser the routes use.
  http::Request req;
  req.body = R"({"lead_id": "a", "lead_id": "b", "visits": 1, "visits": 2})";
  auto body = http::ParseJsonObject(req);
  ASSERT_TRUE(body.ok());
  auto parsed = LeadFromJson(s, *body);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->id, "b");
  EXPECT_EQ(parsed->values[visits], FieldValue(2.0));
}

// The order of the keys does not matter: the reference lead in the schema's order, reversed and
// shuffled reads as the same lead.
TEST(LeadTest, KeyOrderDoesNotMatter) {
  const Schema s = *BuiltinSchema("x_education");
  const json::object lead = ExampleLead();
  auto in_order = LeadFromJson(s, lead);
  ASSERT_TRUE(in_order.ok());
  std::vector<std::pair<std::string, json::value>> members;
  for (const auto& [key, value] : lead) members.emplace_back(std::string(key), value);
  std::mt19937_64 rng(3);
  for (int round = 0; round < 6; ++round) {
    if (round == 0) {
      std::reverse(members.begin(), members.end());
    } else {
      std::shuffle(members.begin(), members.end(), rng);
    }
    json::object reordered;
    for (const auto& [key, value] : members) reordered[key] = value;
    auto r = LeadFromJson(s, reordered);
    ASSERT_TRUE(r.ok()) << round;
    EXPECT_EQ(r->id, in_order->id) << round;
    EXPECT_EQ(r->values, in_order->values) << round;
  }
}

// A Schema whose name table does not cover its fields (one made by hand) reads leads the same.
TEST(LeadTest, ASchemaWithoutItsNameTableReadsLeadsTheSame) {
  const Schema s = EveryKindSchema();
  Schema by_hand = s;
  by_hand.field_names = FieldNameTable();
  for (const char* body :
       {R"({"lead_id": 42, "alt_id": "A-1", "source": "Select", "visits": " 7 ", "spend": 1e2,
           "flag": 0, "first_contact": "2016-02-29", "notes": "", "owner": "Ann", "zzz": 1})",
        R"({"zzz": [1, 2], "converted": "x", "owner": 7, "notes": "toolong", "flag": {"x": 1},
           "opted_in": 2, "spend": [1], "visits": true, "source": 3, "lead_id": true})",
        R"({"lead_id": "a", "visits": -1, "visits": 3})", R"({})"}) {
    const json::object lead = json::parse(body).as_object();
    auto a = LeadFromJson(s, lead);
    auto b = LeadFromJson(by_hand, lead);
    ASSERT_EQ(a.ok(), b.ok()) << body;
    if (a.ok()) {
      EXPECT_EQ(a->id, b->id) << body;
      EXPECT_EQ(a->values, b->values) << body;
    } else {
      EXPECT_EQ(ErrorsOf(a), ErrorsOf(b)) << body;
    }
  }
}

// The text shown for each kind of display value: strings as they are (cut to kMaxDisplayChars),
// numbers and booleans as JSON writes them; nulls, empty strings, arrays and objects are left out,
// and so are fields that are not display fields.
TEST(LeadTest, DisplayValuesOfEveryKindOfValue) {
  const Schema s = EveryKindSchema();
  auto shown = [&](std::string_view text) {
    return json::serialize(DisplayValues(s, json::parse(text).as_object()));
  };
  EXPECT_EQ(shown(R"({"owner": "Ann", "source": "Web", "visits": 7, "spend": 2.5,
      "opted_in": true, "lead_id": "L1", "notes": "n"})"),
            R"({"source":"Web","visits":"7","spend":"2.5E0","opted_in":"true","owner":"Ann"})");
  EXPECT_EQ(shown(R"({"owner": null, "source": "", "visits": [1], "spend": {"a": 1},
      "opted_in": false})"),
            R"({"opted_in":"false"})");
  EXPECT_EQ(shown(R"({"spend": 1e2, "visits": -0.0, "owner": "x", "owner": "y"})"),
            R"({"visits":"-0E0","spend":"1E2","owner":"y"})");
  EXPECT_EQ(shown(R"({"visits": 18446744073709551615, "spend": -3})"),
            R"({"visits":"18446744073709551615","spend":"-3"})");
  const std::string cut = json::serialize(json::object{{"owner", std::string(300, 'a')}});
  EXPECT_EQ(DisplayValues(s, json::parse(cut).as_object()).at("owner").as_string().size(),
            kMaxDisplayChars);
  EXPECT_TRUE(DisplayValues(s, json::object{{"zzz", "x"}}).empty());
}

// ---- synthetic export for encoder / training / scoring ----

Schema TestSchema() {
  return *ParseSchemaText(R"({"name":"test","missing":["","Select"],"fields":[
    {"name":"lead_id","column":"Lead ID","type":"text","role":"id","required":true},
    {"name":"source","column":"Source","type":"category","role":"feature"},
    {"name":"visits","column":"Visits","type":"number","role":"feature","min":0},
    {"name":"opted_in","column":"Opted In","type":"boolean","role":"feature","default":false},
    {"name":"first_contact","column":"First Contact","type":"date","role":"feature"},
    {"name":"quality","column":"Quality","label":"Lead quality","type":"category",
     "role":"feature","leaky":true},
    {"name":"notes","column":"Notes","type":"text","role":"feature"},
    {"name":"converted","column":"Converted","type":"integer","role":"label",
     "positive":["1"],"negative":["0"]}]})");
}

std::string SyntheticCsv(int rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::string csv = "Lead ID,Source,Visits,Opted In,First Contact,Quality,Notes,Converted\n";
  const char* sources[] = {"Google", "Reference", "Direct", "Select"};
  for (int i = 0; i < rows; ++i) {
    const int src = static_cast<int>(u(rng) * 4);
    const double visits = std::floor(u(rng) * 20);
    const bool opted = u(rng) < 0.5;
    double logit = -1.0 + (src == 1 ? 2.0 : 0) + 0.15 * visits - (opted ? 0 : 0.5);
    const bool y = u(rng) < 1.0 / (1.0 + std::exp(-logit));
    const bool rare = i % 97 == 0;
    csv += fmt::format(
        "L{},{},{},{},2017-0{}-1{},{},\"free, text\",{}\n", i, rare ? "Smoke Signal" : sources[src],
        i % 10 == 0 ? std::string() : fmt::format("{}", visits), opted ? "Yes" : "No", 1 + i % 9,
        i % 10, (y ? u(rng) < 0.9 : u(rng) < 0.1) ? "Hot" : "Cold", y ? 1 : 0);
  }
  csv += "L-unlabelled,Google,3,No,2017-01-01,Hot,,\n";  // label missing: skipped
  return csv;
}

TEST(EncoderTest, OneHotOtherAndRoundTrip) {
  const Schema s = TestSchema();
  auto table = csv::ReadTable(SyntheticCsv(300, 1));
  ASSERT_TRUE(table.ok());
  auto cols = MapColumns(s, table->header);
  ASSERT_TRUE(cols.ok());
  std::vector<Lead> leads;
  for (const auto& row : table->rows) leads.push_back(*LeadFromCsvRow(s, *cols, row));
  auto enc = Encoder::Fit(s, leads, {.min_category_count = 5, .include_leaky = false});
  ASSERT_TRUE(enc.ok());
  // source: Direct, Google, Reference + (other) for the rare "Smoke Signal"; visits; opted_in;
  // first_contact .days .month .weekday. Quality (leaky) and notes (text) are not encoded.
  EXPECT_EQ(enc->column_names(),
            (std::vector<std::string>{"source=Direct", "source=Google", "source=Reference",
                                      "source=(other)", "visits", "opted_in", "first_contact.days",
                                      "first_contact.month", "first_contact.weekday"}));
  std::vector<float> row(enc->width());
  Lead lead;
  lead.values.resize(s.fields.size());
  lead.values[s.FieldIndex("source")] = std::string("Reference");
  lead.values[s.FieldIndex("visits")] = 4.0;
  lead.values[s.FieldIndex("first_contact")] = std::string("2017-03-01");  // a Wednesday
  EXPECT_EQ(enc->Encode(lead, row), 0);
  EXPECT_EQ(row[2], 1.0f);
  EXPECT_EQ(row[0] + row[1] + row[3], 0.0f);
  EXPECT_EQ(row[4], 4.0f);
  EXPECT_TRUE(std::isnan(row[5]));  // boolean missing (no default applied to a raw Lead)
  EXPECT_EQ(row[6], 17226.0f);
  EXPECT_EQ(row[7], 3.0f);
  EXPECT_EQ(row[8], 2.0f);
  lead.values[s.FieldIndex("source")] = std::string("Telepathy");
  std::vector<std::string> unknown;
  EXPECT_EQ(enc->Encode(lead, row, &unknown), 1);
  EXPECT_EQ(unknown, std::vector<std::string>{"source"});
  EXPECT_EQ(row[3], 1.0f);  // other
  auto back = Encoder::FromJson(enc->ToJson(), s);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->column_names(), enc->column_names());
  std::vector<float> row2(back->width());
  back->Encode(lead, row2);
  for (std::size_t i = 0; i < row.size(); ++i) {
    EXPECT_TRUE(row[i] == row2[i] || (std::isnan(row[i]) && std::isnan(row2[i])));
  }
  auto with_leaky = Encoder::Fit(s, leads, {.min_category_count = 5, .include_leaky = true});
  ASSERT_TRUE(with_leaky.ok());
  EXPECT_EQ(with_leaky->width(), enc->width() + 2);  // quality=Cold, quality=Hot
}

TrainOptions FastOptions() {
  TrainOptions o;
  o.num_rounds = 200;
  o.early_stopping_rounds = 20;
  o.max_depth = 3;
  o.eta = 0.1;
  o.grid_max_depth = {2, 3};
  o.grid_eta = {0.1, 0.3};
  o.nthread = 1;
  return o;
}

// Every reason's contribution equals XGBoost's own pred_contribs summed over the field's
// columns (to 1e-5), for `rows` leads of `table` (missing values included).
void ExpectReasonsMatchXGBoost(const ModelBundle& bundle, const csv::Table& table,
                               std::size_t rows) {
  auto scorer = Scorer::Create(bundle);
  ASSERT_TRUE(scorer.ok()) << scorer.status().ToString();
  auto booster = ml::Booster::LoadRaw(bundle.booster);
  ASSERT_TRUE(booster.ok());
  auto cols = MapColumns(bundle.schema, table.header);
  ASSERT_TRUE(cols.ok()) << cols.status().ToString();
  std::vector<Lead> leads;
  std::vector<FieldError> lenient;
  for (std::size_t i = 0; i < table.rows.size() && leads.size() < rows; ++i) {
    auto lead = LeadFromCsvRow(bundle.schema, *cols, table.rows[i], &lenient);
    ASSERT_TRUE(lead.ok());
    leads.push_back(std::move(lead).value());
  }
  const Encoder& enc = bundle.encoder;
  const std::size_t width = enc.width();
  std::vector<float> x(leads.size() * width);
  for (std::size_t i = 0; i < leads.size(); ++i) {
    enc.Encode(leads[i], std::span<float>(x.data() + i * width, width));
  }
  auto m = ml::DMatrix::FromDense(x, leads.size(), width);
  ASSERT_TRUE(m.ok());
  auto contribs = booster->PredictContribs(*m);
  ASSERT_TRUE(contribs.ok());
  auto scores = scorer->Score(leads, {.explain = true, .max_reasons = 1000});
  ASSERT_TRUE(scores.ok());
  double worst = 0;
  std::size_t checked = 0;
  for (std::size_t i = 0; i < leads.size(); ++i) {
    std::map<std::string, double> by_field;
    for (std::size_t c = 0; c < width; ++c) {
      by_field[enc.sources()[enc.SourceOfColumn(c)].name] += (*contribs)[i * (width + 1) + c];
    }
    for (const auto& r : (*scores)[i].reasons) {
      worst = std::max(worst, std::abs(r.contribution - by_field.at(r.field)));
      ++checked;
    }
  }
  EXPECT_GT(checked, leads.size());
  EXPECT_LE(worst, 1e-5) << "over " << checked << " reasons";
  std::printf("reasons vs XGBoost pred_contribs: %zu reasons, max |diff| %.3g\n", checked, worst);
}

class TrainedModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto table = csv::ReadTable(SyntheticCsv(1500, 2));
    ASSERT_TRUE(table.ok());
    table_ = new csv::Table(std::move(table).value());
    auto out = TrainLeadModel(*table_, TestSchema(), FastOptions());
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    bundle_ = new ModelBundle(std::move(out->bundle));
  }
  static void TearDownTestSuite() {
    delete table_;
    delete bundle_;
  }
  static csv::Table* table_;
  static ModelBundle* bundle_;
};
csv::Table* TrainedModelTest::table_ = nullptr;
ModelBundle* TrainedModelTest::bundle_ = nullptr;

TEST_F(TrainedModelTest, TrainingIsReproducibleWithTheSeed) {
  auto again = TrainLeadModel(*table_, TestSchema(), FastOptions());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bundle.booster, bundle_->booster);
  EXPECT_EQ(again->bundle.model_version, bundle_->model_version);
  EXPECT_EQ(again->bundle.thresholds, bundle_->thresholds);
  TrainOptions other = FastOptions();
  other.seed = 43;
  auto different = TrainLeadModel(*table_, TestSchema(), other);
  ASSERT_TRUE(different.ok());
  EXPECT_NE(different->bundle.booster, bundle_->booster);
}

TEST_F(TrainedModelTest, CardReportsBothVariants) {
  const json::object& card = bundle_->card;
  EXPECT_EQ(card.at("data").at("rows").to_number<int>(), 1501);
  EXPECT_EQ(card.at("data").at("rows_used").to_number<int>(), 1500);
  EXPECT_EQ(card.at("data").at("rows_skipped_unlabelled").to_number<int>(), 1);
  EXPECT_FALSE(card.at("trained_with_leaky_fields").as_bool());
  const auto& without = card.at("variants").at("without_leaky_fields").as_object();
  const auto& with = card.at("variants").at("with_leaky_fields").as_object();
  const double auc_without = without.at("test").at("auc_roc").to_number<double>();
  const double auc_with = with.at("test").at("auc_roc").to_number<double>();
  EXPECT_GT(auc_without, 0.6);
  EXPECT_GT(auc_with, auc_without);  // "Quality" leaks the label
  EXPECT_EQ(without.at("test").at("calibration_table").as_array().size(), 10u);
  EXPECT_EQ(without.at("tiers").as_array().size(), 5u);
  EXPECT_FALSE(without.at("top_features").as_array().empty());
  EXPECT_EQ(card.at("model").at("model_version"), card.at("model_version"));
  EXPECT_FALSE(CardSummary(card).empty());
  ASSERT_EQ(bundle_->thresholds.size(), 4u);
  EXPECT_TRUE(std::is_sorted(bundle_->thresholds.begin(), bundle_->thresholds.end()));
}

TEST_F(TrainedModelTest, BundleRoundTripsThroughAFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("signx_leads_test_{}", ::getpid()) / "model.json";
  ASSERT_TRUE(SaveBundleFile(*bundle_, path.string()).ok());
  auto loaded = LoadBundleFile(path.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->booster, bundle_->booster);
  EXPECT_EQ(loaded->model_version, bundle_->model_version);
  const std::string a = SerializeBundle(*loaded), b = SerializeBundle(*bundle_);
  std::size_t diff = 0;
  while (diff < a.size() && diff < b.size() && a[diff] == b[diff]) ++diff;
  EXPECT_EQ(diff, a.size()) << "first difference: " << a.substr(diff > 60 ? diff - 60 : 0, 120)
                            << " vs " << b.substr(diff > 60 ? diff - 60 : 0, 120);
  std::filesystem::remove_all(path.parent_path());
  // Tampering is detected.
  std::string text = SerializeBundle(*bundle_);
  const auto pos = text.find("\"min_category_count\":5");
  ASSERT_NE(pos, std::string::npos);
  text[pos + 21] = '6';
  auto tampered = ParseBundle(text);
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.status().code(), ErrorCode::kDataLoss);
  EXPECT_FALSE(ParseBundle("{\"format\":\"other\"}").ok());
}

TEST_F(TrainedModelTest, ScoresMatchTheBoosterAndAreDeterministic) {
  auto scorer = Scorer::Create(*bundle_);
  ASSERT_TRUE(scorer.ok()) << scorer.status().ToString();
  const Schema& s = bundle_->schema;
  auto cols = MapColumns(s, table_->header);
  ASSERT_TRUE(cols.ok());
  std::vector<Lead> leads;
  for (std::size_t i = 0; i < 50; ++i) leads.push_back(*LeadFromCsvRow(s, *cols, table_->rows[i]));
  auto batch = scorer->Score(leads, {});
  ASSERT_TRUE(batch.ok());
  // Reference check: the booster's own probabilities through the bundle's calibration.
  auto booster = ml::Booster::LoadRaw(bundle_->booster);
  ASSERT_TRUE(booster.ok());
  std::vector<float> x(leads.size() * bundle_->encoder.width());
  for (std::size_t i = 0; i < leads.size(); ++i) {
    bundle_->encoder.Encode(leads[i], std::span<float>(x.data() + i * bundle_->encoder.width(),
                                                       bundle_->encoder.width()));
  }
  auto m = ml::DMatrix::FromDense(x, leads.size(), bundle_->encoder.width());
  ASSERT_TRUE(m.ok());
  auto p = booster->Predict(*m);
  ASSERT_TRUE(p.ok());
  for (std::size_t i = 0; i < leads.size(); ++i) {
    const LeadScore& r = (*batch)[i];
    EXPECT_DOUBLE_EQ(r.score, bundle_->calibrator.Apply((*p)[i]));
    EXPECT_GE(r.score, 0.0);
    EXPECT_LE(r.score, 1.0);
    EXPECT_EQ(r.bucket, BucketFor(r.score, bundle_->thresholds));
    EXPECT_EQ(r.tier, TierFor(r.bucket));
    EXPECT_EQ(r.model_version, bundle_->model_version);
    EXPECT_EQ(r.lead_id, fmt::format("L{}", i));
    // Batch == single.
    auto one = scorer->Score(std::span<const Lead>(&leads[i], 1), {});
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(ScoreText(one->front()), ScoreText(r));
  }
  // Reasons are readable and deterministic.
  json::object lead = {{"lead_id", "X1"},
                       {"source", "Reference"},
                       {"visits", 18},
                       {"opted_in", true},
                       {"first_contact", "2017-03-01"}};
  auto a = scorer->ScoreJson(lead, {});
  auto b = scorer->ScoreJson(lead, {});
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString();
  EXPECT_EQ(ScoreText(*a), ScoreText(*b));
  ASSERT_FALSE(a->reasons.empty());
  bool saw_source = false;
  for (const auto& r : a->reasons) {
    if (r.field == "source") {
      saw_source = true;
      EXPECT_TRUE(r.text.starts_with("Source = Reference: +")) << r.text;
    }
  }
  EXPECT_TRUE(saw_source);
  auto no_reasons = scorer->ScoreJson(lead, {.explain = false});
  ASSERT_TRUE(no_reasons.ok());
  EXPECT_TRUE(no_reasons->reasons.empty());
  EXPECT_EQ(no_reasons->score, a->score);
  // Unknown categories are counted, not rejected.
  lead["source"] = "Carrier Pigeon";
  auto unknown = scorer->ScoreJson(lead, {});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->unknown_categories, 1);
  // Batch validation names the lead and the field.
  json::array leads_json = {lead, json::object{{"visits", -1}}, 5};
  auto bad = scorer->ScoreJsonBatch(leads_json, {});
  ASSERT_FALSE(bad.ok());
  std::set<std::string> fields;
  for (const auto& d : bad.status().details()) fields.insert(d.field);
  EXPECT_EQ(fields, (std::set<std::string>{"leads[1].lead_id", "leads[1].visits", "leads[2]"}));
}

TEST_F(TrainedModelTest, ReasonsSumToTheMargin) {
  auto scorer = Scorer::Create(*bundle_);
  ASSERT_TRUE(scorer.ok());
  json::object lead = {{"lead_id", "X2"}, {"source", "Google"}, {"visits", 3}};
  auto r = scorer->ScoreJson(lead, {.explain = true, .max_reasons = 100});
  ASSERT_TRUE(r.ok());
  double sum = 0;
  for (const auto& reason : r->reasons) sum += reason.contribution;
  // Without calibration the probability is sigmoid(bias + sum of all contributions); reasons
  // drop contributions under 0.005, so allow a little slack.
  if (bundle_->calibrator.kind() == ml::Calibrator::Kind::kNone) {
    auto booster = ml::Booster::LoadRaw(bundle_->booster);
    ASSERT_TRUE(booster.ok());
    const double logit = std::log(r->score / (1 - r->score));
    EXPECT_LT(std::abs(logit - sum), 2.0);  // bias is the remainder
  }
}

TEST_F(TrainedModelTest, CardRecordsTheGridAndKeepsTheSmallestGoodModel) {
  const auto& model = bundle_->card.at("model").as_object();
  const auto& grid = model.at("model_selection").at("grid").as_array();
  ASSERT_EQ(grid.size(), 4u);  // depth {2,3} × eta {0.1,0.3}
  double best = 0;
  for (const auto& g : grid) best = std::max(best, g.at("validation_auc_roc").to_number<double>());
  int chosen = 0;
  for (const auto& g : grid) {
    if (!g.at("chosen").as_bool()) continue;
    ++chosen;
    EXPECT_GE(g.at("validation_auc_roc").to_number<double>(), best - 0.001 - 1e-9);
    EXPECT_EQ(g.at("nodes"), model.at("refit").at("selected_model_nodes"));
    EXPECT_EQ(g.at("trees"), model.at("refit").at("early_stopped_rounds"));
    EXPECT_EQ(g.at("max_depth"), model.at("max_depth"));
    // No other good-enough candidate is smaller.
    for (const auto& h : grid) {
      if (h.at("validation_auc_roc").to_number<double>() >= best - 0.001) {
        EXPECT_LE(g.at("nodes").to_number<double>(), h.at("nodes").to_number<double>());
      }
    }
  }
  EXPECT_EQ(chosen, 1);
}

TEST_F(TrainedModelTest, TestIdsFixTheTestRows) {
  // Every third lead id is the test set; validation comes from the rest, seeded.
  TrainOptions o = FastOptions();
  o.compare_leaky = false;
  std::set<std::string> ids;
  for (int i = 0; i < 1500; i += 3) o.test_ids.push_back(fmt::format("L{}", i));
  o.test_ids_name = "every third";
  auto a = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const auto& split = a->bundle.card.at("split").as_object();
  EXPECT_EQ(split.at("test").to_number<int>(), 500);
  EXPECT_EQ(split.at("train").to_number<int>() + split.at("validation").to_number<int>(), 1000);
  EXPECT_NEAR(split.at("validation").to_number<double>(), 1000 * 0.15 / 0.85, 2);
  EXPECT_NE(split.at("method").as_string().find("every third"), std::string::npos);
  EXPECT_EQ(a->bundle.card.at("model").at("test").at("rows").to_number<int>(), 500);
  auto b = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->bundle.booster, b->bundle.booster);  // reproducible with the seed
  // Unknown and repeated ids are errors.
  o.test_ids.push_back("nope");
  EXPECT_EQ(TrainLeadModel(*table_, TestSchema(), o).status().code(), ErrorCode::kInvalidArgument);
  o.test_ids.back() = "L0";
  EXPECT_EQ(TrainLeadModel(*table_, TestSchema(), o).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(TrainedModelTest, ReturnsTheServedTestScoresOfTheTestRows) {
  TrainOptions o = FastOptions();
  o.compare_leaky = false;
  for (int i = 0; i < 1500; i += 3) o.test_ids.push_back(fmt::format("L{}", i));
  auto a = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->test_ids.size(), 500u);
  ASSERT_EQ(a->test_scores.size(), 500u);
  ASSERT_EQ(a->test_labels.size(), 500u);
  // Each returned score is what the returned bundle serves for that lead.
  auto scorer = Scorer::Create(a->bundle);
  ASSERT_TRUE(scorer.ok());
  auto cols = MapColumns(a->bundle.schema, table_->header);
  ASSERT_TRUE(cols.ok());
  std::map<std::string, std::size_t> row_of;
  for (std::size_t r = 0; r < table_->rows.size(); ++r) row_of[table_->rows[r][0]] = r;
  for (std::size_t k = 0; k < a->test_ids.size(); k += 50) {
    std::vector<FieldError> lenient;
    auto lead =
        LeadFromCsvRow(a->bundle.schema, *cols, table_->rows[row_of.at(a->test_ids[k])], &lenient);
    ASSERT_TRUE(lead.ok());
    auto s = scorer->Score(std::vector<Lead>{*lead}, {.explain = false});
    ASSERT_TRUE(s.ok());
    EXPECT_NEAR((*s)[0].score, a->test_scores[k], 1e-6) << a->test_ids[k];
    EXPECT_EQ(a->test_labels[k], table_->rows[row_of.at(a->test_ids[k])][7] == "1" ? 1.0f : 0.0f);
  }
}

TEST_F(TrainedModelTest, ExcludeFieldsReplacesTheSchemasLeakyMarks) {
  TrainOptions o = FastOptions();
  o.compare_leaky = false;
  o.exclude_fields = {"source"};
  auto a = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  std::set<std::string> used;
  for (const auto& s : a->bundle.encoder.sources()) used.insert(s.name);
  EXPECT_FALSE(used.contains("source"));
  EXPECT_TRUE(used.contains("quality"));  // leaky in the schema, not excluded here
  EXPECT_TRUE(used.contains("visits"));
  EXPECT_EQ(a->bundle.card.at("excluded_fields"), json::array({"source"}));
  EXPECT_EQ(a->bundle.card.at("leaky_fields"), json::array({"source"}));
  // The bundle's schema says what the model left out, so serving encodes the same way.
  EXPECT_TRUE(
      a->bundle.schema.fields[static_cast<std::size_t>(a->bundle.schema.FieldIndex("source"))]
          .leaky);
  o.exclude_fields = {"nope"};
  EXPECT_EQ(TrainLeadModel(*table_, TestSchema(), o).status().code(), ErrorCode::kValidationFailed);
  o.exclude_fields = {"converted"};  // the label is not a feature
  EXPECT_EQ(TrainLeadModel(*table_, TestSchema(), o).status().code(), ErrorCode::kValidationFailed);
}

TEST_F(TrainedModelTest, RefitsTheChosenModelOnTrainPlusValidation) {
  TrainOptions o = FastOptions();
  o.compare_leaky = false;
  for (int i = 0; i < 1500; i += 3) o.test_ids.push_back(fmt::format("L{}", i));
  auto refit = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(refit.ok()) << refit.status().ToString();
  const json::object& card = refit->bundle.card;
  const int train = card.at("split").at("train").to_number<int>();
  const int valid = card.at("split").at("validation").to_number<int>();
  const auto& r = card.at("model").at("refit").as_object();
  EXPECT_EQ(card.at("refit"), card.at("model").at("refit"));
  EXPECT_TRUE(r.at("refitted").as_bool());
  EXPECT_EQ(r.at("rows").to_number<int>(), train + valid);
  EXPECT_EQ(r.at("rounds"), r.at("early_stopped_rounds"));  // unscaled by default
  // The refit model trains on the validation rows, so it is not calibrated on them.
  EXPECT_EQ(card.at("model").at("calibration"), "none");
  EXPECT_TRUE(r.at("validation_calibration").is_string());
  int chosen_trees = 0;
  for (const auto& g : card.at("model").at("model_selection").at("grid").as_array()) {
    if (g.at("chosen").as_bool()) chosen_trees = g.at("trees").to_number<int>();
  }
  EXPECT_EQ(r.at("rounds").to_number<int>(), chosen_trees);
  // The served booster has exactly that many trees.
  auto booster = ml::Booster::LoadRaw(refit->bundle.booster);
  ASSERT_TRUE(booster.ok());
  auto trees = ml::TreeEnsemble::FromBooster(*booster);
  ASSERT_TRUE(trees.ok());
  EXPECT_EQ(trees->num_nodes(), card.at("model").at("tree_nodes").to_number<std::size_t>());

  // Thresholds are the quintiles of the final model's scores on its training rows (all rows
  // but the test ids), not on the test rows.
  std::set<std::string> test_ids(o.test_ids.begin(), o.test_ids.end());
  auto cols = MapColumns(refit->bundle.schema, table_->header);
  ASSERT_TRUE(cols.ok());
  std::vector<Lead> fit_leads;
  std::vector<FieldError> lenient;
  for (const auto& row : table_->rows) {
    if (row.back().empty()) continue;  // the unlabelled row is not used
    auto lead = LeadFromCsvRow(refit->bundle.schema, *cols, row, &lenient);
    ASSERT_TRUE(lead.ok());
    if (!test_ids.contains(lead->id)) fit_leads.push_back(std::move(lead).value());
  }
  ASSERT_EQ(fit_leads.size(), static_cast<std::size_t>(train + valid));
  auto scorer = Scorer::Create(refit->bundle);
  ASSERT_TRUE(scorer.ok());
  auto probs = scorer->Probabilities(fit_leads);
  ASSERT_TRUE(probs.ok());
  const std::array<double, 4> q = {0.2, 0.4, 0.6, 0.8};
  auto expected = ml::Quantiles(*probs, q);
  ASSERT_TRUE(expected.ok());
  ASSERT_EQ(refit->bundle.thresholds.size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_NEAR(refit->bundle.thresholds[k], (*expected)[k], 1e-6) << k;
  }

  // Without refit the model trained on the train rows only is kept; it differs.
  TrainOptions no = o;
  no.refit = false;
  auto kept = TrainLeadModel(*table_, TestSchema(), no);
  ASSERT_TRUE(kept.ok());
  const auto& kr = kept->bundle.card.at("model").at("refit").as_object();
  EXPECT_FALSE(kr.at("refitted").as_bool());
  EXPECT_EQ(kr.at("rows").to_number<int>(), train);
  EXPECT_NE(kept->bundle.booster, refit->bundle.booster);
  // Same selection either way (refit happens after it), and the pre-refit test metrics of the
  // refit card are the kept model's test metrics.
  EXPECT_EQ(kr.at("early_stopped_rounds"), r.at("early_stopped_rounds"));
  EXPECT_NEAR(r.at("test_before_refit").at("auc_roc").to_number<double>(),
              kept->bundle.card.at("model").at("test").at("auc_roc").to_number<double>(), 1e-7);

  // Scaled rounds: early-stopped trees × (train + validation) / train.
  TrainOptions scaled = o;
  scaled.refit_scale_rounds = true;
  auto sc = TrainLeadModel(*table_, TestSchema(), scaled);
  ASSERT_TRUE(sc.ok());
  const auto& sr = sc->bundle.card.at("model").at("refit").as_object();
  EXPECT_EQ(sr.at("rounds").to_number<long>(),
            std::lround(chosen_trees * static_cast<double>(train + valid) / train));
}

TEST_F(TrainedModelTest, ReasonsAreXGBoostContributionsPerField) {
  ExpectReasonsMatchXGBoost(*bundle_, *table_, 1000);
}

// The top reasons are the first ones of the full list: largest |contribution| first, ties in
// field order (the Scorer selects only the top max_reasons).
TEST_F(TrainedModelTest, TopReasonsAreTheHeadOfTheFullOrder) {
  auto scorer = Scorer::Create(*bundle_);
  ASSERT_TRUE(scorer.ok());
  auto cols = MapColumns(bundle_->schema, table_->header);
  ASSERT_TRUE(cols.ok());
  std::vector<Lead> leads;
  std::vector<FieldError> lenient;
  for (std::size_t i = 0; i < table_->rows.size() && leads.size() < 300; ++i) {
    leads.push_back(
        std::move(LeadFromCsvRow(bundle_->schema, *cols, table_->rows[i], &lenient)).value());
  }
  auto all = scorer->Score(leads, {.explain = true, .max_reasons = 1000});
  ASSERT_TRUE(all.ok());
  for (const int top : {1, 3, 5}) {
    auto head = scorer->Score(leads, {.explain = true, .max_reasons = top});
    ASSERT_TRUE(head.ok());
    for (std::size_t i = 0; i < leads.size(); ++i) {
      const auto& full = (*all)[i].reasons;
      const auto& got = (*head)[i].reasons;
      ASSERT_EQ(got.size(), std::min<std::size_t>(full.size(), top));
      for (std::size_t k = 0; k < got.size(); ++k) {
        EXPECT_EQ(got[k].field, full[k].field);
        EXPECT_EQ(got[k].text, full[k].text);
      }
    }
  }
  std::map<std::string, std::size_t> field_order;
  for (std::size_t k = 0; k < bundle_->encoder.sources().size(); ++k) {
    field_order[bundle_->encoder.sources()[k].name] = k;
  }
  for (const auto& s : *all) {
    for (std::size_t k = 1; k < s.reasons.size(); ++k) {
      const double a = std::abs(s.reasons[k - 1].contribution);
      const double b = std::abs(s.reasons[k].contribution);
      EXPECT_GE(a, b);
      if (a == b) {
        EXPECT_LT(field_order.at(s.reasons[k - 1].field), field_order.at(s.reasons[k].field));
      }
    }
  }
}

TEST(RealDataTest, TrainsOnXEducationLeadsWhenPresent) {
  const std::string path = std::string(SIGNX_SOURCE_DIR) + "/../shared/data/leads/Leads.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  auto text = csv::ReadFile(path);
  ASSERT_TRUE(text.ok());
  auto table = csv::ReadTable(*text);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->rows.size(), 9237u);
  TrainOptions o;
  o.compare_leaky = false;
  auto out = TrainLeadModel(*table, *BuiltinSchema("x_education"), o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const double auc = out->bundle.card.at("model").at("test").at("auc_roc").to_number<double>();
  EXPECT_GT(auc, 0.85);
  ExpectReasonsMatchXGBoost(out->bundle, *table, 2000);
}

}  // namespace
}  // namespace signx::leads

namespace signx::leads {
namespace {

TEST(InferSchemaTest, ProposesTypesRolesAndLabel) {
  auto t = csv::ReadTable(
      "Prospect ID,Lead Source,TotalVisits,Page Views,Do Not Email,Created,Converted,Notes\n"
      "a1,Google,3,1.5,No,2017-01-02,1,hello there\n"
      "a2,Select,,2.0,Yes,2017-01-03,0,something else\n"
      "a3,Reference,7,0.5,No,2017-01-04,1,more words\n"
      "a4,Google,1,1.0,No,,0,and more\n");
  ASSERT_TRUE(t.ok());
  const json::object s = InferSchema(*t, ',').value();
  std::map<std::string, json::object> by_name;
  for (const auto& f : s.at("fields").as_array()) {
    by_name[json::value_to<std::string>(f.at("name"))] = f.as_object();
  }
  EXPECT_EQ(by_name["prospect_id"].at("role"), "id");
  EXPECT_EQ(by_name["lead_source"].at("type"), "category");
  EXPECT_EQ(by_name["lead_source"].at("missing").as_array().size(), 1u);  // "Select"
  EXPECT_EQ(by_name["total_visits"].at("type"), "integer");
  EXPECT_EQ(by_name["page_views"].at("type"), "number");
  EXPECT_EQ(by_name["do_not_email"].at("type"), "boolean");
  EXPECT_EQ(by_name["created"].at("type"), "date");
  EXPECT_EQ(by_name["converted"].at("role"), "label");
  EXPECT_EQ(by_name["notes"].at("type"), "text");
  EXPECT_FALSE(s.at("label_candidates").as_array().empty());
  // The proposal is a loadable schema.
  auto parsed = ParseSchema(s);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
}

// 400 deals: `amount` is filled in only for won deals (a leak), `source` and `visits` carry a
// little signal, `region` none.
csv::Table Deals() {
  std::string text = "deal_id,source,visits,region,amount,result\n";
  uint64_t x = 12345;
  auto next = [&x] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % 1000;
  };
  for (int i = 0; i < 400; ++i) {
    const bool won = next() < 300;
    const char* source = next() < (won ? 550u : 450u) ? "web" : "referral";
    const int visits = static_cast<int>(next() % 10) + (won && next() < 300 ? 2 : 0);
    const char* region = next() < 500 ? "north" : "south";
    text += fmt::format("d{},{},{},{},{},{}\n", i, source, visits, region,
                        won ? std::to_string(1000 + next()) : "", won ? "Won" : "Lost");
  }
  return csv::ReadTable(text).value();
}

TEST(InferSchemaTest, TheCallersLabelAndTheFieldsThatLeakIt) {
  const csv::Table t = Deals();
  auto s = InferSchema(t, ',', {.label = "result", .positive = {"Won"}});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::map<std::string, json::object> by_name;
  for (const auto& f : s->at("fields").as_array()) {
    by_name[json::value_to<std::string>(f.at("name"))] = f.as_object();
  }
  EXPECT_EQ(by_name["result"].at("role"), "label");
  EXPECT_EQ(by_name["result"].at("positive"), json::array{"Won"});
  EXPECT_EQ(by_name["result"].at("negative"), json::array{"Lost"});
  EXPECT_EQ(by_name["amount"].at("leaky"), true);
  EXPECT_FALSE(by_name["source"].contains("leaky"));
  EXPECT_FALSE(by_name["visits"].contains("leaky"));
  EXPECT_FALSE(by_name["region"].contains("leaky"));
  bool said = false;
  for (const auto& n : s->at("notes").as_array()) {
    said = said || std::string(n.as_string()).starts_with("amount: alone it separates the label");
  }
  EXPECT_TRUE(said);
  EXPECT_TRUE(ParseSchema(*s).ok());

  // Bad choices are named.
  EXPECT_EQ(InferSchema(t, ',', {.label = "nope", .positive = {"Won"}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(InferSchema(t, ',', {.label = "result"}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(InferSchema(t, ',', {.label = "result", .positive = {"Maybe"}}).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signx::leads

// ---- HTTP: /v1/leads routes and the Open Inference Protocol, on a real server --------------

#include "blobs/blob_store.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "leads/kserve_routes.h"
#include "leads/routes.h"
#include "leads/service.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "runtime/blocking_pool.h"
#include "storage/testing/test_stores.h"

namespace signx::leads {
namespace {

// X-Test-Org and X-Test-Role make the request's Principal (the real server's auth middleware
// does this from a JWT or an API key).
class TestAuth : public http::Middleware {
 public:
  std::optional<http::Response> Before(http::Request& req, const http::Route&) override {
    auto org = req.Header("X-Test-Org");
    if (!org) return std::nullopt;
    const std::string role(req.Header("X-Test-Role").value_or("org_admin"));
    req.principal = http::Principal{.kind = "user",
                                    .subject_id = "usr_" + std::string(*org),
                                    .org_id = std::string(*org),
                                    .role = role,
                                    .permissions = {"*"}};
    return std::nullopt;
  }
};

class LeadRoutesTest : public TrainedModelTest {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(storage::testing::Backend::kSqlite);
    root_ =
        std::filesystem::temp_directory_path() / ("signx_leadroutes_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    blobs_ = std::move(blobs::BlobStore::Open(root_, 64 << 20)).value();
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    BeforeService();
    service_ = std::make_unique<LeadsService>(*registry_, metrics_, lake_.get(),
                                              ServiceOptions{.score_log = score_log_.get()});
    AddLeadRoutes(router_, schemas_, *service_);
    AddKServeRoutes(router_, *service_);
    pool_ = std::make_unique<runtime::BlockingPool>(2, 64);
    config::ServerConfig cfg;
    cfg.port = 0;
    server_ = std::make_unique<http::Server>(cfg, router_, metrics_, *pool_, false);
    server_->Use(std::make_shared<TestAuth>());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
    std::filesystem::remove_all(root_);
  }
  virtual void BeforeService() {}
  // As an org_admin of `org` (role `role`).
  std::optional<http::testing::RawResponse> Post(const std::string& path, const std::string& body,
                                                 const std::string& org = "org_a",
                                                 const std::string& role = "org_admin") {
    http::testing::RawClient c(server_->port());
    return c.Request(
        "POST", path, body,
        {{"Content-Type", "application/json"}, {"X-Test-Org", org}, {"X-Test-Role", role}});
  }
  std::optional<http::testing::RawResponse> Get(const std::string& path,
                                                const std::string& org = "org_a") {
    http::testing::RawClient c(server_->port());
    return c.Request("GET", path, "", {{"X-Test-Org", org}, {"X-Test-Role", "org_admin"}});
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path root_;
  std::unique_ptr<lake::LakeWriter> lake_;  // set by subclasses before SetUp; may stay null
  std::unique_ptr<ScoreLog> score_log_;     // likewise
  std::unique_ptr<blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> registry_;
  metrics::Registry metrics_;
  std::unique_ptr<LeadsService> service_;
  http::Router router_;
  http::SchemaRegistry schemas_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(LeadRoutesTest, NoModelIs503ThenUploadPromoteAndScore) {
  const std::string lead = R"({"lead_id": "L1", "source": "Reference", "visits": 12})";
  auto none = Post("/v1/leads/score", lead);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->status, 503);
  EXPECT_NE(none->body.find("signx train leads"), std::string::npos);

  auto up = Post("/v1/leads/models", SerializeBundle(*bundle_));
  ASSERT_TRUE(up.has_value());
  ASSERT_EQ(up->status, 201) << up->body;
  auto bad_upload = Post("/v1/leads/models", R"({"not": "a bundle"})");
  EXPECT_EQ(bad_upload->status / 100, 4) << bad_upload->body;
  auto promoted = Post("/v1/leads/models/" + bundle_->model_version + "/promote", "");
  ASSERT_EQ(promoted->status, 200) << promoted->body;

  auto scored = Post("/v1/leads/score", lead);
  ASSERT_EQ(scored->status, 200) << scored->body;
  EXPECT_NE(scored->body.find(R"("lead_id":"L1")"), std::string::npos);
  EXPECT_NE(scored->body.find(R"("reasons":[{)"), std::string::npos);
  // Deterministic: the same lead gives the same bytes.
  EXPECT_EQ(Post("/v1/leads/score", lead)->body, scored->body);
  auto quiet = Post("/v1/leads/score?explain=false", lead);
  EXPECT_NE(quiet->body.find(R"("reasons":[])"), std::string::npos);

  auto invalid = Post("/v1/leads/score", R"({"lead_id": "L2", "visits": -1})");
  EXPECT_EQ(invalid->status, 422);
  EXPECT_NE(invalid->body.find(R"("field":"visits")"), std::string::npos);
  auto batch = Post("/v1/leads/score/batch", R"({"leads": []})");
  EXPECT_EQ(batch->status, 422);

  // The same model through the Open Inference Protocol: columnar in, columnar out.
  auto v2 = Post("/v2/models/leads/infer",
                 R"({"id": "r1", "inputs": [
                     {"name": "lead_id", "datatype": "BYTES", "shape": [2], "data": ["L1", "L3"]},
                     {"name": "source", "datatype": "BYTES", "shape": [2],
                      "data": ["Reference", "Google"]},
                     {"name": "visits", "datatype": "FP64", "shape": [2], "data": [12, 1]}]})");
  ASSERT_EQ(v2->status, 200) << v2->body;
  EXPECT_NE(v2->body.find(R"("id":"r1")"), std::string::npos);
  EXPECT_NE(v2->body.find(R"("name":"tier","datatype":"BYTES","shape":[2])"), std::string::npos);
  // Row 0 scores like the /v1 answer for the same lead.
  const auto at = scored->body.find(R"("score":)") + 8;
  const std::string v1_score = scored->body.substr(at, scored->body.find(',', at) - at);
  EXPECT_NE(v2->body.find(R"("name":"score","datatype":"FP64","shape":[2],"data":[)" + v1_score),
            std::string::npos)
      << v2->body;
  auto ragged = Post("/v2/models/leads/infer",
                     R"({"inputs": [{"name": "lead_id", "data": ["a", "b"]},
                                    {"name": "visits", "data": [1]}]})");
  EXPECT_EQ(ragged->status, 422);
  EXPECT_NE(ragged->body.find("inputs[1].data"), std::string::npos);
}

// Issue 19 item 1: an org's lead model scores that org's leads only; other orgs keep the platform
// default, and cannot see, promote or roll back the org's versions.
TEST_F(LeadRoutesTest, AnOrgsPromotionDoesNotChangeAnotherOrgsScores) {
  const std::string lead = R"({"lead_id": "L1", "source": "Reference", "visits": 12})";
  TrainOptions other_options = FastOptions();
  other_options.seed = 43;
  auto other = TrainLeadModel(*table_, TestSchema(), other_options);
  ASSERT_TRUE(other.ok());
  ASSERT_NE(other->bundle.model_version, bundle_->model_version);

  // The platform default, by a super_admin.
  ASSERT_EQ(
      Post("/v1/leads/models?owner=platform", SerializeBundle(*bundle_), "org_root", "super_admin")
          ->status,
      201);
  ASSERT_EQ(Post("/v1/leads/models/" + bundle_->model_version + "/promote?owner=platform", "",
                 "org_root", "super_admin")
                ->status,
            200);
  auto b_before = Post("/v1/leads/score", lead, "org_b");
  ASSERT_EQ(b_before->status, 200) << b_before->body;
  EXPECT_NE(b_before->body.find(bundle_->model_version), std::string::npos);

  // Org A uploads and promotes its own model.
  ASSERT_EQ(Post("/v1/leads/models", SerializeBundle(other->bundle), "org_a")->status, 201);
  auto promoted = Post("/v1/leads/models/" + other->bundle.model_version + "/promote", "", "org_a");
  ASSERT_EQ(promoted->status, 200) << promoted->body;
  auto a = Post("/v1/leads/score", lead, "org_a");
  ASSERT_EQ(a->status, 200);
  EXPECT_NE(a->body.find(other->bundle.model_version), std::string::npos) << a->body;
  auto b_after = Post("/v1/leads/score", lead, "org_b");
  EXPECT_EQ(b_after->body, b_before->body) << "A's promotion changed B's scores";

  // B cannot list, read, promote or roll back A's version (404, not 403), nor the platform's.
  auto list_b = Get("/v1/leads/models", "org_b");
  ASSERT_EQ(list_b->status, 200);
  EXPECT_EQ(list_b->body.find(other->bundle.model_version), std::string::npos) << list_b->body;
  EXPECT_EQ(Get("/v1/leads/models/" + other->bundle.model_version, "org_b")->status, 404);
  EXPECT_EQ(
      Post("/v1/leads/models/" + other->bundle.model_version + "/promote", "", "org_b")->status,
      404);
  EXPECT_EQ(Post("/v1/leads/models/rollback?owner=org_a", "", "org_b")->status, 404);
  EXPECT_EQ(Get("/v1/leads/models?owner=platform", "org_a")->status, 404);
  EXPECT_EQ(
      Post("/v1/leads/models/" + bundle_->model_version + "/promote?owner=platform", "", "org_a")
          ->status,
      404);
  // The Open Inference Protocol route scores with the caller's org's model too.
  auto v2 = Post("/v2/models/leads/infer",
                 R"({"inputs": [{"name": "lead_id", "datatype": "BYTES", "shape": [1],
                     "data": ["L1"]}, {"name": "source", "datatype": "BYTES", "shape": [1],
                     "data": ["Reference"]}, {"name": "visits", "datatype": "FP64", "shape": [1],
                     "data": [12]}]})",
                 "org_b");
  ASSERT_EQ(v2->status, 200) << v2->body;
  EXPECT_EQ(v2->body.find(other->bundle.model_version), std::string::npos) << v2->body;
}

}  // namespace
}  // namespace signx::leads

namespace signx::leads {
namespace {

// A batch larger than one chunk is scored in chunks on several threads: the answer is the
// sequential one, byte for byte, in request order; an invalid lead in any chunk fails the whole
// batch with every error named in order and nothing scored.
TEST_F(LeadRoutesTest, ALargeBatchIsScoredInChunksLikeOneByOne) {
  ASSERT_EQ(Post("/v1/leads/models", SerializeBundle(*bundle_))->status, 201);
  ASSERT_EQ(Post("/v1/leads/models/" + bundle_->model_version + "/promote", "")->status, 200);
  json::array leads;
  const char* sources[] = {"Reference", "Google", "Direct", "Select"};
  for (int i = 0; i < 150; ++i) {  // 5 chunks of 32 (the last one short)
    json::object l{{"lead_id", fmt::format("B{}", i)}, {"source", sources[i % 4]}};
    if (i % 5 != 0) l["visits"] = (i * 7) % 23;
    leads.push_back(std::move(l));
  }
  auto batch = Post("/v1/leads/score/batch", json::serialize(json::object{{"leads", leads}}));
  ASSERT_EQ(batch->status, 200) << batch->body.substr(0, 300);
  auto scorer = service_->Current("org_a");
  ASSERT_NE(scorer, nullptr);
  std::string expected = "{\"model_version\":\"" + bundle_->model_version + "\",\"results\":[";
  for (std::size_t i = 0; i < leads.size(); ++i) {
    auto one = scorer->ScoreJson(leads[i].as_object(), {});
    ASSERT_TRUE(one.ok());
    if (i > 0) expected += ',';
    AppendScoreJson(expected, *one);
  }
  expected += "]}";
  EXPECT_EQ(batch->body, expected);

  leads[3].as_object()["visits"] = -1;        // chunk 0
  leads[140].as_object()["visits"] = "many";  // chunk 4
  auto bad = Post("/v1/leads/score/batch", json::serialize(json::object{{"leads", leads}}));
  ASSERT_EQ(bad->status, 422) << bad->body;
  const auto a = bad->body.find("leads[3].visits"), b = bad->body.find("leads[140].visits");
  ASSERT_NE(a, std::string::npos) << bad->body;
  ASSERT_NE(b, std::string::npos) << bad->body;
  EXPECT_LT(a, b);
}

// The batch route with the lake and the score log on: every scored lead of a batch reaches both
// (chunks log as soon as they are scored), the metrics count each lead once, and an invalid batch
// logs nothing.
class LoggedLeadRoutesTest : public LeadRoutesTest {
 protected:
  void SetUp() override {
    lake_dir_ = std::filesystem::temp_directory_path() /
                ("signx_leadroutes_lake_" + std::to_string(::getpid()));
    std::filesystem::remove_all(lake_dir_);
    lake_ = std::move(lake::LakeWriter::Open({.data_dir = lake_dir_.string()})).value();
    LeadRoutesTest::SetUp();
  }
  void BeforeService() override { score_log_ = std::make_unique<ScoreLog>(db_->store(), nullptr); }
  void TearDown() override {
    LeadRoutesTest::TearDown();
    service_.reset();
    score_log_->Shutdown();
    lake_->Shutdown();
    std::filesystem::remove_all(lake_dir_);
  }
  std::filesystem::path lake_dir_;
};

TEST_F(LoggedLeadRoutesTest, EveryScoredLeadOfABatchReachesTheLakeAndTheMetricsOnce) {
  ASSERT_EQ(Post("/v1/leads/models", SerializeBundle(*bundle_))->status, 201);
  ASSERT_EQ(Post("/v1/leads/models/" + bundle_->model_version + "/promote", "")->status, 200);
  json::array leads;
  for (int i = 0; i < 70; ++i) {  // 3 chunks of 32 (the last one short)
    leads.push_back(json::object{{"lead_id", fmt::format("K{}", i)}, {"visits", i % 9}});
  }
  leads[69].as_object()["visits"] = -1;
  auto bad = Post("/v1/leads/score/batch", json::serialize(json::object{{"leads", leads}}));
  ASSERT_EQ(bad->status, 422) << bad->body;
  leads[69].as_object()["visits"] = 3;
  auto ok = Post("/v1/leads/score/batch", json::serialize(json::object{{"leads", leads}}));
  ASSERT_EQ(ok->status, 200) << ok->body.substr(0, 300);
  ASSERT_TRUE(lake_->Flush().ok());
  auto rows = lake_->Query(
      "SELECT count(*), count(DISTINCT lead_id), count(DISTINCT request_id), "
      "min(json_extract(features, '$.visits')::INT), max(json_extract(features, '$.visits')::INT) "
      "FROM lead_scores");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], "70");  // nothing from the invalid batch
  EXPECT_EQ(rows->rows[0][1], "70");
  EXPECT_EQ(rows->rows[0][2], "1");
  EXPECT_EQ(rows->rows[0][3], "0");
  EXPECT_EQ(rows->rows[0][4], "8");
  ASSERT_TRUE(score_log_->Flush().ok());
  EXPECT_EQ(score_log_->stats().written, 70u);
  // Each lead's stored reasons are the answer's (the score log reuses the answer's text).
  const json::array results = json::parse(ok->body).at("results").as_array();
  auto stored = db_->store().Query("SELECT lead_id, reasons_json FROM lead_scores");
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  ASSERT_EQ(stored->rows.size(), 70u);
  int with_reasons = 0;
  for (const storage::Row& r : stored->rows) {
    const std::size_t i = std::stoul(r.Text(0).substr(1));
    const json::array& want = results.at(i).at("reasons").as_array();
    if (want.empty()) {
      EXPECT_FALSE(r.OptText(1).has_value()) << r.Text(0);
    } else {
      ++with_reasons;
      EXPECT_EQ(json::parse(r.Text(1)), want) << r.Text(0);
    }
  }
  EXPECT_GT(with_reasons, 0);
  // leads_predictions_total over every tier: 70.
  const std::string text = metrics_.Render();
  double counted = 0;
  for (std::size_t at = text.find("\nleads_predictions_total{"); at != std::string::npos;
       at = text.find("\nleads_predictions_total{", at + 1)) {
    const std::size_t space = text.find(' ', text.find('}', at));
    counted += std::stod(text.substr(space + 1, text.find('\n', space + 1) - space - 1));
  }
  EXPECT_EQ(counted, 70);
}

TEST(LakeRowsTest, MinifiedJsonDropsOnlyTheSpaceBetweenTokens) {
  EXPECT_EQ(MinifiedJson(" {\n  \"a b\" : [1, 2.50 ,true],\t\"c\":\"x \\\" y\" }\r\n"),
            "{\"a b\":[1,2.50,true],\"c\":\"x \\\" y\"}");
  EXPECT_EQ(MinifiedJson("{}"), "{}");
}

// Strings are copied byte for byte whatever they hold (escaped quotes and backslashes,
// whitespace, UTF-8); text that has no space between tokens comes back as it is.
TEST(LakeRowsTest, MinifiedJsonKeepsStringsByteForByte) {
  EXPECT_EQ(MinifiedJson(R"([ "a\\" , "b\\\" c" , "\u00e9 \t" ,"é x", "" , "\\\\"] )"),
            R"(["a\\","b\\\" c","\u00e9 \t","é x","","\\\\"])");
  EXPECT_EQ(MinifiedJson(""), "");
  EXPECT_EQ(MinifiedJson("  7 "), "7");
  EXPECT_EQ(MinifiedJson("\t\r\n{ }\n"), "{}");
  const std::string compact =
      R"({"lead_id":"L 1","n":[1,-2.5e3,true,false,null,{"a":{}}],"s":"x\"y\\"})";
  EXPECT_EQ(MinifiedJson(compact), compact);
  std::string spaced;
  for (char c : compact) {
    spaced += c;
    if (c == ',' || c == ':' || c == '[' || c == '{') spaced += " \n\t";
  }
  EXPECT_EQ(MinifiedJson(spaced), compact);
  EXPECT_EQ(MinifiedJson(R"({ "a" : "x, y: [z { " , "b":[ "]" ] })"),
            R"({"a":"x, y: [z { ","b":["]"]})");
}

TEST(LakeRowsTest, MinifiedArrayElementsAreTheTopLevelArraysElements) {
  const std::string body =
      R"( {"model": {"leads": [9]}, "leads" : [ {"id": "a]", "n": [1, {"x": "}"}]} , 7,"s\"",)"
      R"( [ ], {} ,null ], "after": 1.5e3 })";
  auto e = MinifiedArrayElements(body, "leads");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(*e, (std::vector<std::string>{R"({"id":"a]","n":[1,{"x":"}"}]})", "7", R"("s\"")", "[]",
                                          "{}", "null"}));
  auto empty = MinifiedArrayElements(R"({"leads": [ ]})", "leads");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  // No such array, twice, or spelt with escapes: the caller serialises instead.
  for (const char* none :
       {R"({"other": [1]})", R"({"leads": 1})", R"({"leads": [1], "leads": [2]})",
        R"({"le\u0061ds": [1]})", R"([{"leads": [1]}])", ""}) {
    EXPECT_FALSE(MinifiedArrayElements(none, "leads").has_value()) << none;
  }
}

TEST(LakeRowsTest, ALeadScoreRowHoldsTheDatasetsColumnsInOrder) {
  const LeadScore score{
      .lead_id = "L-1", .score = 0.25, .bucket = 2, .tier = 'D', .model_version = "leads-abc"};
  const Timestamp at = SystemClock::Get().Now();
  const lake::Row row = LeadScoreLakeRow(at, "req-9", score, R"({"lead_id":"L-1"})");
  EXPECT_EQ(row,
            (lake::Row{at, std::string("req-9"), std::string("leads-abc"), std::string("L-1"), 0.25,
                       int64_t{2}, std::string("D"), std::string(R"({"lead_id":"L-1"})")}));
  EXPECT_EQ(row.size(), LeadScoresDataset().columns.size());
}

// MinifiedArrayElements drops only the space between tokens, inside elements of any kind, and
// copies elements without such space as they are (escapes and UTF-8 untouched).
TEST(LakeRowsTest, MinifiedArrayElementsDropOnlyTheSpaceBetweenTokens) {
  auto texts = MinifiedArrayElements(
      R"({"leads":[{"a": "b c", "d" :[1, 2]},{"a":"b c"}, 7 ,"x y", -1.5e3 ,"\\"]})", "leads");
  ASSERT_TRUE(texts.has_value());
  EXPECT_EQ(*texts, (std::vector<std::string>{R"({"a":"b c","d":[1,2]})", R"({"a":"b c"})", "7",
                                              R"("x y")", "-1.5e3", R"("\\")"}));
  const std::string compact = R"({"lead_id":"L 1","x":[true,false,null]})";
  const std::string escaped = R"({"k":"\u00e9 \" "})";
  texts = MinifiedArrayElements(R"({"leads":[)" + compact + "," + escaped + "]}", "leads");
  ASSERT_TRUE(texts.has_value());
  EXPECT_EQ(*texts, (std::vector<std::string>{compact, escaped}));
}

TEST_F(LoggedLeadRoutesTest, LakeFeaturesAreTheLeadsAsSentWithoutWhitespace) {
  ASSERT_EQ(Post("/v1/leads/models", SerializeBundle(*bundle_))->status, 201);
  ASSERT_EQ(Post("/v1/leads/models/" + bundle_->model_version + "/promote", "")->status, 200);
  ASSERT_EQ(Post("/v1/leads/score/batch",
                 "{ \"leads\" : [ {\"lead_id\": \"F1\", \"visits\": 2.50, \"extra\": \"a  b\"},\n"
                 "  {\"lead_id\": \"F2\"} ] }")
                ->status,
            200);
  ASSERT_EQ(Post("/v1/leads/score", "{\n  \"lead_id\": \"F3\",\n  \"visits\": 1e1\n}")->status,
            200);
  ASSERT_TRUE(lake_->Flush().ok());
  auto rows = lake_->Query("SELECT lead_id, features FROM lead_scores ORDER BY lead_id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 3u);
  EXPECT_EQ(rows->rows[0][1], R"({"lead_id":"F1","visits":2.50,"extra":"a  b"})");
  EXPECT_EQ(rows->rows[1][1], R"({"lead_id":"F2"})");
  EXPECT_EQ(rows->rows[2][1], R"({"lead_id":"F3","visits":1e1})");
}

}  // namespace
}  // namespace signx::leads

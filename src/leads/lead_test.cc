// Lead schemas (the shipped ones, validation of a schema, the field-name table) and a lead's
// validation: what LeadFromJson and DisplayValues make of every kind of JSON value.
#include "leads/lead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "base/strings.h"
#include "http/json.h"
#include "http/request.h"
#include "leads/schema.h"

namespace signx::leads {
namespace {
namespace json = boost::json;

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

}  // namespace
}  // namespace signx::leads

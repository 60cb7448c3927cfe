// The pure rules: time zones from the system tz database, quiet hours and digest times on fixed
// instants (including DST), channel selection by rules, preference validation, template choice,
// rendering and escaping, and the settings page's rules text.
#include "notifications/notification.h"

#include <gtest/gtest.h>

#include "notifications/pages/notification_pages.h"
#include "notifications/time_zone.h"

namespace signx::notifications {
namespace {

Timestamp At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::shared_ptr<const TimeZone> Zone(const char* name) {
  auto z = LoadTimeZone(name);
  EXPECT_TRUE(z.ok()) << name << ": " << z.status().ToString();
  return z.ok() ? *z : std::make_shared<const TimeZone>();
}

TEST(TimeZoneTest, OffsetsFollowTheTzDatabaseAcrossDst) {
  const auto chicago = Zone("America/Chicago");
  EXPECT_EQ(chicago->OffsetAt(At("2026-01-15T12:00:00Z")).count(), -6 * 3600);
  EXPECT_EQ(chicago->OffsetAt(At("2026-07-15T12:00:00Z")).count(), -5 * 3600);
  // US DST 2026 starts 2026-03-08 at 02:00 CST = 08:00 UTC.
  EXPECT_EQ(chicago->OffsetAt(At("2026-03-08T07:59:59Z")).count(), -6 * 3600);
  EXPECT_EQ(chicago->OffsetAt(At("2026-03-08T08:00:00Z")).count(), -5 * 3600);
  EXPECT_EQ(Zone("Asia/Kolkata")->OffsetAt(At("2026-05-01T00:00:00Z")).count(), 19800);
  EXPECT_EQ(Zone("UTC")->OffsetAt(At("2026-05-01T00:00:00Z")).count(), 0);
  EXPECT_EQ(FormatLocal(*chicago, At("2026-01-01T04:00:00Z")), "2025-12-31T22:00:00-06:00");
  for (const char* bad : {"", "../etc/passwd", "/etc/passwd", "Mars/Olympus", "a b"}) {
    EXPECT_FALSE(LoadTimeZone(bad).ok()) << bad;
  }
  EXPECT_FALSE(
      TimeZone::FromTzif("x", "not a tzif file at all, sorry.........................").ok());
}

TEST(QuietHoursTest, WindowsWrapMidnightAndEndInLocalTime) {
  const auto chicago = Zone("America/Chicago");
  const int start = 22 * 60, end = 7 * 60;
  // 21:59 local: outside.
  EXPECT_FALSE(QuietUntil(*chicago, start, end, At("2026-01-02T03:59:00Z")).has_value());
  // 22:00 local (04:00 UTC): held until 07:00 local = 13:00 UTC.
  EXPECT_EQ(FormatRfc3339(*QuietUntil(*chicago, start, end, At("2026-01-02T04:00:00Z"))),
            "2026-01-02T13:00:00.000Z");
  // 03:30 local, after midnight: same end.
  EXPECT_EQ(FormatRfc3339(*QuietUntil(*chicago, start, end, At("2026-01-02T09:30:00Z"))),
            "2026-01-02T13:00:00.000Z");
  // 07:00 local: the window has ended.
  EXPECT_FALSE(QuietUntil(*chicago, start, end, At("2026-01-02T13:00:00Z")).has_value());
  // A window inside one day (12:00-13:00 UTC).
  const auto utc = Zone("UTC");
  EXPECT_EQ(FormatRfc3339(*QuietUntil(*utc, 720, 780, At("2026-01-02T12:10:00Z"))),
            "2026-01-02T13:00:00.000Z");
  EXPECT_FALSE(QuietUntil(*utc, 720, 720, At("2026-01-02T12:10:00Z")).has_value());
  // The night DST starts (2026-03-08): 23:00 CST → 07:00 CDT = 12:00 UTC, not 13:00.
  EXPECT_EQ(FormatRfc3339(*QuietUntil(*chicago, start, end, At("2026-03-08T05:00:00Z"))),
            "2026-03-08T12:00:00.000Z");
}

TEST(QuietHoursTest, NextLocalHour) {
  const auto berlin = Zone("Europe/Berlin");
  EXPECT_EQ(FormatRfc3339(NextLocalHour(*berlin, 8, At("2026-03-02T10:00:00Z"))),
            "2026-03-03T07:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(NextLocalHour(*berlin, 8, At("2026-03-02T06:00:00Z"))),
            "2026-03-02T07:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(NextLocalHour(*berlin, 8, At("2026-07-02T06:00:00Z"))),
            "2026-07-03T06:00:00.000Z");  // CEST: 08:00 = 06:00 UTC, strictly after
}

TEST(PreferencesTest, FirstMatchingRuleDecidesAndValidationNamesFields) {
  Preferences p;
  p.rules = {{"project.created", {}},
             {"project.*", {Channel::kEmail}},
             {"*", {Channel::kInApp, Channel::kWebhook}}};
  EXPECT_TRUE(ChannelsFor(p, "project.created").empty());
  EXPECT_EQ(ChannelsFor(p, "project.updated"), std::vector<Channel>{Channel::kEmail});
  EXPECT_EQ(ChannelsFor(p, "quote.created"),
            (std::vector<Channel>{Channel::kInApp, Channel::kWebhook}));
  EXPECT_TRUE(ChannelsFor(Preferences{}, "quote.created").empty());

  http::AddressPolicy policy{.enforce = true};
  auto fields = [&](const Preferences& prefs) {
    std::vector<std::string> out;
    for (const auto& e : ValidatePreferences(prefs, policy)) out.push_back(e.field);
    return out;
  };
  EXPECT_EQ(fields(p), (std::vector<std::string>{"email", "webhook_url"}));  // both required
  p.email = "ann@example.com";
  p.webhook_url = "https://hooks.example.com/signx";
  EXPECT_TRUE(fields(p).empty());
  p.webhook_url = "http://169.254.169.254/latest";
  p.email = "Ann <ann@example.com>";
  p.time_zone = "Nowhere/Special";
  p.quiet_start_min = 1500;
  p.digest_hour = 24;
  p.rules.push_back({"Bad Type", {Channel::kEmail, Channel::kEmail}});
  EXPECT_EQ(fields(p), (std::vector<std::string>{"rules[3].event_type", "rules[3].channels",
                                                 "email", "time_zone", "quiet_end_min",
                                                 "quiet_start_min", "digest_hour", "webhook_url"}));
}

TEST(TemplateTest, MostSpecificWinsAndRenderingEscapesOnlyHtml) {
  std::vector<Template> ts = {
      {.id = "ntt_all", .event_type = "*", .channel = Channel::kEmail, .subject = "all"},
      {.id = "ntt_prj", .event_type = "project.*", .channel = Channel::kEmail, .subject = "p"},
      {.id = "ntt_exact", .event_type = "project.created", .channel = Channel::kEmail},
      {.id = "ntt_app", .event_type = "project.created", .channel = Channel::kInApp}};
  EXPECT_EQ(PickTemplate(ts, "project.created", Channel::kEmail).id, "ntt_exact");
  EXPECT_EQ(PickTemplate(ts, "project.updated", Channel::kEmail).id, "ntt_prj");
  EXPECT_EQ(PickTemplate(ts, "quote.created", Channel::kEmail).id, "ntt_all");
  EXPECT_EQ(PickTemplate(ts, "quote.created", Channel::kInApp).id, "");  // built-in default
  EXPECT_EQ(PickTemplate(ts, "quote.created", Channel::kWebhook).id, "");

  Template t{.event_type = "*",
             .channel = Channel::kEmail,
             .subject = "{{data.name}} {{data.note}}",
             .body_text = "{{data.name}} {{#data.items}}[{{sku}}]{{/data.items}} {{user.id}}",
             .body_html = "<p>{{data.name}}</p>"};
  events::Event e{
      .id = "evt_1",
      .type = "quote.created",
      .org_id = "org_1",
      .subject_id = "q_1",
      .payload_json =
          R"({"name":"<b>A&B</b>","items":[{"sku":"x1"},{"sku":"x2"}],"note":"a\r\nBcc: x@evil.test"})"};
  auto r = Render(t, e, "usr_1", "ntf_1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->subject, "<b>A&B</b> a  Bcc: x@evil.test");  // one line: no header injection
  EXPECT_EQ(r->text, "<b>A&B</b> [x1][x2] usr_1");
  EXPECT_EQ(r->html, "<p>&lt;b&gt;A&amp;B&lt;/b&gt;</p>");
  t.body_text = "{{#unclosed}}";
  EXPECT_EQ(Render(t, e, "usr_1", "ntf_1").status().code(), ErrorCode::kValidationFailed);
}

TEST(SettingsTextTest, RulesRoundTripAndBadLinesAreNamed) {
  auto rules =
      ParseRulesText("project.*: email, in_app\n\n# comment\nquote.created: none\n*: inbox\n");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 3u);
  EXPECT_TRUE((*rules)[1].channels.empty());
  EXPECT_EQ((*rules)[2].channels, std::vector<Channel>{Channel::kInApp});
  EXPECT_EQ(RulesText(*rules), "project.*: email, in_app\nquote.created:\n*: in_app\n");
  auto bad = ParseRulesText("project.* email\nquote.*: fax\n");
  ASSERT_FALSE(bad.ok());
  ASSERT_EQ(bad.status().details().size(), 2u);
  EXPECT_NE(bad.status().details()[0].message.find("line 1"), std::string::npos);
  EXPECT_NE(bad.status().details()[1].message.find("fax"), std::string::npos);
}

}  // namespace
}  // namespace signx::notifications

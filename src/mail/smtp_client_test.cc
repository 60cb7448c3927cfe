#include "mail/smtp_client.h"

#include <gtest/gtest.h>

#include <string>

#include "base/sha256.h"
#include "mail/message.h"
#include "mail/testing/mime.h"
#include "mail/testing/smtp_sink.h"

namespace signx::mail {
namespace {

using testing::ParseMime;
using testing::SmtpSink;
using testing::Stage;

SmtpSettings SinkSettings(const SmtpSink& sink) {
  config::SmtpConfig c;
  c.url = sink.url();
  c.from = "SignX <no-reply@signx.test>";
  c.allow_private_cidrs = {"127.0.0.0/8"};
  c.timeout_ms = 20000;
  auto s = SettingsFrom(c);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return *s;
}

// Bytes that exercise the encoder: a PDF header, every byte value, CR/LF and dots at line starts.
std::string PdfLikeBytes() {
  std::string pdf = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
  for (int round = 0; round < 40; ++round) {
    for (int b = 0; b < 256; ++b) pdf.push_back(static_cast<char>(b));
    pdf += "\r\n.\r\n..\n";
  }
  pdf += "%%EOF\n";
  return pdf;
}

TEST(SmtpClientTest, SendsTextHtmlAndAttachmentThatDecodeToTheSameBytes) {
  SmtpSink sink;
  ASSERT_TRUE(sink.started());
  SmtpClient client(SinkSettings(sink));
  const std::string pdf = PdfLikeBytes();
  Message m;
  m.to = {"Ann Example <ann@example.com>"};
  m.cc = {"bob@example.com"};
  m.bcc = {"audit@example.com"};
  m.subject = "Angebot Q-1001 für Müller GmbH — Pylonschild 12×4 ft, Lieferung nächste Woche";
  m.text = "Hello Ann,\n.\nYour quote is attached. Größe: 12 ft\n";
  m.html = "<p>Hello Ann,</p><p>Your quote is <b>attached</b>.</p>";
  m.attachments = {{"quote-Q-1001.pdf", "application/pdf", pdf}};
  m.headers = {{"X-SignX-Notification", "ntf_test"}};

  auto receipt = client.Send(m);
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  EXPECT_EQ(receipt->smtp_code, 250);
  EXPECT_EQ(receipt->recipients,
            (std::vector<std::string>{"ann@example.com", "bob@example.com", "audit@example.com"}));
  EXPECT_GT(receipt->bytes, pdf.size());
  EXPECT_NE(receipt->message_id.find("@signx.test"), std::string::npos);

  ASSERT_TRUE(sink.WaitFor(1));
  const auto got = sink.messages().at(0);
  EXPECT_EQ(got.mail_from, "no-reply@signx.test");
  EXPECT_EQ(got.rcpt_to, receipt->recipients);

  const auto parsed = ParseMime(got.data);
  EXPECT_EQ(parsed.subject, m.subject);
  EXPECT_NE(parsed.headers.at("from").find("<no-reply@signx.test>"), std::string::npos);
  EXPECT_NE(parsed.headers.at("to").find("<ann@example.com>"), std::string::npos);
  EXPECT_NE(parsed.headers.at("cc").find("bob@example.com"), std::string::npos);
  EXPECT_EQ(parsed.headers.count("bcc"), 0u);  // bcc is envelope only
  EXPECT_EQ(parsed.headers.at("x-signx-notification"), "ntf_test");
  EXPECT_EQ(parsed.headers.at("message-id"), "<" + receipt->message_id + ">");
  EXPECT_NE(parsed.headers.at("content-type").find("multipart/mixed"), std::string::npos);

  ASSERT_EQ(parsed.parts.size(), 3u);
  const auto* text = parsed.Find("text/plain");
  ASSERT_NE(text, nullptr);
  // Bodies go out with CRLF line ends.
  EXPECT_EQ(text->body, "Hello Ann,\r\n.\r\nYour quote is attached. Größe: 12 ft\r\n");
  const auto* html = parsed.Find("text/html");
  ASSERT_NE(html, nullptr);
  EXPECT_EQ(html->body, m.html);
  const auto* att = parsed.Find("application/pdf");
  ASSERT_NE(att, nullptr);
  EXPECT_EQ(att->filename, "quote-Q-1001.pdf");
  EXPECT_NE(att->headers.at("content-disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(att->body.size(), pdf.size());
  EXPECT_EQ(Sha256Hex(att->body), Sha256Hex(pdf));
}

TEST(SmtpClientTest, TextOnlyMessageUsesTheConfiguredSender) {
  SmtpSink sink;
  ASSERT_TRUE(sink.started());
  SmtpClient client(SinkSettings(sink));
  auto receipt = client.Send({.to = {"ann@example.com"}, .subject = "Plain", .text = "Just text."});
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  ASSERT_TRUE(sink.WaitFor(1));
  const auto parsed = ParseMime(sink.messages().at(0).data);
  EXPECT_EQ(parsed.subject, "Plain");
  ASSERT_EQ(parsed.parts.size(), 1u);
  EXPECT_EQ(parsed.parts[0].content_type, "text/plain");
  EXPECT_EQ(parsed.parts[0].body, "Just text.");
}

TEST(SmtpClientTest, LoopbackIsRefusedUnlessTheOperatorAllowsIt) {
  SmtpSink sink;
  ASSERT_TRUE(sink.started());
  SmtpSettings s = SinkSettings(sink);
  s.address_policy.allow.clear();  // public addresses only
  SmtpClient client(s);
  auto r = client.Send({.to = {"ann@example.com"}, .subject = "x", .text = "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kPermissionDenied) << r.status().ToString();
  EXPECT_NE(r.status().message().find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(sink.sessions(), 0);  // nothing was sent

  s.url = "smtp://localhost:" + std::to_string(sink.port());  // a name resolving to loopback
  r = SmtpClient(s).Send({.to = {"ann@example.com"}, .subject = "x", .text = "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kPermissionDenied) << r.status().ToString();
  EXPECT_EQ(sink.sessions(), 0);
}

TEST(SmtpClientTest, TemporaryRefusalsAreRetryableAndPermanentOnesAreNot) {
  SmtpSink sink;
  ASSERT_TRUE(sink.started());
  SmtpClient client(SinkSettings(sink));
  const Message m{.to = {"ann@example.com"}, .subject = "x", .text = "x"};
  sink.Refuse(1, 451, Stage::kData);
  auto r = client.Send(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find("451"), std::string::npos);

  sink.Refuse(1, 550, Stage::kRcpt);
  r = client.Send(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find("550"), std::string::npos);

  r = client.Send(m);  // the script is used up: accepted
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(sink.WaitFor(1));
  EXPECT_EQ(sink.messages().size(), 1u);
}

TEST(SmtpClientTest, ClosedPortIsUnavailable) {
  int port = 0;
  {
    SmtpSink sink;  // take a free port, then close it
    port = sink.port();
  }
  config::SmtpConfig c;
  c.url = "smtp://127.0.0.1:" + std::to_string(port);
  c.from = "no-reply@signx.test";
  c.allow_private_cidrs = {"127.0.0.1"};
  c.connect_timeout_ms = 2000;
  auto r = SmtpClient(*SettingsFrom(c)).Send({.to = {"a@example.com"}, .text = "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable) << r.status().ToString();
}

TEST(SmtpClientTest, OffInvalidAndOversizedMessagesAreRefusedBeforeConnecting) {
  SmtpSink sink;
  ASSERT_TRUE(sink.started());
  auto r = SmtpClient(SmtpSettings{}).Send({.to = {"a@example.com"}, .text = "x"});
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);

  SmtpSettings s = SinkSettings(sink);
  r = SmtpClient(s).Send({.to = {"not an address"}, .subject = "a\r\nBcc: x@evil.test"});
  ASSERT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  std::vector<std::string> fields;
  for (const auto& d : r.status().details()) fields.push_back(d.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"to[0]", "subject", "text"}));

  s.max_message_bytes = 10000;
  r = SmtpClient(s).Send({.to = {"a@example.com"},
                          .text = "x",
                          .attachments = {{"big.bin", "", std::string(20000, 'a')}}});
  EXPECT_EQ(r.status().code(), ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(sink.sessions(), 0);
}

TEST(SmtpSettingsTest, FromConfig) {
  config::SmtpConfig c;
  auto s = SettingsFrom(c);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->address_policy.enforce);
  EXPECT_FALSE(SmtpClient(*s).enabled());
  c.url = "smtps://mail.example.com";
  EXPECT_FALSE(SettingsFrom(c).ok());  // from is required
  c.from = "no-reply@example.com";
  EXPECT_TRUE(SettingsFrom(c).ok());
  c.url = "http://mail.example.com";
  EXPECT_FALSE(SettingsFrom(c).ok());
  c.url = "smtp://mail.example.com:99999";
  EXPECT_FALSE(SettingsFrom(c).ok());
  c.url = "smtp://mail.example.com";
  c.allow_private_cidrs = {"nonsense"};
  EXPECT_FALSE(SettingsFrom(c).ok());
}

TEST(MessageTest, MailboxesAndHeaderEncoding) {
  EXPECT_EQ(*MailboxAddress("Ann <ann@example.com>"), "ann@example.com");
  EXPECT_EQ(*MailboxAddress("\"Doe, Ann\" <ann@example.com>"), "ann@example.com");
  EXPECT_EQ(*MailboxAddress("ann@[10.0.0.1]"), "ann@[10.0.0.1]");
  for (const char* bad : {"", "ann", "ann@", "@example.com", "ann@example", "a b@example.com",
                          "ann@example.com\r\nBcc: x@y.z", "Ann <ann@example.com", "a@b@c.com"}) {
    EXPECT_FALSE(MailboxAddress(bad).ok()) << bad;
  }
  EXPECT_EQ(EncodeHeaderText("Plain subject"), "Plain subject");
  EXPECT_EQ(EncodeHeaderText("für"), "=?UTF-8?B?ZsO8cg==?=");
  EXPECT_EQ(testing::DecodeHeaderWords(EncodeHeaderText(std::string(100, 'x') + "é")),
            std::string(100, 'x') + "é");
  EXPECT_EQ(EncodeMailbox("ann@example.com"), "<ann@example.com>");
  EXPECT_EQ(EncodeMailbox("Doe, Ann <ann@example.com>"), "\"Doe, Ann\" <ann@example.com>");
  EXPECT_EQ(EncodeMailbox("Zoë <z@example.com>"), "=?UTF-8?B?Wm/Dqw==?= <z@example.com>");

  Message m{.to = {"a@example.com"}, .text = "x"};
  EXPECT_TRUE(ValidateMessage(m).empty());
  m.headers = {{"Bcc", "x@y.z"}};
  EXPECT_EQ(ValidateMessage(m).size(), 1u);
  m.headers = {};
  m.attachments = {{"../etc/passwd", "text/plain", "x"}, {"a.pdf", "pdf", "x"}};
  const auto errors = ValidateMessage(m);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "attachments[0].filename");
  EXPECT_EQ(errors[1].field, "attachments[1].content_type");
}

}  // namespace
}  // namespace signx::mail

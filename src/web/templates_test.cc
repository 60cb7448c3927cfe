#include "web/templates.h"

#include <gtest/gtest.h>

#include <regex>

namespace signx::web {
namespace {

TEST(TemplatesTest, DoubleBracesEscapeHtml) {
  Templates t;
  ASSERT_TRUE(t.Add("x", "<p title=\"{{v}}\">{{v}}</p>").ok());
  View v(View::type::object);
  v.set("v", "<script>alert('x')</script>\"&");
  auto out = t.Render("x", v);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "<p title=\"&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&quot;&amp;\">"
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;&quot;&amp;</p>");
}

TEST(TemplatesTest, EscapeHtmlMatchesTemplates) {
  EXPECT_EQ(EscapeHtml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
}

TEST(TemplatesTest, BadTemplateIsRejected) {
  Templates t;
  EXPECT_FALSE(t.Add("bad", "{{#open}} never closed").ok());
  EXPECT_FALSE(t.Render("missing", View(View::type::object)).ok());
}

// Triple braces write unescaped HTML: only the layout's page body (HTML the shell rendered itself)
// may use them, never user data.
TEST(TemplatesTest, OnlyTheLayoutUsesTripleBraces) {
  Templates t;
  const std::regex triple(R"(\{\{\{\s*([a-z_]+)\s*\}\}\}|\{\{&)");
  for (const auto& [name, text] : t.all()) {
    for (auto it = std::sregex_iterator(text.begin(), text.end(), triple);
         it != std::sregex_iterator(); ++it) {
      EXPECT_TRUE(name == "layout" && (*it)[1] == "content")
          << name << " uses unescaped output: " << it->str();
    }
  }
}

TEST(TemplatesTest, EmbeddedTemplatesAllLoadAndRender) {
  Templates t;
  for (const char* name : {"layout", "login", "dashboard", "api_keys", "audit", "error"}) {
    ASSERT_TRUE(t.Has(name)) << name;
    EXPECT_TRUE(t.Render(name, View(View::type::object)).ok()) << name;
  }
}

}  // namespace
}  // namespace signx::web

#include "web/testing/page_checks.h"

#include <gtest/gtest.h>

namespace signx::web::testing {

void ExpectInert(const std::string& html) {
  EXPECT_EQ(html.find("<script>window"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;window.__xss=1&lt;/script&gt;"), std::string::npos);
}

Templates WithModuleTemplates(const std::vector<EmbeddedFile>& files) {
  Templates t;
  t.AddEmbedded(files);
  return t;
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

std::string Attr(const View& row, const std::string& key) {
  const View* v = row.get(key);
  return v && v->is_string() ? v->string_value() : "";
}

View FieldView(const std::string& name, const std::string& value, const std::string& error,
               bool select) {
  View f(View::type::object);
  f.set("name", name);
  f.set("input_id", "x-" + name);
  f.set("label", name);
  f.set("value", value);
  f.set("is_select", select);
  if (!error.empty()) f.set("error", error);
  if (select) {
    ViewList options;
    View o(View::type::object);
    o.set("value", value);
    o.set("text", value);
    o.set("selected", true);
    options.push_back(o);
    f.set("options", options);
  }
  return f;
}

}  // namespace signx::web::testing

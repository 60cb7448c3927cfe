// Helpers for the template tests of every module's pages: an XSS payload, a check that it
// rendered inert, and readers of views. Linked only into tests (signx_web_testing).
#pragma once

#include <string>
#include <vector>

#include "web/templates.h"

namespace signx::web::testing {

// A value that would run script or break out of an attribute if a template did not escape it.
inline constexpr char kXss[] = "<script>window.__xss=1</script>\"><img src=x onerror=alert(1)>'";

// No markup from kXss survived in `html`: neither tag opens, and the text is there escaped.
void ExpectInert(const std::string& html);

// The shell's templates plus a module's (`files`: its EmbeddedTemplates()), as the app loads them.
Templates WithModuleTemplates(const std::vector<EmbeddedFile>& files);

// How often `needle` occurs in `text`.
int Count(const std::string& text, const std::string& needle);

// The string member `key` of a view object, or "".
std::string Attr(const View& row, const std::string& key);

// A form field view as the pages build them (value, error, a one-option select).
View FieldView(const std::string& name, const std::string& value, const std::string& error,
               bool select);

}  // namespace signx::web::testing

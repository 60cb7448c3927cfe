#include "web/templates.h"

#include "base/check.h"
#include "web/embedded.h"

namespace signx::web {

namespace mustache = kainjow::mustache;

namespace {

constexpr std::string_view kSuffix = ".mustache";

}  // namespace

Templates::Templates() { AddEmbedded(EmbeddedTemplates()); }

void Templates::AddEmbedded(const std::vector<EmbeddedFile>& files) {
  for (const auto& f : files) {
    std::string name = f.name;
    if (name.ends_with(kSuffix)) name.resize(name.size() - kSuffix.size());
    const Status st = Add(name, std::string(f.data));
    SIGNX_CHECK(st.ok(), "embedded template " + name + ": " + st.ToString());
  }
}

Status Templates::Add(std::string name, std::string text) {
  mustache::mustache parsed(text);
  if (!parsed.is_valid()) {
    return InvalidArgument("template " + name + ": " + parsed.error_message());
  }
  texts_[std::move(name)] = std::move(text);
  return Status::Ok();
}

bool Templates::Has(std::string_view name) const { return texts_.find(name) != texts_.end(); }

Result<std::string> Templates::Render(std::string_view name, const View& view) const {
  auto it = texts_.find(name);
  if (it == texts_.end()) return NotFound("no template named " + std::string(name));
  mustache::mustache tmpl(it->second);
  std::string out = tmpl.render(view);
  if (!tmpl.is_valid()) {
    return Internal("rendering template " + std::string(name) + ": " + tmpl.error_message());
  }
  return out;
}

std::string EscapeHtml(std::string_view text) {
  return mustache::html_escape<std::string>(std::string(text));
}

}  // namespace signx::web

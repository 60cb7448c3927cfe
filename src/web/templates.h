// Templates: the HTML templates of the web UI (kainjow mustache), HTML-escaping by default.
//
// `{{name}}` HTML-escapes (& < > " '), so user data is always written with double braces. Triple
// braces (`{{{name}}}`, no escaping) are reserved for HTML this module produced itself: the layout
// uses `{{{content}}}` for the rendered page body and nothing else does (a unit test checks).
// Partials are not used: a page is its template rendered into the layout.
//
// The built-in templates are compiled into the binary (embedded.h); a capability registers its own
// with Add() at start-up, before the first Render.
// Thread-safety: Add() during start-up only; Render() is const and safe from any thread (each
// call parses its own copy, so no state is shared between renders).
#pragma once

#include <kainjow/mustache.hpp>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"
#include "web/embedded.h"

namespace signx::web {

// The data a template renders: objects, lists, strings and booleans.
using View = kainjow::mustache::data;
using ViewList = kainjow::mustache::list;

class Templates {
 public:
  // Loads every embedded template (keyed by file name without ".mustache"); a template that does
  // not parse is a programming error (SIGNX_CHECK).
  Templates();

  // Registers (or replaces) template `name`. kInvalidArgument when `text` does not parse.
  Status Add(std::string name, std::string text);
  // Registers every file of `files` under its name without ".mustache" (a module's embedded
  // templates); a file that does not parse is a programming error (SIGNX_CHECK).
  void AddEmbedded(const std::vector<EmbeddedFile>& files);
  bool Has(std::string_view name) const;

  // Renders template `name` with `view`. kNotFound for an unknown template; kInternal when the
  // render fails (e.g. an unknown partial).
  Result<std::string> Render(std::string_view name, const View& view) const;

  const std::map<std::string, std::string, std::less<>>& all() const { return texts_; }

 private:
  std::map<std::string, std::string, std::less<>> texts_;
};

// HTML-escapes `text` exactly as `{{name}}` does.
std::string EscapeHtml(std::string_view text);

}  // namespace signx::web

// Files compiled into the binary at build time by cmake/EmbedFiles.cmake: the HTML templates
// (src/web/templates/*.mustache) and the static assets (src/web/assets/*, htmx from
// web/node_modules). Thread-safety: immutable static data.
#pragma once

#include <string_view>
#include <vector>

namespace signx::web {

struct EmbeddedFile {
  const char* name;       // base file name: "layout.mustache", "app.css", "htmx.min.js"
  std::string_view data;  // the file's bytes
  const char* sha256;     // hex SHA-256 of `data`
};

// Every template, sorted by name.
const std::vector<EmbeddedFile>& EmbeddedTemplates();
// Every static asset.
const std::vector<EmbeddedFile>& EmbeddedAssets();

}  // namespace signx::web

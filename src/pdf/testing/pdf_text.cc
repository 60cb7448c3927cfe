#include "pdf/testing/pdf_text.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>

#include <memory>

namespace signx::pdf::testing {
namespace {

std::string Utf8(const poppler::ustring& s) {
  const poppler::byte_array bytes = s.to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

Result<std::unique_ptr<poppler::document>> Load(std::string_view pdf) {
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(pdf.data(), static_cast<int>(pdf.size())));
  if (!doc || doc->is_locked()) return InvalidArgument("poppler cannot open the PDF");
  return doc;
}

}  // namespace

Result<std::vector<std::string>> PageTexts(std::string_view pdf) {
  SIGNX_ASSIGN_OR_RETURN(auto doc, Load(pdf));
  std::vector<std::string> pages;
  for (int i = 0; i < doc->pages(); ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) return InvalidArgument("poppler cannot open page " + std::to_string(i + 1));
    pages.push_back(Utf8(page->text()));
  }
  return pages;
}

Result<std::string> InfoKey(std::string_view pdf, const std::string& key) {
  SIGNX_ASSIGN_OR_RETURN(auto doc, Load(pdf));
  return Utf8(doc->info_key(key));
}

}  // namespace signx::pdf::testing

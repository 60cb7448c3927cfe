// Longer than ~700 lines on purpose: this is the one file that talks to libharu (error handler,
// fonts, pages, the text flow, tables and drawing share the same handle and cursor state);
// splitting it would spread that state across files. Pure helpers are in encoding.cc.
#include "pdf/document.h"

#include <fmt/format.h>
#include <hpdf.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numbers>
#include <utility>

#include "pdf/encoding.h"

namespace signx::pdf {
namespace {

constexpr double kLeadingFactor = 1.25;  // default baseline-to-baseline distance / font size
// Helvetica's cap height and descender (AFM, 1/1000 em): a line's glyphs are centred in its box.
constexpr double kAscent = 0.718;
constexpr double kDescent = 0.207;
constexpr double kMaxFontSize = 300;   // libharu accepts up to 600
constexpr double kMaxLineWidth = 100;  // libharu's HPDF_MAX_LINEWIDTH
constexpr int kMaxDash = 8;
constexpr double kMaxDashLength = 100;  // libharu's HPDF_MAX_DASH_PATTERN
constexpr double kMinContent = 72;      // the smallest content width and height Create accepts
constexpr double kEpsilon = 1e-6;

HPDF_REAL R(double v) { return static_cast<HPDF_REAL>(v); }

bool Finite(std::initializer_list<double> values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

// From the top of a line box of height `leading` down to the baseline of `size` text centred in it.
double BaselineDrop(double size, double leading) {
  return (leading - (kAscent + kDescent) * size) / 2 + kAscent * size;
}

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

void OnHaruError(HPDF_STATUS error_no, HPDF_STATUS detail_no, void* user_data);

}  // namespace

struct Document::Impl {
  DocumentOptions options;
  HPDF_Doc doc = nullptr;
  std::array<HPDF_Font, 2> fonts{};
  // Glyph widths in 1/1000 em per WinAnsi byte, per font: layout needs no libharu call.
  std::array<std::array<double, 256>, 2> widths{};
  HPDF_Page page = nullptr;
  int pages = 0;
  double page_w = 0;
  double page_h = 0;
  double cursor = 0;
  bool at_top = true;  // nothing has flowed onto the current page yet
  Status status;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (doc) HPDF_Free(doc);
  }

  bool ok() const { return status.ok(); }
  void Fail(Status s) {
    if (status.ok()) status = std::move(s);
  }
  // Records an invalid argument unless `valid`; returns `valid` (and false after any failure).
  bool Require(bool valid, std::string_view what) {
    if (!valid) Fail(InvalidArgument(fmt::format("pdf: {}", what)));
    return ok();
  }

  const Margins& margins() const { return options.margins; }
  double top() const { return page_h - margins().top; }
  double bottom() const { return margins().bottom; }
  double left() const { return margins().left; }
  double content_width() const { return page_w - margins().left - margins().right; }
  double content_height() const { return top() - bottom(); }
  int FontIndex(Font f) const { return f == Font::kBold ? 1 : 0; }

  void AddPage() {
    if (!ok()) return;
    if (pages >= options.max_pages) {
      Fail(InvalidArgument(
          fmt::format("pdf: the document would have more than {} pages", options.max_pages)));
      return;
    }
    HPDF_Page p = HPDF_AddPage(doc);
    if (!p) {
      Fail(Internal("libharu: cannot add a page"));
      return;
    }
    HPDF_Page_SetSize(
        p, options.page_size == PageSize::kA4 ? HPDF_PAGE_SIZE_A4 : HPDF_PAGE_SIZE_LETTER,
        options.orientation == Orientation::kLandscape ? HPDF_PAGE_LANDSCAPE : HPDF_PAGE_PORTRAIT);
    page = p;
    ++pages;
    page_w = HPDF_Page_GetWidth(p);
    page_h = HPDF_Page_GetHeight(p);
    cursor = top();
    at_top = true;
  }

  // Width in points of WinAnsi bytes.
  double Width(std::string_view encoded, Font f, double size) const {
    double units = 0;
    for (char c : encoded) units += widths[FontIndex(f)][static_cast<unsigned char>(c)];
    return units * size / 1000;
  }

  bool ValidColor(const Color& c) {
    return Require(Finite({c.r, c.g, c.b}) && c.r >= 0 && c.r <= 1 && c.g >= 0 && c.g <= 1 &&
                       c.b >= 0 && c.b <= 1,
                   "colour channels must be between 0 and 1");
  }
  bool ValidText(const TextStyle& s) {
    return Require(Finite({s.size, s.leading}) && s.size > 0 && s.size <= kMaxFontSize &&
                       s.leading >= 0,
                   fmt::format("font size must be in (0, {}] and leading >= 0", kMaxFontSize)) &&
           ValidColor(s.color);
  }
  double Leading(const TextStyle& s) const {
    return s.leading > 0 ? s.leading : kLeadingFactor * s.size;
  }

  // One line of WinAnsi text with its baseline at (x, y), rotated `angle_deg` about that point.
  void Show(double x, double y, const std::string& encoded, Font f, double size, const Color& color,
            double angle_deg = 0) {
    if (!ok() || encoded.empty()) return;
    HPDF_Page_GSave(page);
    HPDF_Page_BeginText(page);
    HPDF_Page_SetRGBFill(page, R(color.r), R(color.g), R(color.b));
    HPDF_Page_SetFontAndSize(page, fonts[FontIndex(f)], R(size));
    if (angle_deg == 0) {
      HPDF_Page_TextOut(page, R(x), R(y), encoded.c_str());
    } else {
      const double rad = angle_deg * std::numbers::pi / 180;
      const double c = std::cos(rad), s = std::sin(rad);
      HPDF_Page_SetTextMatrix(page, R(c), R(s), R(-s), R(c), R(x), R(y));
      HPDF_Page_ShowText(page, encoded.c_str());
    }
    HPDF_Page_EndText(page);
    HPDF_Page_GRestore(page);
  }

  // Shows `encoded` aligned inside [x, x + width] with its baseline at y.
  void ShowAligned(double x, double width, double y, const std::string& encoded, Font f,
                   double size, Align align, const Color& color) {
    const double w = Width(encoded, f, size);
    if (align == Align::kRight) x += width - w;
    if (align == Align::kCenter) x += (width - w) / 2;
    Show(x, y, encoded, f, size, color);
  }

  // Places wrapped lines at the cursor, each on a new page when it does not fit (a line taller
  // than the content height is drawn at the top of a page anyway).
  void Flow(const std::vector<std::string>& lines, const TextStyle& style) {
    const double lead = Leading(style);
    const double drop = BaselineDrop(style.size, lead);
    for (const std::string& line : lines) {
      if (cursor - lead < bottom() - kEpsilon && !at_top) AddPage();
      if (!ok()) return;
      ShowAligned(left(), content_width(), cursor - drop, line, style.font, style.size, style.align,
                  style.color);
      cursor -= lead;
      at_top = false;
    }
  }

  // Greedy word wrap of WinAnsi text to `max_width` points: breaks at spaces and '\n'; a word
  // wider than a line is cut at the last byte that fits (at least one per line). A blank input
  // line stays as an empty line.
  std::vector<std::string> Wrap(std::string_view encoded, Font f, double size,
                                double max_width) const {
    std::vector<std::string> lines;
    const double space = Width(" ", f, size);
    std::size_t start = 0;
    for (;;) {
      const std::size_t nl = encoded.find('\n', start);
      const std::string_view para =
          encoded.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
      std::string line;
      double line_w = 0;
      bool any = false;
      std::size_t i = 0;
      while (i < para.size()) {
        if (para[i] == ' ') {
          ++i;
          continue;
        }
        const std::size_t end = std::min(para.find(' ', i), para.size());
        std::string_view word = para.substr(i, end - i);
        i = end;
        any = true;
        double ww = Width(word, f, size);
        if (!line.empty() && line_w + space + ww <= max_width + kEpsilon) {
          line += ' ';
          line += word;
          line_w += space + ww;
          continue;
        }
        if (!line.empty()) lines.push_back(std::move(line));
        line.clear();
        while (ww > max_width + kEpsilon && word.size() > 1) {
          std::size_t n = 1;
          double w = Width(word.substr(0, 1), f, size);
          while (n < word.size()) {
            const double next = w + Width(word.substr(n, 1), f, size);
            if (next > max_width + kEpsilon) break;
            w = next;
            ++n;
          }
          lines.emplace_back(word.substr(0, n));
          word.remove_prefix(n);
          ww = Width(word, f, size);
        }
        line = std::string(word);
        line_w = ww;
      }
      if (!line.empty() || !any) lines.push_back(std::move(line));
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    return lines;
  }

  // Sets up a stroke inside a GSave; the caller draws the path and calls EndPath.
  bool BeginPath(const Stroke& s, const std::optional<Color>& fill) {
    if (!Require(Finite({s.width}) && s.width >= 0 && s.width <= kMaxLineWidth,
                 fmt::format("stroke width must be in [0, {}]", kMaxLineWidth)) ||
        !ValidColor(s.color) || (fill && !ValidColor(*fill))) {
      return false;
    }
    std::array<HPDF_UINT16, kMaxDash> dash{};
    const std::size_t n = s.dash.size();
    if (!Require(n <= kMaxDash && (n <= 1 || n % 2 == 0),
                 "a dash pattern has 1, 2, 4, 6 or 8 lengths")) {
      return false;
    }
    for (std::size_t k = 0; k < n; ++k) {
      const double v = std::round(s.dash[k]);
      if (!Require(std::isfinite(v) && v >= 1 && v <= kMaxDashLength,
                   fmt::format("dash lengths must round to 1-{} points", kMaxDashLength))) {
        return false;
      }
      dash[k] = static_cast<HPDF_UINT16>(v);
    }
    HPDF_Page_GSave(page);
    HPDF_Page_SetLineWidth(page, R(s.width));
    HPDF_Page_SetRGBStroke(page, R(s.color.r), R(s.color.g), R(s.color.b));
    if (n > 0) HPDF_Page_SetDash(page, dash.data(), static_cast<HPDF_UINT>(n), 0);
    if (fill) HPDF_Page_SetRGBFill(page, R(fill->r), R(fill->g), R(fill->b));
    return ok();
  }
  void EndPath(const Stroke& s, bool fill, bool close = false) {
    if (fill && s.width == 0) {
      HPDF_Page_Fill(page);
    } else if (fill) {
      close ? HPDF_Page_ClosePathFillStroke(page) : HPDF_Page_FillStroke(page);
    } else {
      close ? HPDF_Page_ClosePathStroke(page) : HPDF_Page_Stroke(page);
    }
    HPDF_Page_GRestore(page);
  }
};

namespace {

// libharu's error handler: keeps the first error in the Status that `user_data` points to. Never
// longjmps or throws, so libharu returns an error code from the failing call and goes on.
void OnHaruError(HPDF_STATUS error_no, HPDF_STATUS detail_no, void* user_data) {
  auto* status = static_cast<Status*>(user_data);
  if (!status->ok()) return;
  *status =
      Internal(fmt::format("libharu error 0x{:04X} (detail {})", static_cast<unsigned>(error_no),
                           static_cast<unsigned>(detail_no)));
}

HPDF_Date ToHaruDate(Timestamp t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd(day);
  const hh_mm_ss hms(secs - day);
  HPDF_Date d{};
  d.year = static_cast<int>(ymd.year());
  d.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  d.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  d.hour = static_cast<int>(hms.hours().count());
  d.minutes = static_cast<int>(hms.minutes().count());
  d.seconds = static_cast<int>(hms.seconds().count());
  d.ind = 'Z';
  return d;
}

}  // namespace

Frame Frame::Fit(Box model, Box page, double inset) {
  const Box inner{page.x + inset, page.y + inset, std::max(0.0, page.width - 2 * inset),
                  std::max(0.0, page.height - 2 * inset)};
  double scale = 1;
  if (model.width > 0 && model.height > 0) {
    scale = std::min(inner.width / model.width, inner.height / model.height);
  } else if (model.width > 0) {
    scale = inner.width / model.width;
  } else if (model.height > 0) {
    scale = inner.height / model.height;
  }
  return AtScale(scale, model, inner);
}

Frame Frame::AtScale(double scale, Box model, Box page) {
  const double cx = page.x + page.width / 2, cy = page.y + page.height / 2;
  const double mx = model.x + model.width / 2, my = model.y + model.height / 2;
  return Frame(scale, {cx - scale * mx, cy - scale * my});
}

Document::Document(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Result<Document> Document::Create(DocumentOptions options) {
  const Margins& m = options.margins;
  if (!Finite({m.top, m.right, m.bottom, m.left}) || m.top < 0 || m.right < 0 || m.bottom < 0 ||
      m.left < 0) {
    return InvalidArgument("pdf: margins must be finite and not negative");
  }
  if (options.max_pages < 1) return InvalidArgument("pdf: max_pages must be at least 1");
  double w = options.page_size == PageSize::kA4 ? 595.276 : 612;
  double h = options.page_size == PageSize::kA4 ? 841.89 : 792;
  if (options.orientation == Orientation::kLandscape) std::swap(w, h);
  if (w - m.left - m.right < kMinContent || h - m.top - m.bottom < kMinContent) {
    return InvalidArgument(fmt::format(
        "pdf: the margins leave less than {} pt of content width or height", kMinContent));
  }

  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->doc = HPDF_New(OnHaruError, &impl->status);
  if (!impl->doc) return Internal("libharu: cannot create a PDF document");
  const DocumentOptions& o = impl->options;
  HPDF_SetCompressionMode(impl->doc, o.compress ? HPDF_COMP_ALL : HPDF_COMP_NONE);
  const std::pair<HPDF_InfoType, const std::string*> info[] = {{HPDF_INFO_TITLE, &o.title},
                                                               {HPDF_INFO_AUTHOR, &o.author},
                                                               {HPDF_INFO_SUBJECT, &o.subject},
                                                               {HPDF_INFO_CREATOR, &o.creator}};
  for (const auto& [type, value] : info) {
    if (!value->empty()) HPDF_SetInfoAttr(impl->doc, type, OneLine(ToWinAnsi(*value)).c_str());
  }
  if (o.creation_time) {
    HPDF_SetInfoDateAttr(impl->doc, HPDF_INFO_CREATION_DATE, ToHaruDate(*o.creation_time));
  }
  impl->fonts[0] = HPDF_GetFont(impl->doc, "Helvetica", "WinAnsiEncoding");
  impl->fonts[1] = HPDF_GetFont(impl->doc, "Helvetica-Bold", "WinAnsiEncoding");
  if (impl->ok() && (!impl->fonts[0] || !impl->fonts[1])) {
    return Internal("libharu: cannot load the Helvetica fonts");
  }
  for (int f = 0; f < 2 && impl->ok(); ++f) {
    for (int b = 1; b < 256; ++b) {
      const HPDF_BYTE c = static_cast<HPDF_BYTE>(b);
      impl->widths[f][b] = HPDF_Font_TextWidth(impl->fonts[f], &c, 1).width;
    }
  }
  impl->AddPage();
  if (!impl->ok()) return impl->status;
  return Document(std::move(impl));
}

const Status& Document::status() const { return impl_->status; }
int Document::page_count() const { return impl_->pages; }
Box Document::content_box() const {
  return {impl_->left(), impl_->bottom(), impl_->content_width(), impl_->content_height()};
}
Box Document::page_box() const { return {0, 0, impl_->page_w, impl_->page_h}; }
double Document::cursor_y() const { return impl_->cursor; }

double Document::TextWidth(std::string_view text, Font font, double size) const {
  return impl_->Width(OneLine(ToWinAnsi(text)), font, size);
}

void Document::NewPage() { impl_->AddPage(); }

void Document::Spacer(double points) {
  Impl& d = *impl_;
  if (!d.Require(Finite({points}) && points >= 0, "a spacer must be finite and not negative")) {
    return;
  }
  d.cursor -= points;
  if (d.cursor < d.bottom() - kEpsilon) d.AddPage();
}

void Document::Heading(std::string_view text, int level) {
  Impl& d = *impl_;
  if (!d.ok()) return;
  const TextStyle style{.font = Font::kBold, .size = level <= 1 ? 16.0 : level == 2 ? 13.0 : 11.0};
  const auto lines = d.Wrap(ToWinAnsi(text), style.font, style.size, d.content_width());
  const double before = d.at_top ? 0 : 0.8 * style.size;
  const double keep_with_next = 3 * kLeadingFactor * 10;  // three lines of 10 pt body text
  const double need =
      before + static_cast<double>(lines.size()) * d.Leading(style) + keep_with_next;
  if (!d.at_top && d.cursor - need < d.bottom() - kEpsilon) {
    d.AddPage();
  } else {
    d.cursor -= before;
  }
  d.Flow(lines, style);
  d.cursor -= 0.4 * style.size;
}

void Document::Paragraph(std::string_view text, const TextStyle& style) {
  Impl& d = *impl_;
  if (!d.ok() || !d.ValidText(style)) return;
  d.Flow(d.Wrap(ToWinAnsi(text), style.font, style.size, d.content_width()), style);
  d.cursor -= 0.5 * style.size;
}

void Document::Table(std::span<const Column> columns, std::span<const TableRow> rows,
                     const TableStyle& style) {
  Impl& d = *impl_;
  if (!d.ok()) return;
  const double size = style.font_size, pad = style.padding;
  if (!d.Require(!columns.empty(), "a table needs at least one column") ||
      !d.Require(Finite({size, pad}) && size > 0 && size <= kMaxFontSize && pad >= 0,
                 "table font size must be in (0, 300] and padding >= 0")) {
    return;
  }
  // Column widths.
  double fixed = 0;
  int shares = 0;
  for (const Column& c : columns) {
    if (!d.Require(Finite({c.width}) && c.width >= 0, "column widths must be finite and >= 0")) {
      return;
    }
    fixed += c.width;
    if (c.width == 0) ++shares;
  }
  const double share = shares > 0 ? (d.content_width() - fixed) / shares : 0;
  if (!d.Require(fixed <= d.content_width() + kEpsilon && (shares == 0 || share >= 1),
                 fmt::format("table columns ({:.1f} pt fixed) do not fit the content width "
                             "({:.1f} pt)",
                             fixed, d.content_width()))) {
    return;
  }
  std::vector<double> widths, xs;
  double x = d.left();
  for (const Column& c : columns) {
    const double w = c.width > 0 ? c.width : share;
    if (!d.Require(w > 2 * pad, "a table column is not wider than its padding")) return;
    xs.push_back(x);
    widths.push_back(w);
    x += w;
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (!d.Require(rows[r].cells.size() <= columns.size(),
                   fmt::format("table row {} has more cells than columns", r))) {
      return;
    }
  }

  const double lead = kLeadingFactor * size;
  const double drop = BaselineDrop(size, lead);
  const Color black;
  using CellLines = std::vector<std::vector<std::string>>;  // per column, its wrapped lines
  auto layout = [&](auto&& cell_text, Font font) {
    CellLines cells(columns.size());
    std::size_t n = 1;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      cells[c] = d.Wrap(ToWinAnsi(cell_text(c)), font, size, widths[c] - 2 * pad);
      n = std::max(n, cells[c].size());
    }
    return std::pair(std::move(cells), n);
  };
  const Stroke rule{.width = 0.5};
  // Draws lines [from, to) of a row at the cursor and moves the cursor below them.
  auto draw = [&](const CellLines& cells, std::size_t from, std::size_t to, Font font,
                  bool rule_above) {
    const double h = static_cast<double>(to - from) * lead + 2 * pad;
    const double top = d.cursor;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      for (std::size_t i = from; i < to && i < cells[c].size(); ++i) {
        const double baseline = top - pad - static_cast<double>(i - from) * lead - drop;
        d.ShowAligned(xs[c] + pad, widths[c] - 2 * pad, baseline, cells[c][i], font, size,
                      columns[c].align, black);
      }
      if (style.grid) Rect({xs[c], top - h}, widths[c], h, rule);
    }
    if (rule_above) Line({xs.front(), top}, {xs.back() + widths.back(), top}, rule);
    d.cursor -= h;
    d.at_top = false;
  };

  const bool has_header = std::any_of(columns.begin(), columns.end(),
                                      [](const Column& c) { return !c.header.empty(); });
  const auto header =
      layout([&](std::size_t c) -> std::string_view { return columns[c].header; }, Font::kBold);
  const double header_h = has_header ? static_cast<double>(header.second) * lead + 2 * pad : 0;
  const double fresh_room = d.content_height() - header_h;  // for rows on a new page
  if (!d.Require(lead + 2 * pad <= fresh_room + kEpsilon,
                 "a table header leaves no room for a row on a page")) {
    return;
  }
  auto fits_here = [&](double h) { return d.cursor - h >= d.bottom() - kEpsilon; };
  auto draw_header = [&] {
    if (!has_header) return;
    draw(header.first, 0, header.second, Font::kBold, false);
    if (style.header_rule && !style.grid) {
      Line({xs.front(), d.cursor}, {xs.back() + widths.back(), d.cursor}, rule);
    }
  };
  auto room_lines = [&] {
    return static_cast<std::size_t>(
        std::max(0.0, std::floor((d.cursor - d.bottom() - 2 * pad + kEpsilon) / lead)));
  };
  auto row_layout = [&](const TableRow& row) {
    return layout(
        [&](std::size_t c) -> std::string_view {
          return c < row.cells.size() ? std::string_view(row.cells[c]) : std::string_view();
        },
        row.font);
  };

  // The header never ends a page alone: start on a new page unless the header and the first row
  // fit here (or, for a first row taller than a page, the header and its first line).
  if (!d.at_top) {
    const double h0 =
        rows.empty() ? 0 : static_cast<double>(row_layout(rows[0]).second) * lead + 2 * pad;
    if (!fits_here(header_h + h0) && (h0 <= fresh_room || !fits_here(header_h + lead + 2 * pad))) {
      d.AddPage();
    }
  }
  draw_header();
  bool rows_on_page = false;
  for (const TableRow& row : rows) {
    if (!d.ok()) return;
    const auto [cells, n] = row_layout(row);
    const double h = static_cast<double>(n) * lead + 2 * pad;
    // A row that fits on a page is never split: it moves to the next page whole.
    if (rows_on_page && !fits_here(h) && h <= fresh_room + kEpsilon) {
      d.AddPage();
      draw_header();
      rows_on_page = false;
    }
    // Taller than a page: as many lines as fit, then the rest under the header on the next page.
    std::size_t i = 0;
    while (i < n && d.ok()) {
      if (room_lines() == 0) {
        d.AddPage();
        draw_header();
      }
      const std::size_t k = std::min(std::max<std::size_t>(room_lines(), 1), n - i);
      draw(cells, i, i + k, row.font, row.rule_above && i == 0);
      rows_on_page = true;
      i += k;
      if (i < n) {
        d.AddPage();
        draw_header();
        rows_on_page = false;
      }
    }
  }
  d.cursor -= 0.5 * size;
}

Box Document::ReserveBox(double height) {
  Impl& d = *impl_;
  if (!d.ok() || !d.Require(Finite({height}) && height >= 0, "a box height must be >= 0")) {
    return {};
  }
  const double h = std::min(height, d.content_height());
  if (d.cursor - h < d.bottom() - kEpsilon) d.AddPage();
  if (!d.ok()) return {};
  const Box box{d.left(), d.cursor - h, d.content_width(), h};
  d.cursor -= h;
  d.at_top = false;
  return box;
}

void Document::Line(Point a, Point b, const Stroke& stroke) {
  Impl& d = *impl_;
  if (!d.ok() || !d.Require(Finite({a.x, a.y, b.x, b.y}), "coordinates must be finite") ||
      !d.BeginPath(stroke, std::nullopt)) {
    return;
  }
  HPDF_Page_MoveTo(d.page, R(a.x), R(a.y));
  HPDF_Page_LineTo(d.page, R(b.x), R(b.y));
  d.EndPath(stroke, false);
}

void Document::Rect(Point lower_left, double width, double height, const Stroke& stroke,
                    std::optional<Color> fill) {
  Impl& d = *impl_;
  if (!d.ok() ||
      !d.Require(Finite({lower_left.x, lower_left.y, width, height}),
                 "coordinates must be finite") ||
      !d.BeginPath(stroke, fill)) {
    return;
  }
  HPDF_Page_Rectangle(d.page, R(lower_left.x), R(lower_left.y), R(width), R(height));
  d.EndPath(stroke, fill.has_value());
}

void Document::Polyline(std::span<const Point> points, const Stroke& stroke, bool closed) {
  Impl& d = *impl_;
  if (!d.ok() || !d.Require(points.size() >= 2, "a polyline needs at least two points")) return;
  for (const Point& p : points) {
    if (!d.Require(Finite({p.x, p.y}), "coordinates must be finite")) return;
  }
  if (!d.BeginPath(stroke, std::nullopt)) return;
  HPDF_Page_MoveTo(d.page, R(points[0].x), R(points[0].y));
  for (std::size_t i = 1; i < points.size(); ++i) {
    HPDF_Page_LineTo(d.page, R(points[i].x), R(points[i].y));
  }
  d.EndPath(stroke, false, closed);
}

void Document::Circle(Point center, double radius, const Stroke& stroke,
                      std::optional<Color> fill) {
  Impl& d = *impl_;
  if (!d.ok() ||
      !d.Require(Finite({center.x, center.y, radius}) && radius > 0,
                 "a circle needs finite coordinates and a positive radius") ||
      !d.BeginPath(stroke, fill)) {
    return;
  }
  HPDF_Page_Circle(d.page, R(center.x), R(center.y), R(radius));
  d.EndPath(stroke, fill.has_value());
}

void Document::TextAt(Point at, std::string_view text, const TextStyle& style, double angle_deg) {
  Impl& d = *impl_;
  if (!d.ok() || !d.Require(Finite({at.x, at.y, angle_deg}), "coordinates must be finite") ||
      !d.ValidText(style)) {
    return;
  }
  const std::string encoded = OneLine(ToWinAnsi(text));
  const double w = d.Width(encoded, style.font, style.size);
  const double shift = style.align == Align::kRight ? w : style.align == Align::kCenter ? w / 2 : 0;
  const double rad = angle_deg * std::numbers::pi / 180;
  d.Show(at.x - shift * std::cos(rad), at.y - shift * std::sin(rad), encoded, style.font,
         style.size, style.color, angle_deg);
}

void Document::Dimension(Point a, Point b, double offset, std::string_view label,
                         const DimensionStyle& style) {
  Impl& d = *impl_;
  if (!d.ok() || !d.Require(Finite({a.x, a.y, b.x, b.y, offset, style.arrow_length,
                                    style.extension_gap, style.extension_past}),
                            "coordinates must be finite")) {
    return;
  }
  const double dx = b.x - a.x, dy = b.y - a.y;
  const double len = std::hypot(dx, dy);
  if (!d.Require(len > kEpsilon, "a dimension needs two distinct points")) return;
  const Point u{dx / len, dy / len};  // along a → b
  const Point n{-u.y, u.x};           // to its left
  auto at = [](Point p, Point dir, double k) { return Point{p.x + dir.x * k, p.y + dir.y * k}; };
  const Stroke stroke{.width = style.line_width, .color = style.color};
  const double side = offset < 0 ? -1 : 1;
  if (std::abs(offset) > style.extension_gap) {
    for (const Point& p : {a, b}) {
      Line(at(p, n, side * style.extension_gap), at(p, n, offset + side * style.extension_past),
           stroke);
    }
  }
  const Point a2 = at(a, n, offset), b2 = at(b, n, offset);
  Line(a2, b2, stroke);
  const double al = style.arrow_length;
  if (al > 0) {
    for (const auto& [tip, dir] : {std::pair(a2, u), std::pair(b2, Point{-u.x, -u.y})}) {
      const Point base = at(tip, dir, al);
      const Point head[] = {tip, at(base, n, al / 4), at(base, n, -al / 4)};
      if (!d.BeginPath({.width = 0, .color = style.color}, style.color)) return;
      HPDF_Page_MoveTo(d.page, R(head[0].x), R(head[0].y));
      HPDF_Page_LineTo(d.page, R(head[1].x), R(head[1].y));
      HPDF_Page_LineTo(d.page, R(head[2].x), R(head[2].y));
      HPDF_Page_ClosePath(d.page);
      d.EndPath({.width = 0}, true);
    }
  }
  if (label.empty()) return;
  // Text reads left to right, or bottom to top on a vertical dimension.
  double angle = std::atan2(u.y, u.x) * 180 / std::numbers::pi;
  if (angle > 90 + kEpsilon) angle -= 180;
  if (angle <= -90 + kEpsilon) angle += 180;
  const double rad = angle * std::numbers::pi / 180;
  const Point up{-std::sin(rad), std::cos(rad)};
  const Point mid{(a2.x + b2.x) / 2, (a2.y + b2.y) / 2};
  TextAt(at(mid, up, 2), label,
         {.size = style.font_size, .align = Align::kCenter, .color = style.color}, angle);
}

Result<std::string> Document::Save() {
  Impl& d = *impl_;
  if (!d.ok()) return d.status;
  if (HPDF_SaveToStream(d.doc) != HPDF_OK || !d.ok()) {
    return d.ok() ? Internal("libharu: saving the PDF failed") : d.status;
  }
  HPDF_ResetStream(d.doc);
  std::string out;
  for (;;) {
    HPDF_BYTE buf[8192];
    HPDF_UINT32 n = sizeof(buf);
    const HPDF_STATUS st = HPDF_ReadFromStream(d.doc, buf, &n);
    out.append(reinterpret_cast<const char*>(buf), n);
    if (st == HPDF_STREAM_EOF || n == 0) break;
    if (st != HPDF_OK) return Internal("libharu: reading the PDF stream failed");
  }
  if (!d.ok()) return d.status;
  return out;
}

}  // namespace signx::pdf

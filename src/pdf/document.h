// signx::pdf — PDF rendering (libharu) for every module that prints: quotes (estimating),
// engineering reports with drawings (studio), operations paperwork. The only code in SignX that
// includes hpdf.h.
//
// A Document is a list of pages of one size (Letter or A4, portrait or landscape) with margins.
// Flowing content is placed at a cursor that moves down the page: Heading, Paragraph and Table
// wrap their text to the width they have and continue on a new page when the page is full; a
// table repeats its header row on every page it spans. Drawing is in absolute page coordinates:
// points (1/72 in), origin at the bottom-left corner of the page, y up, as in PDF itself, on the
// current (last) page. ReserveBox takes a box of a given height at the cursor, and Frame maps a
// caller's model coordinates (inches, feet, millimetres; y up) into such a box with one uniform
// scale, so a scaled elevation or section of a sign with its dimensions is a handful of calls:
//
//   pdf::Box box = doc.ReserveBox(300);
//   pdf::Frame f = pdf::Frame::Fit({0, 0, width_in, height_in}, box, 24);
//   doc.Rect(f(0, 0), f.Length(width_in), f.Length(height_in), {.width = 1.5});
//   doc.Dimension(f(0, 0), f(width_in, 0), -14, "8'-0\"");
//
// Fonts: the PDF base-14 Helvetica and Helvetica-Bold with WinAnsiEncoding, so no font file is
// embedded. All text is UTF-8 and goes through ToWinAnsi (pdf/encoding.h): Windows-1252
// characters print as themselves, common others are transliterated and the rest print as '?' —
// non-Latin text never fails or crashes, it degrades visibly.
//
// Errors: nothing here throws or aborts. Drawing and layout calls return nothing; the first
// failure — an error reported by libharu through the error handler this class installs, or an
// invalid argument such as a non-finite coordinate, a table wider than the page or going past
// DocumentOptions::max_pages — is kept, every later call is a no-op, and status() and Save()
// return it.
//
// Determinism: the bytes depend only on the options, the calls and the libharu version (it writes
// its name and version as /Producer). libharu writes no /ID (this module never encrypts) and no
// dates of its own; CreationDate is written only when DocumentOptions::creation_time is set, from
// that value. Same calls → byte-identical PDF, in one process or across runs.
//
// Thread-safety: a Document is used by one thread at a time (it is not synchronised); distinct
// Documents share nothing (libharu keeps all its state per document) and may be built on
// different threads at once. Frame and the value types are immutable values.
// Ownership: a Document owns its libharu document, pages and fonts, and frees them when it is
// destroyed; it is movable, not copyable (a moved-from Document may only be destroyed or assigned
// to). Save() returns an independent copy of the bytes and may be called more than once.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace signx::pdf {

enum class PageSize { kLetter, kA4 };  // 612 × 792 pt; 595.276 × 841.89 pt
enum class Orientation { kPortrait, kLandscape };
enum class Font { kRegular, kBold };  // Helvetica, Helvetica-Bold
enum class Align { kLeft, kCenter, kRight };

// A point on the page, in points, origin at the bottom-left corner, y up.
struct Point {
  double x = 0;
  double y = 0;
};

// An axis-aligned box: lower-left corner and size.
struct Box {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
};

// RGB, each channel 0-1.
struct Color {
  double r = 0;
  double g = 0;
  double b = 0;
};

struct Margins {
  double top = 54;  // points (0.75 in)
  double right = 54;
  double bottom = 54;
  double left = 54;
};

struct DocumentOptions {
  PageSize page_size = PageSize::kLetter;
  Orientation orientation = Orientation::kPortrait;
  Margins margins;
  // Document information dictionary; empty strings are left out.
  std::string title;
  std::string author;
  std::string subject;
  std::string creator = "SignX";
  // Written as /CreationDate (UTC) when set; nothing is written otherwise. Pass a stored time
  // (e.g. the record's created_at), never the clock, to keep renders byte-identical.
  std::optional<Timestamp> creation_time;
  // Adding page max_pages + 1 fails the document (kInvalidArgument): a bound on memory and output
  // size for content that comes from user data.
  int max_pages = 500;
  // Deflate page contents (smaller files; zlib output is deterministic). Off only to inspect the
  // raw content streams.
  bool compress = true;
};

struct TextStyle {
  Font font = Font::kRegular;
  double size = 10;  // points
  Align align = Align::kLeft;
  double leading = 0;  // baseline-to-baseline distance; 0 = 1.25 × size
  Color color;
};

// How lines are stroked. Dash lengths are on/off lengths in points, rounded to whole points
// (libharu's limit), at most 8 of them, each 1-1000; empty = a solid line.
struct Stroke {
  double width = 0.75;
  std::vector<double> dash;
  Color color;
};

// One table column. Widths in points; a width of 0 takes an equal share of the content width
// that the fixed widths leave (at least 1 pt, or the table fails).
struct Column {
  std::string header;
  double width = 0;
  Align align = Align::kLeft;
};

// One table row: a cell per column (fewer = the rest are empty; more = the table fails).
struct TableRow {
  std::vector<std::string> cells;
  Font font = Font::kRegular;
  bool rule_above = false;  // a thin line above the row (e.g. before a total)
};

struct TableStyle {
  double font_size = 10;
  double padding = 3;  // inside each cell: left/right, and above/below each row
  bool grid = false;   // a border around every cell
  // The header row (bold, with a rule under it) is drawn when any column has a header, on the
  // first page of the table and again at the top of every page it continues on.
  bool header_rule = true;
};

struct DimensionStyle {
  double font_size = 8;
  double line_width = 0.5;
  double arrow_length = 6;    // points; filled arrowheads at both ends
  double extension_gap = 2;   // between the measured point and its extension line
  double extension_past = 3;  // how far the extension line runs past the dimension line
  Color color;
};

// Maps model coordinates (any unit, y up) to page points: page = origin + scale × model.
class Frame {
 public:
  Frame() = default;  // identity: model units are points
  Frame(double scale, Point origin) : scale_(scale), origin_(origin) {}

  // The largest uniform scale that fits `model` into `page` shrunk by `inset` points on every
  // side, centred. A model of zero width or height is fitted by its other side; an empty model
  // gets scale 1 at the centre.
  static Frame Fit(Box model, Box page, double inset = 0);
  // A given scale in points per model unit, with `model` centred in `page`. E.g. 1/4 in = 1 ft
  // with the model in inches: 18 pt per 12 in = 1.5.
  static Frame AtScale(double scale, Box model, Box page);

  Point operator()(double x, double y) const {
    return {origin_.x + scale_ * x, origin_.y + scale_ * y};
  }
  Point operator()(Point model) const { return (*this)(model.x, model.y); }
  double Length(double model_length) const { return scale_ * model_length; }
  double scale() const { return scale_; }
  Point origin() const { return origin_; }

 private:
  double scale_ = 1;
  Point origin_;
};

class Document {
 public:
  // Starts a document with its first page. Fails (kInvalidArgument) for margins that leave less
  // than 72 pt of content width or height, or max_pages < 1; kInternal when libharu cannot start.
  static Result<Document> Create(DocumentOptions options = {});

  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  ~Document();

  // OK, or the first failure (see the header comment).
  const Status& status() const;
  int page_count() const;
  // The page inside the margins, and the page itself.
  Box content_box() const;
  Box page_box() const;
  // The top of the next flowing content, in page points (starts at page height − top margin).
  double cursor_y() const;

  // Flowing content, placed at the cursor (see the header comment).
  void NewPage();
  // Moves the cursor down; a new page when that passes the bottom margin (the rest is dropped).
  void Spacer(double points);
  // Level 1 (16 pt), 2 (13 pt), 3+ (11 pt) bold, with space above (not at the top of a page) and
  // below; moved to a new page when it would end up as the last line of one.
  void Heading(std::string_view text, int level = 1);
  // Wrapped to the content width at spaces ('\n' breaks a line; a word wider than the line is cut
  // wherever it must), aligned as `style` says, followed by half a line of space.
  void Paragraph(std::string_view text, const TextStyle& style = {});
  void Table(std::span<const Column> columns, std::span<const TableRow> rows,
             const TableStyle& style = {});
  // A box of the content width and `height` points at the cursor (on a new page when it does not
  // fit; clamped to the content height), and moves the cursor below it.
  Box ReserveBox(double height);

  // Drawing on the current page, in page points.
  void Line(Point a, Point b, const Stroke& stroke = {});
  void Rect(Point lower_left, double width, double height, const Stroke& stroke = {},
            std::optional<Color> fill = std::nullopt);
  // Connected segments through `points` (at least 2); `closed` adds the segment back to the start.
  void Polyline(std::span<const Point> points, const Stroke& stroke = {}, bool closed = false);
  void Circle(Point center, double radius, const Stroke& stroke = {},
              std::optional<Color> fill = std::nullopt);
  // One line of text ('\n' prints as a space) with its baseline through `at`, aligned at `at` per
  // style.align, rotated `angle_deg` counter-clockwise about `at`.
  void TextAt(Point at, std::string_view text, const TextStyle& style = {}, double angle_deg = 0);
  // A dimension between `a` and `b`: extension lines, a dimension line with arrowheads `offset`
  // points to the left of the direction a → b (negative = to the right), and `label` centred on
  // it, reading left to right or bottom to top.
  void Dimension(Point a, Point b, double offset, std::string_view label,
                 const DimensionStyle& style = {});

  // Width in points of `text` (UTF-8, one line) in `font` at `size`.
  double TextWidth(std::string_view text, Font font, double size) const;

  // The PDF (starts with "%PDF-"), or the document's failure.
  Result<std::string> Save();

 private:
  struct Impl;
  explicit Document(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace signx::pdf

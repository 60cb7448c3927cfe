#include "lake/spool.h"

#include <fmt/format.h>

#include <array>
#include <cstring>
#include <type_traits>
#include <variant>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace signx::lake::spool {
namespace {

constexpr uint32_t kCrcPoly = 0x82F63B78u;  // CRC-32C, reflected

std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCrcPoly : c >> 1;
    t[i] = c;
  }
  return t;
}

uint32_t Crc32cPortable(const unsigned char* p, size_t n) {
  static const std::array<uint32_t, 256> table = MakeTable();
  uint32_t c = ~0u;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(const unsigned char* p, size_t n) {
  uint64_t c = ~0u;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *p++);
    --n;
  }
  return ~c32;
}
#endif

template <typename T>
void Put(std::string* out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // little-endian hosts only (x86-64, aarch64)
  out->append(b, sizeof(T));
}

void PutStr(std::string* out, std::string_view s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

// Reserves the frame header, lets `fill` write the payload, then writes size and checksum.
template <typename F>
void Frame(std::string* out, F&& fill) {
  const size_t header = out->size();
  out->append(8, '\0');
  fill();
  const size_t size = out->size() - header - 8;
  const uint32_t crc = Crc32c(std::string_view(out->data() + header + 8, size));
  const uint32_t size32 = static_cast<uint32_t>(size);
  std::memcpy(out->data() + header, &size32, 4);
  std::memcpy(out->data() + header + 4, &crc, 4);
}

// Bounds-checked reader over one payload.
class In {
 public:
  explicit In(std::string_view s) : s_(s) {}
  bool ok() const { return ok_; }
  bool done() const { return pos_ == s_.size(); }
  size_t pos() const { return pos_; }
  template <typename T>
  T Get() {
    T v{};
    if (!Need(sizeof(T))) return v;
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view Str() {
    const uint32_t n = Get<uint32_t>();
    if (!Need(n)) return {};
    std::string_view v = s_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  bool Skip(size_t n) {
    if (!Need(n)) return false;
    pos_ += n;
    return true;
  }

 private:
  bool Need(size_t n) {
    if (ok_ && s_.size() - pos_ >= n) return true;
    ok_ = false;
    return false;
  }
  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// True if `cells` holds exactly one well-formed cell per column of `schema`.
bool CellsMatch(const DatasetSchema& schema, std::string_view cells) {
  In in(cells);
  for (const Column& c : schema.columns) {
    const uint8_t tag = in.Get<uint8_t>();
    if (!in.ok() || tag > 1) return false;
    if (tag == 0) continue;
    switch (c.type) {
      case ColumnType::kBool:
        in.Skip(1);
        break;
      case ColumnType::kInt64:
      case ColumnType::kDouble:
      case ColumnType::kTimestamp:
        in.Skip(8);
        break;
      case ColumnType::kString:
        in.Str();
        break;
    }
    if (!in.ok()) return false;
  }
  return in.done();
}

}  // namespace

uint32_t Crc32c(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
#if defined(__x86_64__)
  static const bool sse42 = __builtin_cpu_supports("sse4.2");
  if (sse42) return Crc32cSse42(p, data.size());
#endif
  return Crc32cPortable(p, data.size());
}

void AppendDatasetRecord(uint32_t dataset_id, const DatasetSchema& schema, std::string* out) {
  Frame(out, [&] {
    out->push_back('D');
    Put<uint32_t>(out, dataset_id);
    PutStr(out, schema.name);
    PutStr(out, schema.partition_by);
    Put<uint16_t>(out, static_cast<uint16_t>(schema.columns.size()));
    for (const Column& c : schema.columns) {
      PutStr(out, c.name);
      Put<uint8_t>(out, static_cast<uint8_t>(c.type));
    }
  });
}

void AppendRowRecord(uint32_t dataset_id, const Partition& partition, const Row& row,
                     std::string* out) {
  Frame(out, [&] {
    out->push_back('R');
    Put<uint32_t>(out, dataset_id);
    Put<uint16_t>(out, static_cast<uint16_t>(partition.year));
    Put<uint8_t>(out, static_cast<uint8_t>(partition.month));
    for (const Value& v : row) {
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              out->push_back('\0');
            } else {
              out->push_back('\1');
              if constexpr (std::is_same_v<T, bool>) {
                Put<uint8_t>(out, x ? 1 : 0);
              } else if constexpr (std::is_same_v<T, std::string>) {
                PutStr(out, x);
              } else if constexpr (std::is_same_v<T, Timestamp>) {
                Put<int64_t>(out, UnixMicros(x));
              } else {
                Put<T>(out, x);  // int64_t, double
              }
            }
          },
          v);
    }
  });
}

Result<Contents> Parse(std::string_view bytes) {
  Contents out;
  if (bytes.size() < kMagic.size()) {
    if (kMagic.substr(0, bytes.size()) != bytes) return InvalidArgument("not a lake spool file");
    out.valid_bytes = 0;
    out.skipped_bytes = bytes.size();
    if (!bytes.empty()) out.skipped_reason = "file cut inside its header";
    return out;
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) return InvalidArgument("not a lake spool file");
  size_t pos = kMagic.size();
  auto stop = [&](std::string reason) {
    out.skipped_bytes = bytes.size() - pos;
    out.skipped_reason = fmt::format("{} at byte {}", reason, pos);
  };
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 8) {
      stop("incomplete record header");
      break;
    }
    uint32_t size, crc;
    std::memcpy(&size, bytes.data() + pos, 4);
    std::memcpy(&crc, bytes.data() + pos + 4, 4);
    if (size == 0 || size > kMaxRecordBytes) {
      stop(fmt::format("impossible record size {}", size));
      break;
    }
    if (bytes.size() - pos - 8 < size) {
      stop("incomplete record");
      break;
    }
    const std::string_view payload = bytes.substr(pos + 8, size);
    if (Crc32c(payload) != crc) {
      stop("checksum mismatch");
      break;
    }
    In in(payload);
    const char kind = static_cast<char>(in.Get<uint8_t>());
    bool good = false;
    if (kind == 'D') {
      const uint32_t id = in.Get<uint32_t>();
      DatasetSchema schema;
      schema.name = std::string(in.Str());
      schema.partition_by = std::string(in.Str());
      const uint16_t ncols = in.Get<uint16_t>();
      bool types_known = true;
      for (uint16_t i = 0; in.ok() && i < ncols; ++i) {
        Column c;
        c.name = std::string(in.Str());
        const uint8_t type = in.Get<uint8_t>();
        c.type = static_cast<ColumnType>(type);
        if (type > static_cast<uint8_t>(ColumnType::kTimestamp)) types_known = false;
        schema.columns.push_back(std::move(c));
      }
      good = types_known && in.ok() && in.done() && ValidateSchema(schema).ok();
      if (good) out.datasets[id] = std::move(schema);
    } else if (kind == 'R') {
      RowRef r;
      r.dataset_id = in.Get<uint32_t>();
      r.partition.year = in.Get<uint16_t>();
      r.partition.month = in.Get<uint8_t>();
      auto ds = out.datasets.find(r.dataset_id);
      if (in.ok() && ds != out.datasets.end() && r.partition.month >= 1 &&
          r.partition.month <= 12) {
        r.cells = payload.substr(in.pos());
        good = CellsMatch(ds->second, r.cells);
        if (good) out.rows.push_back(r);
      }
    }
    if (!good) {
      stop(fmt::format("malformed '{}' record", kind));
      break;
    }
    pos += 8 + size;
  }
  out.valid_bytes = pos;
  return out;
}

int64_t CellReader::Int64() {
  int64_t v;
  std::memcpy(&v, p_, 8);
  p_ += 8;
  return v;
}

double CellReader::Double() {
  double v;
  std::memcpy(&v, p_, 8);
  p_ += 8;
  return v;
}

std::string_view CellReader::String() {
  uint32_t n;
  std::memcpy(&n, p_, 4);
  p_ += 4;
  std::string_view v(p_, n);
  p_ += n;
  return v;
}

Row DecodeRow(const DatasetSchema& schema, std::string_view cells) {
  Row row;
  CellReader r(cells);
  for (const Column& c : schema.columns) {
    if (!r.Present()) {
      row.emplace_back(std::monostate{});
      continue;
    }
    switch (c.type) {
      case ColumnType::kBool:
        row.emplace_back(r.Bool());
        break;
      case ColumnType::kInt64:
        row.emplace_back(r.Int64());
        break;
      case ColumnType::kDouble:
        row.emplace_back(r.Double());
        break;
      case ColumnType::kTimestamp:
        row.emplace_back(Timestamp(std::chrono::microseconds(r.Int64())));
        break;
      case ColumnType::kString:
        row.emplace_back(std::string(r.String()));
        break;
    }
  }
  return row;
}

}  // namespace signx::lake::spool

// The code editions of the engineering calculations as data (pure, no I/O): ASCE 7-16 and 7-22
// wind (Chapter 26 velocity pressure, Table 26.10-1 Kz, Chapter 29 Fig. 29.3-1 Cf for solid
// freestanding signs), IBC 2018/2021 (Table 1806.2, §1807.3) and AISC 360-16. Every table is
// transcribed from sign-domain.md §2.2–2.3 (each cell cross-checked there against independent
// transcriptions and, for Cf, the commentary's surface fit); every answer carries
// kConstantsVersion, which changes whenever a table, a constant or a formula here changes, so a
// cached answer can never outlive the data it was computed with.
//
// Thread-safety: immutable data and pure functions.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sign/spec.h"

namespace signx::sign {

// Bump on every change to a table, constant or formula of the engineering calculations.
inline constexpr std::string_view kConstantsVersion =
    "signx-eng-2026.12.1 (ASCE 7-16, ASCE 7-22, IBC 2018/2021, AISC 360-16)";

enum class WindCode { kAsce716, kAsce722 };

// "ASCE7-16" / "ASCE7-22" (the API's names) and the printed names "ASCE 7-16" / "ASCE 7-22".
std::string_view ApiName(WindCode code);
std::string_view PrintedName(WindCode code);
std::optional<WindCode> ParseWindCode(std::string_view api_name);
std::optional<Exposure> ParseExposure(std::string_view letter);  // "B", "C", "D"
std::string_view Letter(Exposure exposure);                      // "B", "C", "D"

// IBC edition whose §1806/§1807.3 the foundation calculations follow (the equations, Table
// 1806.2 and the §1806.3.4 pole increase are the same in both).
inline constexpr std::string_view kIbcEditions = "IBC 2018/2021";
inline constexpr std::string_view kAiscEdition = "AISC 360-16";

// Terrain exposure constants of Table 26.11-1 and the Kz power law of Table 26.10-1 note 1.
struct KzFormulaConstants {
  double coefficient = 0;  // 2.01 (7-16), 2.41 (7-22)
  double alpha = 0;
  double zg_ft = 0;
  double z_min_ft = 0;  // below it Kz is taken at z_min
};
KzFormulaConstants KzConstants(WindCode code, Exposure exposure);

// One row of Table 26.10-1: z and Kz for B, C, D.
struct KzRow {
  double z_ft, b, c, d;
};
// The printed table rows of `code` (7-16: Table 26.10-1; 7-22: the "user-verified" ledger cells
// of sign-domain.md §2.2, with Exposure B held at 0.70 below z_min = 30 ft), 15 ft to 500 ft.
std::span<const KzRow> KzTable(WindCode code);

// Kz at z_ft from the table of `code`, linearly interpolated (Table 26.10-1 note), the first row
// below its height (15 ft minimum; 30 ft for 7-22 Exposure B). nullopt above 500 ft.
std::optional<double> KzFromTable(WindCode code, Exposure exposure, double z_ft);
// Kz by the formula of the table's note: coefficient (z/zg)^(2/alpha), z clamped to
// [z_min, zg].
double KzFromFormula(WindCode code, Exposure exposure, double z_ft);

// ASCE 7-16/7-22 Fig. 29.3-1, Cases A and B: rows s/h (1, 0.9, 0.7, 0.5, 0.3, 0.2, <=0.16),
// columns B/s (<=0.05, 0.1, 0.2, 0.5, 1, 2, 4, 5, 10, 20, 30, >=45).
inline constexpr int kCfRows = 7;
inline constexpr int kCfCols = 12;
std::span<const double> CfClearanceRatios();  // s/h, descending (kCfRows)
std::span<const double> CfAspectRatios();     // B/s, ascending (kCfCols)
double CfCell(int row, int col);

// Cf of Cases A/B by bilinear interpolation (linear in B/s and in s/h, as the figure permits),
// clamped to the end rows/columns ("<=" and ">=" at the ends).
double CfCaseAB(double aspect_b_over_s, double clearance_s_over_h);

// The ASCE 7 commentary's surface fit the table rounds (to the nearest 0.05): a self-check.
double CfSurfaceFit(double aspect_b_over_s, double clearance_s_over_h);

// Case C (required when B/s >= 2): the regions across the width measured from the windward edge,
// each with its Cf, before the s/h > 0.8 reduction (1.8 - s/h). Interpolated linearly in B/s
// between the figure's columns (2..10, 13, >=45); a region one column lacks takes the other's
// value; for 10 < B/s < 13 the B/s = 10 column's "3s to 10s" value stands for 3s-4s, 4s-5s and
// 5s-10s (the two column sets differ there; the figure gives no rule). Regions are clipped at B.
struct CaseCRegion {
  double from_ft = 0;  // from the windward edge
  double to_ft = 0;
  double cf = 0;
};
std::vector<CaseCRegion> CaseCRegions(double b_ft, double s_ft);
// 1.8 - s/h when s/h > 0.8, else 1 (Fig. 29.3-1 note 3).
double CaseCClearanceFactor(double clearance_s_over_h);

}  // namespace signx::sign

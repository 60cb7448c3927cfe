// Simplified engineering for the synthetic cost history: sign/engineering.h (sign-domain.md §2)
// with the generator's design assumptions. A calibration aid for synthetic quantities (steel,
// concrete), not studio's calculation.
//
// Internal to the estimating module. Thread-safety: a pure function.
#pragma once

#include "sign/spec.h"

namespace signx::estimating::internal {

struct Structure {
  int poles = 0;
  double pole_weight_lb = 0;  // all poles
  double pier_depth_ft = 0;
  double concrete_cy = 0;
};

// Pole and pier for a pole sign: qh at the top of the sign (ASCE 7-16 Eq. 26.10-1, Kz by formula,
// Kzt = Ke = 1, Kd = 0.85), F = qh G Cf As (Eq. 29.3-1, G = 0.85) shared by the poles, ASD
// 0.6 F (§2.4; applied to qh, F being linear in it) at arm h - s/2; one pole per share of F; pier
// depth by IBC 1807.3.2.1 Eq. 18-1 solved by fixed-point iteration (§2.8).
Structure PoleAndPier(double v, double top_ft, double face_w_ft, double face_h_ft, double area_sqft,
                      sign::Exposure e, int soil_class);

}  // namespace signx::estimating::internal

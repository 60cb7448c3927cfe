// The authorization matrix's routes of engineering (src/engineering).
// Adding a route? Add "METHOD pattern" here (see Case in authz_matrix_test.h).
#include <string>

#include "app/authz_matrix_test.h"

namespace signx::app::authz_matrix {

CaseMap EngineeringCases() {
  return {
      // engineering (pure calculations, not tenant data)
      {"POST /v1/engineering/sign-wind",
       {.path = "/v1/engineering/sign-wind",
        .scope = Scope::kGlobal,
        .body =
            R"({"code":"ASCE7-16","wind_speed_mph":115,"exposure":"C","sign_width_ft":8,)"
            R"("sign_height_ft":6,"top_height_ft":20,"soil_class":4,"footing_diameter_ft":2})"}},
      {"POST /v1/engineering/support",
       {.path = "/v1/engineering/support",
        .scope = Scope::kGlobal,
        .body = R"({"wind_force_lb":1902.1,"load_height_ft":17,"pole_height_ft":20})"}},
      {"POST /v1/engineering/foundation",
       {.path = "/v1/engineering/foundation",
        .scope = Scope::kGlobal,
        .body = R"({"lateral_force_asd_lb":1141.3,"load_height_ft":17,"soil_class":4,)"
                R"("footing_diameter_ft":2})"}},
  };
}

}  // namespace signx::app::authz_matrix

// The Studio pages of the web UI (registered by StudioModule::AddPages):
//
//   GET  /studio                                  the project board: a column per status, each
//                                                 card with its moves as buttons; a move a guard
//                                                 would refuse is shown disabled with the guard;
//                                                 ?q= searches the org's projects (name, customer,
//                                                 site, notes, payload text) above the board
//                                                                                 (projects:read)
//   POST /studio/projects/{id}/move               a move (to, version); 409 shows the guard, 412
//                                                 "changed by someone else — reload"
//                                                 (projects:write)
//   GET  /studio/projects/{id}                    the project: status and moves, one editor per
//                                                 payload module (fields from its schema, errors
//                                                 beside them), the structure calculation with its
//                                                 trace, the elevation as SVG, the timeline
//                                                                                 (projects:read)
//   POST /studio/projects/{id}/report             generate the report of the current payloads
//                                                                                  (projects:write)
//   GET  /studio/projects/{id}/reports/{report}   the report PDF (…/prp_….pdf)     (projects:read)
//   POST /studio/projects/{id}/payloads/{module}  save a payload version (version of the form's
//                                                 payload as If-Match)             (projects:write)
//
// Pages call StudioService, never SQL. Thread-safety: handlers are thread-safe; the service must
// outlive the router.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "studio/project_search.h"
#include "studio/service.h"
#include "web/embedded.h"
#include "web/shell.h"

namespace signx::studio {

// src/studio/templates/*.mustache, compiled in.
const std::vector<web::EmbeddedFile>& EmbeddedTemplates();

void AddStudioPages(web::Shell& shell, StudioService& studio, ProjectSearch& search);

// The editor fields of a module's schema (nested objects flattened to "pole.diameter_in"), with
// values from `config` (or the submitted `form` values when given) and `errors` by field name.
web::View PayloadEditorView(std::string_view module, const boost::json::object& config,
                            const std::map<std::string, std::string>& form,
                            const std::map<std::string, std::string>& errors);

// The config JSON a module's editor form describes: numbers, integers, booleans (checkbox) and
// lists (comma-separated) typed by the schema; empty fields are left out. A value that is not
// of its type is an error by field name.
boost::json::object ConfigFromForm(std::string_view module,
                                   const std::map<std::string, std::string>& form,
                                   std::map<std::string, std::string>& errors);

// The sign elevation and its foundation drawn to scale (SVG geometry and dimension labels) from a
// structure config: {width, height, ground_y, sign: {x, y, w, h}, pole: {...}, pier: {...},
// dims: [{x1, y1, x2, y2, text_x, text_y, text}]}; empty when the config lacks the dimensions.
web::View ElevationView(const boost::json::object& structure_config);

}  // namespace signx::studio

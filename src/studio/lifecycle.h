// The project lifecycle (issue 16 item 1, docs/studio.md): a guarded state machine whose
// transition table is data — one row per allowed move (from, to, permission, guards). Everything
// here is pure: the service gathers the facts the guards look at (GuardFacts) inside the
// transaction that makes the move and asks CheckTransition.
//
//   draft → design → engineering → estimating → quoted → approved → in_production → installed
//   → closed; back one step from design, engineering, estimating and quoted (rework); on_hold
//   from any active status and back to exactly the status it was put on hold from; cancelled from
//   any active status or on_hold. closed and cancelled are final.
//
// Thread-safety: pure functions over constants.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace signx::studio {

enum class Guard {
  // Leaving engineering forward: a passing structure calculation for the current structure
  // payload (its sha256).
  kStructureCheckPassed,
  // quoted: a quote made from the current payloads (their combined sha256).
  kQuoteCurrent,
  // in_production: the project was approved (an approved row in its timeline).
  kApprovalRecorded,
  // closed: the actual cost is recorded (a cost record of the project with an actual total).
  kActualCostRecorded,
  // Resume from on_hold: only to the status it was put on hold from.
  kResumesToHeldStatus,
};

// "structure_check_passed", "quote_current", "approval_recorded", "actual_cost_recorded",
// "resumes_to_held_status": the names a refused move (409) names.
std::string_view GuardName(Guard guard);
// What the guard asks for, as a sentence for people.
std::string_view GuardRule(Guard guard);

struct TransitionRule {
  std::string_view from;
  std::string_view to;
  std::string_view permission;  // besides projects:write on the route
  std::vector<Guard> guards;
};

// Every allowed move, in lifecycle order. Built once.
std::span<const TransitionRule> Transitions();
// The row for from → to, or nullptr when there is none.
const TransitionRule* FindTransition(std::string_view from, std::string_view to);
// The statuses reachable from `from` (rows whose from is `from`), in table order.
std::vector<std::string_view> NextStatuses(std::string_view from);

// draft … installed: the statuses a project can be put on hold from or cancelled from.
bool IsActive(std::string_view status);
// closed and cancelled.
bool IsFinal(std::string_view status);

// What the guards look at, gathered by the service in the transaction of the move.
struct GuardFacts {
  bool structure_check_passed = false;
  std::string structure_check_detail;  // why not, for the 409 message
  bool quote_current = false;
  bool approval_recorded = false;
  bool actual_cost_recorded = false;
  std::optional<std::string> held_from;  // projects.held_from
};

struct Refusal {
  std::string reason;   // a guard name, or "no_transition"
  std::string message;  // for people
};

// nullopt when from → to is allowed with these facts; else the first failing guard (table
// order) or "no_transition".
std::optional<Refusal> CheckTransition(std::string_view from, std::string_view to,
                                       const GuardFacts& facts);

}  // namespace signx::studio

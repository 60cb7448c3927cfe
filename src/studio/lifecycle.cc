#include "studio/lifecycle.h"

#include <fmt/format.h>

#include <algorithm>

#include "project/status.h"

namespace signx::studio {
namespace {

constexpr std::string_view kWrite = "projects:write";
constexpr std::string_view kQuotes = "quotes:write";
constexpr std::string_view kActive[] = {"draft",  "design",   "engineering",   "estimating",
                                        "quoted", "approved", "in_production", "installed"};

std::vector<TransitionRule> BuildTable() {
  // The forward path and rework steps, written out.
  std::vector<TransitionRule> t = {
      {"draft", "design", kWrite, {}},
      {"design", "engineering", kWrite, {}},
      {"engineering", "estimating", kWrite, {Guard::kStructureCheckPassed}},
      {"estimating", "quoted", kQuotes, {Guard::kQuoteCurrent}},
      {"quoted", "approved", kQuotes, {}},
      {"approved", "in_production", kWrite, {Guard::kApprovalRecorded}},
      {"in_production", "installed", kWrite, {}},
      {"installed", "closed", kWrite, {Guard::kActualCostRecorded}},
      {"design", "draft", kWrite, {}},
      {"engineering", "design", kWrite, {}},
      {"estimating", "engineering", kWrite, {}},
      {"quoted", "estimating", kQuotes, {}},
  };
  // Hold, resume and cancel: the same rows for every active status.
  for (std::string_view s : kActive) t.push_back({s, "on_hold", kWrite, {}});
  for (std::string_view s : kActive) {
    t.push_back({"on_hold", s, kWrite, {Guard::kResumesToHeldStatus}});
  }
  for (std::string_view s : kActive) t.push_back({s, "cancelled", kWrite, {}});
  t.push_back({"on_hold", "cancelled", kWrite, {}});
  return t;
}

const std::vector<TransitionRule>& Table() {
  static const std::vector<TransitionRule> table = BuildTable();
  return table;
}

}  // namespace

std::string_view GuardName(Guard guard) {
  switch (guard) {
    case Guard::kStructureCheckPassed:
      return "structure_check_passed";
    case Guard::kQuoteCurrent:
      return "quote_current";
    case Guard::kApprovalRecorded:
      return "approval_recorded";
    case Guard::kActualCostRecorded:
      return "actual_cost_recorded";
    case Guard::kResumesToHeldStatus:
      return "resumes_to_held_status";
  }
  return "unknown";
}

std::string_view GuardRule(Guard guard) {
  switch (guard) {
    case Guard::kStructureCheckPassed:
      return "leaving engineering needs a passing structure calculation for the current "
             "structure payload";
    case Guard::kQuoteCurrent:
      return "quoted needs a quote made from the current payloads";
    case Guard::kApprovalRecorded:
      return "in_production needs the project to have been approved";
    case Guard::kActualCostRecorded:
      return "closed needs the actual cost recorded (a cost record with an actual total)";
    case Guard::kResumesToHeldStatus:
      return "a project on hold resumes to the status it was put on hold from";
  }
  return "";
}

std::span<const TransitionRule> Transitions() { return Table(); }

const TransitionRule* FindTransition(std::string_view from, std::string_view to) {
  for (const TransitionRule& t : Table()) {
    if (t.from == from && t.to == to) return &t;
  }
  return nullptr;
}

std::vector<std::string_view> NextStatuses(std::string_view from) {
  std::vector<std::string_view> out;
  for (const TransitionRule& t : Table()) {
    if (t.from == from) out.push_back(t.to);
  }
  return out;
}

bool IsActive(std::string_view status) {
  return std::find(std::begin(kActive), std::end(kActive), status) != std::end(kActive);
}

bool IsFinal(std::string_view status) { return status == "closed" || status == "cancelled"; }

std::optional<Refusal> CheckTransition(std::string_view from, std::string_view to,
                                       const GuardFacts& facts) {
  const TransitionRule* t = FindTransition(from, to);
  if (t == nullptr) {
    std::string next;
    for (std::string_view s : NextStatuses(from)) {
      if (!next.empty()) next += ", ";
      next += s;
    }
    return Refusal{"no_transition",
                   project::IsStatus(to)
                       ? fmt::format("a project cannot move from {} to {} (from {}: {})", from, to,
                                     from, next.empty() ? "nothing, it is final" : next)
                       : fmt::format("{} is not a status", to)};
  }
  for (Guard g : t->guards) {
    bool ok = false;
    std::string detail;
    switch (g) {
      case Guard::kStructureCheckPassed:
        ok = facts.structure_check_passed;
        detail = facts.structure_check_detail;
        break;
      case Guard::kQuoteCurrent:
        ok = facts.quote_current;
        break;
      case Guard::kApprovalRecorded:
        ok = facts.approval_recorded;
        break;
      case Guard::kActualCostRecorded:
        ok = facts.actual_cost_recorded;
        break;
      case Guard::kResumesToHeldStatus:
        ok = facts.held_from && *facts.held_from == to;
        if (!ok) {
          detail = facts.held_from ? fmt::format("it was put on hold from {}", *facts.held_from)
                                   : "it has no recorded status to resume to";
        }
        break;
    }
    if (!ok) {
      std::string message = fmt::format("guard {} failed: {}", GuardName(g), GuardRule(g));
      if (!detail.empty()) message += " (" + detail + ")";
      return Refusal{std::string(GuardName(g)), std::move(message)};
    }
  }
  return std::nullopt;
}

}  // namespace signx::studio

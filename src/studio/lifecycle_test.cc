// The transition table: every (from, to) pair of statuses, allowed and refused, with the reason.
#include "studio/lifecycle.h"

#include <gtest/gtest.h>

#include <set>

#include "project/status.h"

namespace signx::studio {
namespace {

GuardFacts AllTrue(std::optional<std::string> held_from = std::nullopt) {
  return GuardFacts{.structure_check_passed = true,
                    .quote_current = true,
                    .approval_recorded = true,
                    .actual_cost_recorded = true,
                    .held_from = std::move(held_from)};
}

// The expected table, written independently of BuildTable: forward, rework, hold, resume, cancel.
bool Expected(std::string_view from, std::string_view to) {
  static const std::set<std::pair<std::string_view, std::string_view>> kPath = {
      {"draft", "design"},
      {"design", "engineering"},
      {"engineering", "estimating"},
      {"estimating", "quoted"},
      {"quoted", "approved"},
      {"approved", "in_production"},
      {"in_production", "installed"},
      {"installed", "closed"},
      {"design", "draft"},
      {"engineering", "design"},
      {"estimating", "engineering"},
      {"quoted", "estimating"}};
  if (kPath.contains({from, to})) return true;
  const bool active_from = IsActive(from), active_to = IsActive(to);
  if (active_from && to == "on_hold") return true;
  if (from == "on_hold" && active_to) return true;  // guarded by resumes_to_held_status
  if ((active_from || from == "on_hold") && to == "cancelled") return true;
  return false;
}

TEST(LifecycleTest, EveryPairAllowedOrRefusedWithTheReason) {
  int allowed = 0, refused = 0;
  for (std::string_view from : project::Statuses()) {
    for (std::string_view to : project::Statuses()) {
      const bool expected = Expected(from, to);
      EXPECT_EQ(FindTransition(from, to) != nullptr, expected) << from << " -> " << to;
      // With every fact true (and held_from = to for a resume), the table decides.
      auto r = CheckTransition(from, to, AllTrue(std::string(to)));
      if (expected) {
        EXPECT_FALSE(r.has_value()) << from << " -> " << to << ": " << r->message;
        ++allowed;
      } else {
        ASSERT_TRUE(r.has_value()) << from << " -> " << to;
        EXPECT_EQ(r->reason, "no_transition") << from << " -> " << to;
        EXPECT_NE(r->message.find(std::string(from)), std::string::npos) << r->message;
        ++refused;
      }
    }
  }
  EXPECT_EQ(allowed, 12 + 8 + 8 + 9);
  EXPECT_EQ(allowed + refused, 121);
}

TEST(LifecycleTest, EachGuardRefusesItsMoveAndNamesItself) {
  struct Case {
    std::string_view from, to, guard;
    bool GuardFacts::*fact;
  };
  const Case cases[] = {
      {"engineering", "estimating", "structure_check_passed", &GuardFacts::structure_check_passed},
      {"estimating", "quoted", "quote_current", &GuardFacts::quote_current},
      {"approved", "in_production", "approval_recorded", &GuardFacts::approval_recorded},
      {"installed", "closed", "actual_cost_recorded", &GuardFacts::actual_cost_recorded},
  };
  for (const Case& c : cases) {
    GuardFacts f = AllTrue();
    EXPECT_FALSE(CheckTransition(c.from, c.to, f).has_value()) << c.guard;
    f.*(c.fact) = false;
    auto r = CheckTransition(c.from, c.to, f);
    ASSERT_TRUE(r.has_value()) << c.guard;
    EXPECT_EQ(r->reason, c.guard);
    EXPECT_NE(r->message.find(std::string(c.guard)), std::string::npos) << r->message;
  }
  // Going back out of engineering needs no calculation.
  EXPECT_FALSE(CheckTransition("engineering", "design", GuardFacts{}).has_value());
}

TEST(LifecycleTest, HoldResumesOnlyWhereItWas) {
  for (std::string_view s : project::Statuses()) {
    if (!IsActive(s)) continue;
    EXPECT_FALSE(CheckTransition(s, "on_hold", GuardFacts{}).has_value()) << s;
    for (std::string_view back : project::Statuses()) {
      if (!IsActive(back)) continue;
      auto r = CheckTransition("on_hold", back, GuardFacts{.held_from = std::string(s)});
      if (back == s) {
        EXPECT_FALSE(r.has_value()) << s << " -> " << back;
      } else {
        ASSERT_TRUE(r.has_value()) << s << " -> " << back;
        EXPECT_EQ(r->reason, "resumes_to_held_status");
      }
    }
  }
  auto r = CheckTransition("on_hold", "design", GuardFacts{});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->reason, "resumes_to_held_status");
  EXPECT_FALSE(CheckTransition("on_hold", "cancelled", GuardFacts{}).has_value());
}

TEST(LifecycleTest, FinalStatusesGoNowhereAndPermissionsAreKnown) {
  EXPECT_TRUE(NextStatuses("closed").empty());
  EXPECT_TRUE(NextStatuses("cancelled").empty());
  EXPECT_TRUE(IsFinal("closed"));
  EXPECT_FALSE(IsActive("on_hold"));
  for (const TransitionRule& t : Transitions()) {
    EXPECT_TRUE(project::IsStatus(t.from)) << t.from;
    EXPECT_TRUE(project::IsStatus(t.to)) << t.to;
    EXPECT_TRUE(t.permission == "projects:write" || t.permission == "quotes:write") << t.permission;
  }
  EXPECT_EQ(FindTransition("estimating", "quoted")->permission, "quotes:write");
  EXPECT_EQ(FindTransition("quoted", "approved")->permission, "quotes:write");
  auto r = CheckTransition("draft", "bogus", GuardFacts{});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->reason, "no_transition");
}

}  // namespace
}  // namespace signx::studio

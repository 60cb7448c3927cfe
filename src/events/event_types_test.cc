#include "events/event_types.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

namespace signx::events {
namespace {

TEST(EventTypesTest, NamesAreUniqueValidAndSchemasParse) {
  std::set<std::string_view> names;
  for (const EventType& t : EventTypes()) {
    EXPECT_TRUE(names.insert(t.name).second) << "twice: " << t.name;
    EXPECT_EQ(t.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_."),
              std::string_view::npos)
        << t.name;
    EXPECT_NE(t.name.find('.'), std::string_view::npos) << t.name;
    EXPECT_FALSE(t.module.empty()) << t.name;
    EXPECT_FALSE(t.summary.empty()) << t.name;
    boost::system::error_code ec;
    auto schema = boost::json::parse(t.payload_schema, ec);
    ASSERT_FALSE(ec) << t.name << ": " << t.payload_schema;
    EXPECT_TRUE(schema.is_object()) << t.name;
  }
  EXPECT_GE(names.size(), 10u);
}

TEST(EventTypesTest, FindsByNameAndConstantsMatchTheTable) {
  ASSERT_NE(FindEventType(kProjectCreated), nullptr);
  EXPECT_EQ(FindEventType(kProjectCreated)->name, "project.created");
  EXPECT_EQ(FindEventType("project.exploded"), nullptr);
  for (std::string_view c : {kProjectCreated, kProjectUpdated, kCostRecordCreated,
                             kImportCompleted, kQuoteCreated, kOrderImported, kEstimateCreated,
                             kModelDriftDetected, kModelRetrained, kModelPromoted, kWebhookTest}) {
    EXPECT_NE(FindEventType(c), nullptr) << c;
  }
}

}  // namespace
}  // namespace signx::events

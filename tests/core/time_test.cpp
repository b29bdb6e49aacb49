#include "core/time.hpp"

#include <gtest/gtest.h>

namespace atomd {
namespace {

TEST(Time, ParsesRfc3339Variants) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("2025-01-22T18:24:32.000Z"), 1737570272000);
  EXPECT_EQ(parse_rfc3339("2025-01-22T18:24:32.5Z"), 1737570272500);
  EXPECT_EQ(parse_rfc3339("2025-01-22T20:24:32+02:00"), 1737570272000);
  EXPECT_FALSE(parse_rfc3339("2025-01-22 nonsense"));
  EXPECT_FALSE(parse_rfc3339("2025-02-30T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2025-01-22T18:24:32"));
}

TEST(Time, ParsesHttpDate) {
  EXPECT_EQ(parse_http_date("Wed, 22 Jan 2025 18:24:32 GMT"), 1737570272000);
  EXPECT_FALSE(parse_http_date("Wed, 22 Foo 2025 18:24:32 GMT"));
}

TEST(Time, DaysAndMonths) {
  auto d = *parse_date("2025-03-01");
  EXPECT_EQ(format_date(d), "2025-03-01");
  EXPECT_EQ(format_date(d - 1), "2025-02-28");
  EXPECT_EQ(format_month(month_of_day(d - 1)), "2025-02");
  EXPECT_EQ(month_first_day(month_of_day(d - 1)), *parse_date("2025-02-01"));
  EXPECT_EQ(parse_month("2025-02"), month_of_day(d - 1));
  EXPECT_EQ(day_of(-1), -1);
  EXPECT_EQ(format_rfc3339(1737570272000), "2025-01-22T18:24:32Z");
  EXPECT_EQ(format_rfc3339(1737570272500), "2025-01-22T18:24:32.500Z");
}

TEST(Time, Durations) {
  EXPECT_EQ(parse_duration("90s"), 90'000);
  EXPECT_EQ(parse_duration("5m"), 300'000);
  EXPECT_EQ(parse_duration("1h"), 3'600'000);
  EXPECT_EQ(parse_duration("3d"), 3 * kMsPerDay);
  EXPECT_FALSE(parse_duration("3 days"));
  EXPECT_FALSE(parse_duration("d"));
}

}  // namespace
}  // namespace atomd

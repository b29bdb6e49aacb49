#include "operators/watermark.hpp"

#include <gtest/gtest.h>

#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::day;

const TimeMs kBase = at("2025-03-10T00:00:00Z");
TimeMs t(int days) { return kBase + days * kMsPerDay; }

TEST(Watermark, NothingBeforeTheFirstRecord) {
  Watermark w(3 * kMsPerDay);
  EXPECT_EQ(w.stream_time(), kNoTime);
  EXPECT_EQ(w.watermark(), kNoTime);
  EXPECT_FALSE(w.day_closed(day("1970-01-01")));
}

TEST(Watermark, SlowestActivePartitionMinusLateness) {
  Watermark w(3 * kMsPerDay);
  w.observe("atom.hf.models.v1/0", t(4));
  EXPECT_EQ(w.stream_time(), t(4));
  EXPECT_EQ(w.watermark(), t(1));
  w.observe("atom.hf.models.v1/1", t(4));
  w.observe("atom.hf.models.v1/2", t(4));
  EXPECT_EQ(w.watermark(), t(1));

  // S = 6; all three are within 3 days of S, the slowest (p2 at 4) holds W at 1.
  w.observe("atom.hf.models.v1/0", t(6));
  w.observe("atom.hf.models.v1/1", t(5));
  EXPECT_EQ(w.stream_time(), t(6));
  EXPECT_EQ(w.watermark(), t(1));

  // S = 8: p2 (4 < 8 - 3) is idle and no longer holds W back; slowest active is p1 at 5.
  w.observe("atom.hf.models.v1/0", t(8));
  EXPECT_EQ(w.watermark(), t(2));
  w.observe("atom.hf.models.v1/1", t(9));
  EXPECT_EQ(w.stream_time(), t(9));
  EXPECT_EQ(w.watermark(), t(5));  // min(8, 9) - 3

  // p2 comes back at 7 (active again: 7 >= 9 - 3): min is 7 - 3 = 4, but W never goes back.
  w.observe("atom.hf.models.v1/2", t(7));
  EXPECT_EQ(w.watermark(), t(5));
  EXPECT_EQ(w.stream_time(), t(9));

  // A partition's own time never goes back either: an old record on p0 keeps s_p0 = 8.
  w.observe("atom.hf.models.v1/0", t(1));
  w.observe("atom.hf.models.v1/2", t(12));  // S = 12, active >= 9: p1 (9), p2 (12); p0 (8) idle
  EXPECT_EQ(w.watermark(), t(6));
  w.observe("atom.hf.models.v1/1", t(12));
  EXPECT_EQ(w.watermark(), t(9));
}

TEST(Watermark, DayClosedWhenItsEndIsAtOrBeforeW) {
  Watermark w(3 * kMsPerDay);
  w.observe("p/0", at("2025-03-18T00:00:00Z"));  // W = 2025-03-15T00:00Z
  EXPECT_EQ(w.watermark(), at("2025-03-15T00:00:00Z"));
  EXPECT_TRUE(w.day_closed(day("2025-03-14")));
  EXPECT_FALSE(w.day_closed(day("2025-03-15")));
  w.observe("p/0", at("2025-03-18T00:00:00.001Z"));
  EXPECT_FALSE(w.day_closed(day("2025-03-15")));
}

TEST(Watermark, RestoredWatermarkNeverGoesBack) {
  Watermark w(3 * kMsPerDay);
  w.restore(t(5));
  EXPECT_EQ(w.watermark(), t(5));
  EXPECT_EQ(w.stream_time(), kNoTime);
  EXPECT_TRUE(w.day_closed(day("2025-03-14")));
  w.observe("p/0", t(6));  // candidate 3 < 5
  EXPECT_EQ(w.watermark(), t(5));
  EXPECT_EQ(w.stream_time(), t(6));
  w.restore(t(1));  // an older checkpoint cannot lower it
  EXPECT_EQ(w.watermark(), t(5));
  w.observe("p/0", t(10));
  EXPECT_EQ(w.watermark(), t(7));
}

// Stage 2 starting here: an expected partition holds W until it delivers or stays silent for
// the busy time; advance() lets W move on processing time alone.
TEST(Watermark, ExpectedPartitionHoldsWUntilItDeliversOrStaysSilent) {
  const TimeMs busy = 60'000;
  Watermark w(kMsPerDay, busy);
  w.expect("a/0", 1'000);
  w.expect("b/0", 1'000);
  w.observe("a/0", t(10), 2'000);  // b has not delivered yet
  EXPECT_EQ(w.stream_time(), t(10));
  EXPECT_EQ(w.watermark(), kNoTime);
  w.advance(30'000);
  EXPECT_EQ(w.watermark(), kNoTime);
  w.observe("b/0", t(5), 40'000);  // b delivers, far behind: busy, so it holds W
  EXPECT_EQ(w.watermark(), t(4));
  w.advance(40'000 + busy - 1);
  EXPECT_EQ(w.watermark(), t(4));
  w.advance(40'000 + busy);  // b silent for the busy time: only a (10) is within a day of S
  EXPECT_EQ(w.watermark(), t(9));

  w.expect("c/0", 200'000);  // never delivers
  w.observe("a/0", t(11), 200'000);
  EXPECT_EQ(w.watermark(), t(9));
  w.advance(200'000 + busy);
  EXPECT_EQ(w.watermark(), t(10));
  EXPECT_EQ(w.partition_time("c/0"), kNoTime);
}

TEST(Watermark, ExpectAndAdvanceChangeNothingWithoutBusyTime) {
  Watermark w(kMsPerDay);
  w.advance(5);  // before any record
  EXPECT_EQ(w.watermark(), kNoTime);
  w.expect("b/0", 0);
  w.observe("a/0", t(10));
  EXPECT_EQ(w.watermark(), t(9));
  w.observe("a/0", t(12));
  w.advance(1'000'000);
  EXPECT_EQ(w.watermark(), t(11));
}

}  // namespace
}  // namespace atomd

// The stage 1 → stage 2 message: every payload kind round-trips bit for bit, keys follow the
// payload, and a truncated, unknown or damaged buffer is rejected with a message.
#include "operators/stage_record.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "tests/operators/fixtures.hpp"

namespace atomd {
namespace {

using testing::at;
using testing::day;

StageRecord downloads_record() {
  StageRecord r;
  r.source = "atom.hf.models.v1/3";
  DownloadContribution c = testing::contribution("Qwen/Qwen2.5-7B", "2025-01-22T18:24:32.123Z", "2024-09-18T10:00:00Z",
                                                 123'456'789, {{"2025-01-21", 1.0 / 3}, {"2025-01-22", 2.0 / 3 + 1e-9}},
                                                 7'615'616'512, 98'765);
  c.increments.push_back({day("2025-01-23"), -0.0});
  c.increments.push_back({day("2025-01-24"), std::numeric_limits<double>::denorm_min()});
  c.increments.push_back({day("2025-01-25"), 1e300});
  c.gap_filled = true;
  r.event_time = c.observed_at;
  r.payload = c;
  return r;
}

StageRecord round_trip(const StageRecord& r) { return decode_stage_record(encode_stage_record(r)); }

TEST(StageRecord, DownloadContributionRoundTripsBitForBit) {
  const StageRecord r = downloads_record();
  const StageRecord back = round_trip(r);
  EXPECT_EQ(back, r);
  const auto& c = std::get<DownloadContribution>(back.payload);
  ASSERT_EQ(c.increments.size(), 5u);
  EXPECT_TRUE(std::signbit(c.increments[2].downloads));  // == cannot tell -0 from 0: the bits can
  for (std::size_t i = 0; i < c.increments.size(); ++i)
    EXPECT_EQ(std::bit_cast<std::uint64_t>(c.increments[i].downloads),
              std::bit_cast<std::uint64_t>(std::get<DownloadContribution>(r.payload).increments[i].downloads));
  EXPECT_EQ(stage_record_key(r), "Qwen/Qwen2.5-7B");
  EXPECT_EQ(encode_stage_record(r)[0], '\x01');  // format version first
}

TEST(StageRecord, EmptyIncrementsAndNoParamsAndNotGapFilled) {
  StageRecord r = downloads_record();
  auto& c = std::get<DownloadContribution>(r.payload);
  c.increments.clear();
  c.params_total.reset();
  c.gap_filled = false;
  EXPECT_EQ(round_trip(r), r);
  c.params_total = 0;  // present and zero is not absent
  EXPECT_EQ(std::get<DownloadContribution>(round_trip(r).payload).params_total, 0);
}

TEST(StageRecord, DerivativeContributionWithManyBases) {
  StageRecord r;
  r.source = "atom.hf.derivatives.v1/0";
  DerivativeContribution c;
  c.repo_id = "tuner/merge-of-three";
  c.observed_at = at("2025-01-05T00:00:00Z");
  c.created_at = at("2024-12-31T23:59:59.999Z");
  c.counted = true;
  c.link = true;
  for (Relation rel : kAllRelations) c.bases.push_back({rel, "org" + std::string(to_string(rel)) + "/base"});
  r.event_time = c.observed_at;
  r.payload = c;
  EXPECT_EQ(round_trip(r), r);
  EXPECT_EQ(stage_record_key(r), "tuner/merge-of-three");

  c.counted = false;  // a link only, and no bases at all
  c.bases.clear();
  r.payload = c;
  EXPECT_EQ(round_trip(r), r);
}

TEST(StageRecord, TokensRowsOpenAndOther) {
  StageRecord r;
  r.source = "atom.openrouter.tokens.v1/1";
  OpenRouterTokens t;
  t.date = day("2025-03-03");
  t.slug = "qwen/qwen3-235b-a22b:free";
  t.observed_at = at("2025-03-04T01:00:00Z");
  t.tokens = 9'007'199'254'740'993;  // not a double: integers stay integers
  t.hf_id = "Qwen/Qwen3-235B-A22B";
  t.org = "qwen";
  r.event_time = day_end(t.date) - 1;
  r.payload = t;
  EXPECT_EQ(round_trip(r), r);
  EXPECT_EQ(stage_record_key(r), "qwen/qwen3-235b-a22b:free@2025-03-03");

  t.slug = std::string(kOtherSlug);
  t.org = std::string(kOtherSlug);
  t.hf_id.reset();
  r.payload = t;
  EXPECT_EQ(round_trip(r), r);
  EXPECT_EQ(stage_record_key(r), "other@2025-03-03");
}

TEST(StageRecord, EventTimeOnly) {
  StageRecord r;
  r.source = "atom.hf.models.v1/7";
  r.event_time = at("2025-01-22T00:00:00Z");
  const StageRecord back = round_trip(r);
  EXPECT_EQ(back, r);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(back.payload));
  EXPECT_EQ(stage_record_key(r), "atom.hf.models.v1/7");
  r.event_time = kNoTime;
  r.source.clear();
  EXPECT_EQ(round_trip(r), r);
}

void expect_rejected(std::string_view bytes, std::string_view why) {
  try {
    decode_stage_record(bytes);
    ADD_FAILURE() << "accepted a bad buffer (" << why << ")";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

TEST(StageRecord, TruncatedUnknownOrDamagedBuffersAreRejected) {
  expect_rejected("", "empty");
  for (const StageRecord& r : {downloads_record(), StageRecord{"p/0", 5, {}}}) {
    const std::string bytes = encode_stage_record(r);
    for (std::size_t n = 1; n < bytes.size(); ++n) expect_rejected(bytes.substr(0, n), "stage record");
    expect_rejected(bytes + '\0', "trailing bytes");
    std::string version = bytes;
    version[0] = 2;
    expect_rejected(version, "unknown format version 2");
  }
  // The tag sits after the version, the source (length + bytes) and the event time.
  std::string tag = encode_stage_record(StageRecord{"p/0", 5, {}});
  tag[1 + 8 + 3 + 8] = 9;
  expect_rejected(tag, "unknown payload tag 9");
  // A bad relation, a flag that is neither 0 nor 1, a length past the end.
  StageRecord derivative;
  derivative.payload = DerivativeContribution{"a/b", 1, 2, true, false, {{Relation::merge, "c/d"}}};
  std::string relation = encode_stage_record(derivative);
  relation[relation.size() - 1 - 8 - 3] = 77;
  expect_rejected(relation, "unknown relation");
  std::string flag = encode_stage_record(derivative);
  const std::size_t counted_at = 1 + 8 + 8 + 1 + (8 + 3) + 8 + 8;  // version, source, time, tag, id, times
  flag[counted_at] = 2;
  expect_rejected(flag, "flag not 0 or 1");
  std::string garbage(64, '\xff');
  garbage[0] = 1;
  expect_rejected(garbage, "past the end");
}

}  // namespace
}  // namespace atomd

#pragma once
// Inference share (DESIGN §4 "Inference share (OpenRouter)"): daily token rows upserted by
// (slug, date), and token totals and shares per org or region over day / 7d / month relative
// to stream time T (the last millisecond of the latest date seen), never the wall clock.
// Groups are derived at query time from reference data, so an alias or region change takes
// effect on reload without a state reset.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/records.hpp"
#include "core/reference.hpp"
#include "operators/groups.hpp"
#include "operators/operator.hpp"

namespace atomd {

enum class UpsertOutcome {
  inserted,  // first row for its (slug, date)
  updated,   // replaced the stored row (newer observed_at, or the tie-break below)
  stale      // not newer than the stored row: ignored (atom_records_late_total)
};

class InferenceTokens final : public StatefulOperator {
 public:
  // Last observed_at wins. Equal observed_at with different content: the larger token
  // count wins (then hf_id present, then the byte-larger hf_id, then org), so the stored row
  // is the maximum of every delivery and the result does not depend on arrival order.
  UpsertOutcome apply(const OpenRouterTokens& row);

  TimeMs stream_time() const { return stream_time_; }  // T; kNoTime before any row

  // `last_closed_day` is used by InferenceWindow::day only (the caller takes it from the
  // watermark); `month` by InferenceWindow::month only (defaults to the month containing T).
  // Rows are the groups with at least one row of the scope in the window; total = the
  // scope's denominator. Throws std::invalid_argument for GroupBy::size_bucket.
  Leaderboard leaderboard(GroupBy by, InferenceWindow window, InferenceScope scope, std::optional<MonthIndex> month,
                          DayIndex last_closed_day, const ReferenceData& reference) const;
  // Scope-all 7d share of each group over the 7 UTC dates ending with `day` (the overtake
  // metric inference_share_7d). Includes the `other` group (org) / its `unknown` (region).
  std::map<std::string, double> shares_at(GroupBy by, DayIndex day, const ReferenceData& reference) const;
  // Tokens of one group per UTC day (or month) that has rows of the scope; points by time.
  std::vector<SeriesPoint> series(GroupBy by, std::string_view group, SeriesWindow window, InferenceScope scope,
                                  const ReferenceData& reference) const;

  std::size_t row_count() const { return row_count_; }
  std::uint64_t stale_count() const { return stale_; }

  std::string_view name() const override { return "inference"; }
  // One entry per row, keyed "slug@YYYY-MM-DD" (tokens_key).
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override;

 private:
  struct Row {
    TimeMs observed_at = 0;
    std::int64_t tokens = 0;
    std::optional<std::string> hf_id;
    std::string org;  // as on the record; aliases applied at query time
  };
  using DayRows = std::map<std::string, Row, std::less<>>;  // by slug

  // Integer tokens per group over [first, last] in one scope.
  std::map<std::string, std::int64_t> group_tokens(GroupBy by, DayIndex first, DayIndex last, InferenceScope scope,
                                                   const ReferenceData& reference) const;
  static bool replaces(const OpenRouterTokens& incoming, const Row& stored);
  void store(DayIndex date, std::string slug, Row row);

  // Ordered by date then slug: windows are date ranges, and every sum runs in one order.
  std::map<DayIndex, DayRows> days_;
  std::size_t row_count_ = 0;
  TimeMs stream_time_ = kNoTime;
  std::uint64_t stale_ = 0;
};

}  // namespace atomd

#pragma once
// Stage 2 of the derivatives family (DESIGN §4 "Derivatives"): counted derivatives → counts
// and shares per base org, region and relation over the windows month / 30d (by createdAt,
// relative to stream time T, never the wall clock).
//
// Counts are kept as integers per (base as written, createdAt day, relation, k = number of
// the derivative's bases), so the state is the same whatever the arrival order and a value
// is sum(n / k) taken in one fixed order (bases by id, then day, relation, k): bit-identical
// results for any interleaving, and after a restore. Groups are derived at query time from
// reference data (a reload needs no reset), and so are roots in `root` mode, from the stored
// link graph: a link that arrives late moves every count through it on the next query.
//
// Root of a base B (`root` mode): follow B's known links (B is itself a derivative) to its
// bases, each of a repo's k' bases taking 1/k' of what reaches that repo, until a repo with
// no known link, or the 8th hop from the derivative (B is hop 1). A link back to a repo
// already on the current path is cut (dropped, and the remaining bases split the share);
// a repo whose links are all cut is a root. The walk starts at B (the derivative itself is
// not on the path), so with A → B → A a derivative of A has root B and one of B has root A:
// a function of the link graph alone, not of arrival order. Roots are recomputed per query
// (memoised within it); costs in bench/RESULTS.md.
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/records.hpp"
#include "core/reference.hpp"
#include "operators/derivatives.hpp"
#include "operators/groups.hpp"
#include "operators/operator.hpp"
#include "operators/repo_id_set.hpp"

namespace atomd {

inline constexpr int kMaxLineageHops = 8;

class DerivativeAggregates final : public StatefulOperator {
 public:
  explicit DerivativeAggregates(DerivativeAttribution attribution = DerivativeAttribution::namespace_)
      : attribution_(attribution) {}

  // Idempotent: a repo id is counted once (a redelivered count is ignored and counted in
  // redelivery_count()); a link replaces the repo's links only when newer (observed_at).
  void apply(const DerivativeContribution& c);

  DerivativeAttribution attribution() const { return attribution_; }
  TimeMs stream_time() const { return stream_time_; }  // T; kNoTime before any contribution
  double counted() const { return static_cast<double>(counted_.size()); }
  std::uint64_t redelivery_count() const { return redeliveries_; }
  std::size_t link_count() const { return links_.size(); }

  // by: org or region (size_bucket throws std::invalid_argument: a derivative has no size here).
  // `month` only with DerivativeWindow::month (defaults to the month containing T).
  Leaderboard leaderboard(GroupBy by, DerivativeWindow window, std::optional<MonthIndex> month,
                          const ReferenceData& reference) const;
  // Every relation, 0 when none; a derivative's 1/k shares go to the relations of its bases.
  std::map<Relation, double> by_relation(DerivativeWindow window, std::optional<MonthIndex> month) const;
  // Per createdAt day (or month) that has derivatives of the group; t = the start of it.
  std::vector<SeriesPoint> series(GroupBy by, std::string_view group, SeriesWindow window,
                                  const ReferenceData& reference) const;
  // Derivative share per group in the month containing `day`, of derivatives created on or
  // before `day` and counted by a sighting observed on or before `day` (metric
  // derivative_share_month as known at the end of `day`: what a later sighting adds does not
  // change a past day's value, so replays evaluate every day alike); empty when none.
  std::map<std::string, double> shares_at(GroupBy by, DayIndex day, const ReferenceData& reference) const;

  std::string_view name() const override { return "derivative_aggregates"; }
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override;

 private:
  // n derivatives with k bases, created on `day`, that name this base with `relation`.
  struct Cell {
    DayIndex day = 0;  // createdAt
    Relation relation = Relation::unspecified;
    std::uint32_t k = 1;
    DayIndex seen = 0;  // the day of the sighting that counted it (observed_at)
    std::int64_t n = 0;
  };
  using Cells = std::vector<Cell>;  // sorted by (day, relation, k, seen)

  struct BaseRef {
    std::uint64_t node = 0;  // RepoIdSet::hash of the base id
    std::uint32_t org = 0;   // index into orgs_
  };
  struct Link {
    TimeMs observed_at = 0;
    std::vector<BaseRef> bases;  // sorted by node, distinct
  };

  struct Root {
    std::string_view org;  // the root repo's org as written on the Hub
    double weight = 0;
  };
  using Roots = std::vector<Root>;
  class RootResolver;

  template <class Fn>
  void visit(DayIndex first, DayIndex last, Fn&& fn, DayIndex seen_by = std::numeric_limits<DayIndex>::max()) const;
  std::pair<DayIndex, DayIndex> window_days(DerivativeWindow window, std::optional<MonthIndex> month) const;
  std::uint32_t intern_org(std::string_view org);

  DerivativeAttribution attribution_;
  std::map<std::string, Cells, std::less<>> bases_;  // ordered by base id: one summation order
  std::unordered_map<std::uint64_t, Link> links_;    // by RepoIdSet::hash of the derivative
  std::vector<std::string> orgs_;                     // interned orgs of link bases
  std::unordered_map<std::string, std::uint32_t> org_index_;
  RepoIdSet counted_;
  TimeMs stream_time_ = kNoTime;
  std::uint64_t redeliveries_ = 0;
};

}  // namespace atomd

#pragma once
// Stage 2: RAM, the Relative Adoption Metric (DESIGN §4 "RAM"), from stage 1's contributions.
//
// Decisions where DESIGN §4 is silent:
// - Curve. A model's curve is anchored at the release_at of its first contribution seen here
//   and kept as cum(m, d) for every integer day d ≤ 365 it defines, plus its last snapshot
//   (age, downloads_all_time) to interpolate the next segment. A new snapshot only defines
//   days its segment (last, new] covers, so defined days never change afterwards. Values are
//   the snapshots' downloads_all_time as published (an anomalous decrease interpolates down).
// - Day d is defined iff a snapshot lies at or after release + d and, unless the first
//   snapshot was gap-filled (then day 0 = 0), release + d is at or after the first snapshot.
//   The defined days are one run [start, end]. An old model first seen past day 365 has none.
// - R(b, d) = the models of bucket b with cum(·, d) defined. Bucket = size_bucket(repo_id,
//   params_total of the latest contribution); `unknown` models keep a curve but get no RAM.
// - Baselines exist per bucket for every day 0..365, and null when |R(b, d)| < 10.
//   `tenth`: base(b, d) = max of raw(b, d') over d' ≤ d where raw is defined (|R(b, d')| ≥ 10).
//   `median_top10`: the 10 leaders of R(b, d) are its models with the largest current
//   cumulative downloads (latest downloads_all_time, DESIGN "Downloads"; ATOM Jan 2026 chose
//   its top 10 by all-time downloads), ties by repo id; base = the mean of the 5th and 6th of
//   their cum(·, d).
// - RAM(m, d) = cum(m, d) / base(b, d); null when either is undefined or base is 0.
//   `current`: d = floor((T − release) / 1 day), null outside 0..365.
// - Incremental: R(b, d) only grows (a model never leaves a day, except by a bucket change),
//   so `tenth` keeps per bucket and day the 10 largest values and |R|, and re-runs the
//   prefix max from the first changed day. `median_top10` keeps a segment tree over days
//   0..365 whose nodes hold, ordered by current cumulative, the models whose defined run
//   covers the node; a record moves one model in O(log 366) nodes, and base(b, d) merges the
//   first 10 of each node on the path to day d. No record rescans the models.
// - A bucket change (params_total changed, or rebucket() after a reference reload) rebuilds
//   the buckets involved from the stored curves. A reloaded release-date correction does not
//   re-anchor an existing curve (the raw snapshots are not kept).
// - T = the largest observed_at applied. A contribution not newer than its model's latest is
//   a redelivery (stage 1 never sends late ones) and changes nothing.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/reference.hpp"
#include "core/size.hpp"
#include "core/time.hpp"
#include "operators/downloads.hpp"
#include "operators/operator.hpp"

namespace atomd {

enum class RamBaseline { tenth, median_top10 };
inline constexpr RamBaseline kAllRamBaselines[] = {RamBaseline::tenth, RamBaseline::median_top10};
std::string_view to_string(RamBaseline b);  // the `baseline` label value
std::optional<RamBaseline> parse_ram_baseline(std::string_view label);

inline constexpr int kRamCheckpoints[] = {7, 14, 30, 60, 90, 180, 365};
inline constexpr int kRamMaxDay = 365;
inline constexpr std::size_t kRamCurrent = 7;  // index of `current` in RamByCheckpoint
inline constexpr std::size_t kRamReferenceSize = 10;
inline constexpr std::size_t kRamDay30 = 2;  // index of the 30-day checkpoint
static_assert(kRamCheckpoints[kRamDay30] == 30);

// One value per checkpoint of kRamCheckpoints, then `current`.
using RamByCheckpoint = std::array<std::optional<double>, 8>;

struct ModelRam {
  std::string repo_id;
  SizeBucket bucket = SizeBucket::unknown;
  int current_age_days = 0;  // floor((T − release) / 1 day); `current` is null outside 0..365
  RamByCheckpoint tenth;
  RamByCheckpoint median_top10;
  const RamByCheckpoint& by(RamBaseline b) const { return b == RamBaseline::tenth ? tenth : median_top10; }
  bool operator==(const ModelRam&) const = default;
};

class RamOperator final : public StatefulOperator {
 public:
  RamOperator();
  ~RamOperator() override;
  RamOperator(const RamOperator&) = delete;
  RamOperator& operator=(const RamOperator&) = delete;

  void apply(const DownloadContribution& c, const ReferenceData& reference);
  // After a reference reload: moves models whose bucket changed and rebuilds the buckets
  // involved. Returns how many models moved.
  std::size_t rebucket(const ReferenceData& reference);

  std::optional<ModelRam> model(std::string_view repo_id) const;  // nullopt: never applied
  std::vector<ModelRam> models() const;                            // by repo id
  // null for `unknown`, a day outside 0..365, or fewer than 10 reference models.
  std::optional<double> baseline(SizeBucket bucket, RamBaseline which, int day) const;
  // cum(m, d); null where undefined (DESIGN §4) or past day 365.
  std::optional<double> cumulative_at(std::string_view repo_id, int day) const;
  // |R(b, d)|.
  std::size_t reference_count(SizeBucket bucket, int day) const;

  TimeMs stream_time() const { return stream_time_; }  // T; kNoTime before any record
  std::size_t model_count() const { return models_.size(); }
  std::uint64_t redelivery_count() const { return redeliveries_; }

  std::string_view name() const override { return "ram"; }
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  // The bucket is restored as saved; call rebucket() with the current reference data after.
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override;

 private:
  struct Curve {
    SizeBucket bucket = SizeBucket::unknown;
    std::optional<std::int64_t> params_total;
    TimeMs release_at = 0;
    TimeMs last_observed_at = 0;
    std::int64_t downloads_all_time = 0;   // latest downloads_all_time: "cumulative", ranks the leaders
    TimeMs last_age = 0;         // the last snapshot, ms after release, and its all-time value
    double last_value = 0;
    int start_day = 0;           // first defined day
    std::vector<double> days;    // cum(m, start_day + i)
    bool empty() const { return days.empty(); }
    int end_day() const { return start_day + static_cast<int>(days.size()) - 1; }
    bool covers(int d) const { return !days.empty() && d >= start_day && d <= end_day(); }
    double at(int d) const { return days[static_cast<std::size_t>(d - start_day)]; }
  };
  struct BucketIndex;  // ram.cpp

  using Models = std::map<std::string, Curve, std::less<>>;
  BucketIndex* index_of(SizeBucket b) const;
  void index_model(const Models::value_type& m);
  void rebuild(SizeBucket b);
  ModelRam view(const Models::value_type& m, const std::function<std::optional<double>(RamBaseline, int)>& base) const;

  Models models_;  // ordered: views come out in repo-id order, and map nodes stay put
  std::array<std::unique_ptr<BucketIndex>, 7> buckets_;  // every bucket but `unknown`
  TimeMs stream_time_ = kNoTime;
  std::uint64_t redeliveries_ = 0;
};

// A model's RAM at one checkpoint, for rankings.
struct RamRank {
  std::string repo_id;
  double ram = 0;
};
// Per size bucket (not `unknown`), the models with a RAM value at checkpoint index
// `checkpoint` (kRamCurrent for `current`), by RAM descending, ties by repo id.
std::map<SizeBucket, std::vector<RamRank>> ram_ranking(const RamOperator& ram, RamBaseline baseline,
                                                       std::size_t checkpoint);

}  // namespace atomd

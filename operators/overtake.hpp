#pragma once
// Stage 2: overtakes and threshold crossings (DESIGN §4 "Overtake", "Events"), evaluated
// once per closed UTC day from the groups' values at the end of that day. Pure logic: the
// caller builds each day's values, publishes the returned events and checkpoints the state.
//
// Decisions where DESIGN is silent (to be copied into the project's docs):
// - "The day before" is the metric's previous evaluated day (the pipeline evaluates every
//   closed day, so normally the calendar day before). The first day a metric is evaluated
//   only establishes its state: no run starts on it, so an existing ordering (or a group
//   already beyond a threshold) is never reported.
// - A group absent from a day's values has value 0; a non-finite value counts as absent.
// - A run starts only for a pair that is among the top `top_n` on its first day D; once
//   started it is confirmed on values alone (A above B on `confirm` consecutive evaluated
//   days), even if one of the two leaves the top N meanwhile: the event is about the top N
//   as it stood on `at` = D. A group that passes the N-th group and pushes it out of the top N
//   is therefore not reported for that pass (the pushed-out group is not compared on D).
// - An event's values are those of day D (its `at`), so it can be checked against the series.
// - New entrant: the group's first tracked release r satisfies r <= D and D - r <= new_entrant_days.
// - Threshold events: DESIGN's id has no threshold value, so two thresholds on the same
//   metric, group and direction crossed on the same day share an id (the outbox keeps one).
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/records.hpp"
#include "core/time.hpp"
#include "operators/operator.hpp"

namespace atomd {

inline constexpr std::string_view kMetricDownloadsCumulative = "downloads_cumulative";
inline constexpr std::string_view kMetricDownloads30d = "downloads_30d";
inline constexpr std::string_view kMetricDerivativeShareMonth = "derivative_share_month";
inline constexpr std::string_view kMetricInferenceShare7d = "inference_share_7d";

// One entry of `alerts.thresholds`.
struct ThresholdSpec {
  std::string metric;
  std::string group_by;
  std::string group;
  double value = 0;
  std::string direction;  // up | down
  bool operator==(const ThresholdSpec&) const = default;
};

struct OvertakeConfig {
  int confirm = 2;             // overtake.confirm (>= 1)
  int top_n = 20;              // overtake.top_n (>= 0)
  int new_entrant_days = 365;  // overtake.new_entrant_days (>= 0)
  std::vector<ThresholdSpec> thresholds;
};

// A metric as compared: e.g. {downloads_30d, org}.
struct MetricKey {
  std::string metric;
  std::string group_by;
  auto operator<=>(const MetricKey&) const = default;
};

// Everything one closed day's evaluation needs.
struct DayValues {
  DayIndex day = 0;
  std::map<MetricKey, std::map<std::string, double>> values;           // metric → group → value at the end of `day`
  std::map<std::string, std::map<std::string, DayIndex>> first_release;  // group_by → group → first tracked release day
};

// A group's place in a metric's ranking on the last evaluated day (atom_group_rank).
struct GroupRank {
  MetricKey key;
  std::string group;
  int rank = 0;  // 1 = highest value; ties by group name
  double value = 0;
};

class OvertakeDetector final : public StatefulOperator {
 public:
  // Throws std::invalid_argument on confirm < 1, top_n < 0, new_entrant_days < 0 or a
  // threshold direction other than up|down.
  explicit OvertakeDetector(OvertakeConfig config);

  // Evaluates one closed day. Days must come in increasing order; a day not after the last
  // evaluated one returns nothing and changes nothing (a repeat after a restart is harmless).
  // The returned events are the only output: the caller publishes them (or, with the store,
  // writes them to the outbox in the same batch as this operator's state).
  std::vector<Event> evaluate(const DayValues& day);

  std::optional<DayIndex> last_evaluated_day() const { return last_day_; }
  // Ranks as of each metric's last evaluated day, over every group it had (not only the top N).
  std::optional<int> rank(std::string_view metric, std::string_view group_by, std::string_view group) const;
  // Every ranked group of every metric, by metric then rank (atom_group_rank).
  std::vector<GroupRank> ranks() const;
  const OvertakeConfig& config() const { return config_; }

  std::string_view name() const override { return "overtake"; }
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override;

 private:
  // A started, not yet confirmed run: `days` consecutive evaluated days above since `start`.
  struct Run {
    DayIndex start = 0;
    std::int32_t days = 0;
    double first = 0, second = 0;  // values on `start`: winner/loser, or the group's value and 0
  };
  struct ThresholdKey {
    std::string group;
    std::string direction;
    double value = 0;
    auto operator<=>(const ThresholdKey&) const = default;
  };
  using Ranking = std::vector<std::pair<std::string, double>>;  // by value desc, ties by group
  struct MetricState {
    std::map<std::string, double> values;  // on the metric's last evaluated day
    Ranking ranking;                       // derived from values
    std::map<std::pair<std::string, std::string>, Run> overtakes;  // (winner, loser) → run
    std::map<ThresholdKey, Run> thresholds;
  };

  void evaluate_overtakes(const MetricKey& key, MetricState& state, const std::map<std::string, double>& now,
                          const Ranking& ranking, const DayValues& day, std::vector<Event>& out) const;
  void evaluate_thresholds(const MetricKey& key, MetricState& state, const std::map<std::string, double>& now,
                           const DayValues& day, std::vector<Event>& out) const;
  // Whether `group` is a new entrant on `at`, by the first releases `day` carries.
  bool new_entrant(const DayValues& day, const std::string& group_by, const std::string& group, DayIndex at) const;
  static Ranking rank_values(const std::map<std::string, double>& values);

  OvertakeConfig config_;
  std::optional<DayIndex> last_day_;
  std::map<MetricKey, MetricState> metrics_;
};

}  // namespace atomd

#include "operators/overtake.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "operators/state_codec.hpp"

namespace atomd {
namespace {

constexpr std::uint8_t kStateVersion = 1;
constexpr std::string_view kDayKey = "day";
constexpr std::string_view kMetricKeyPrefix = "metric|";

double value_of(const std::map<std::string, double>& values, const std::string& group) {
  auto it = values.find(group);
  return it == values.end() ? 0.0 : it->second;
}

bool beyond(double value, const std::string& direction, double threshold) {
  return direction == "up" ? value > threshold : value < threshold;
}

void write_run(StateWriter& w, DayIndex start, std::int32_t days, double first, double second) {
  w.i32(start);
  w.i32(days);
  w.f64(first);
  w.f64(second);
}

}  // namespace

OvertakeDetector::OvertakeDetector(OvertakeConfig config) : config_(std::move(config)) {
  if (config_.confirm < 1) throw std::invalid_argument("overtake.confirm: must be at least 1");
  if (config_.top_n < 0) throw std::invalid_argument("overtake.top_n: must not be negative");
  if (config_.new_entrant_days < 0) throw std::invalid_argument("overtake.new_entrant_days: must not be negative");
  for (const ThresholdSpec& t : config_.thresholds)
    if (t.direction != "up" && t.direction != "down")
      throw std::invalid_argument("alerts.thresholds: direction must be up or down, not \"" + t.direction + "\"");
}

OvertakeDetector::Ranking OvertakeDetector::rank_values(const std::map<std::string, double>& values) {
  Ranking ranking(values.begin(), values.end());
  // `values` is ordered by group name, so a stable sort leaves ties by name.
  std::stable_sort(ranking.begin(), ranking.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return ranking;
}

bool OvertakeDetector::new_entrant(const DayValues& day, const std::string& group_by, const std::string& group,
                                   DayIndex at) const {
  auto by = day.first_release.find(group_by);
  if (by == day.first_release.end()) return false;
  auto it = by->second.find(group);
  if (it == by->second.end()) return false;
  const std::int64_t age = static_cast<std::int64_t>(at) - it->second;
  return age >= 0 && age <= config_.new_entrant_days;
}

std::vector<Event> OvertakeDetector::evaluate(const DayValues& day) {
  std::vector<Event> events;
  if (last_day_ && day.day <= *last_day_) return events;
  for (const auto& [key, raw] : day.values) {
    std::map<std::string, double> now;
    for (const auto& [group, value] : raw)
      if (std::isfinite(value)) now.emplace(group, value);
    auto ranking = rank_values(now);
    auto [it, first_time] = metrics_.try_emplace(key);
    MetricState& state = it->second;
    if (!first_time) {  // the first evaluation of a metric only establishes its state
      evaluate_overtakes(key, state, now, ranking, day, events);
      evaluate_thresholds(key, state, now, day, events);
    }
    state.values = std::move(now);
    state.ranking = std::move(ranking);
  }
  last_day_ = day.day;
  return events;
}

void OvertakeDetector::evaluate_overtakes(const MetricKey& key, MetricState& state,
                                          const std::map<std::string, double>& now, const Ranking& ranking,
                                          const DayValues& day, std::vector<Event>& out) const {
  auto emit = [&](const std::string& winner, const std::string& loser, const Run& run) {
    Event e;
    e.kind = EventKind::overtake;
    e.metric = key.metric;
    e.group_by = key.group_by;
    e.at = run.start;
    e.winner = winner;
    e.loser = loser;
    e.new_entrant = new_entrant(day, key.group_by, winner, run.start);
    e.values = {{"winner", run.first}, {"loser", run.second}};
    out.push_back(std::move(e));
  };

  // Runs already started: one more day above, or broken (a flap fires nothing). A flap
  // broken because the group it passed is back above restores the order that stood before
  // it: that return is not an overtake of its own.
  std::set<std::pair<std::string, std::string>> restored;
  for (auto it = state.overtakes.begin(); it != state.overtakes.end();) {
    const auto& [winner, loser] = it->first;
    Run& run = it->second;
    const bool above = value_of(now, winner) > value_of(now, loser);
    if (above && ++run.days < config_.confirm) {
      ++it;
      continue;
    }
    if (above) emit(winner, loser, run);
    else if (value_of(now, loser) > value_of(now, winner)) restored.emplace(loser, winner);
    it = state.overtakes.erase(it);
  }

  // New runs among today's top N. Ranked by value, so only an earlier group can be above a
  // later one; a pair with a run under way was above yesterday and cannot start again.
  const std::size_t n = std::min(ranking.size(), static_cast<std::size_t>(config_.top_n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      const auto& [a, va] = ranking[i];
      const auto& [b, vb] = ranking[j];
      if (!(va > vb) || value_of(state.values, a) > value_of(state.values, b) || restored.count({a, b})) continue;
      const Run run{day.day, 1, va, vb};
      if (run.days >= config_.confirm)
        emit(a, b, run);
      else
        state.overtakes.emplace(std::make_pair(a, b), run);
    }
}

void OvertakeDetector::evaluate_thresholds(const MetricKey& key, MetricState& state,
                                           const std::map<std::string, double>& now, const DayValues& day,
                                           std::vector<Event>& out) const {
  std::map<ThresholdKey, Run> runs;  // only configured thresholds keep a run
  std::set<ThresholdKey> seen;       // the same threshold listed twice counts once
  for (const ThresholdSpec& spec : config_.thresholds) {
    if (spec.metric != key.metric || spec.group_by != key.group_by) continue;
    ThresholdKey tk{spec.group, spec.direction, spec.value};
    if (!seen.insert(tk).second) continue;
    const double value = value_of(now, spec.group);
    if (!beyond(value, spec.direction, spec.value)) continue;
    Run run;
    if (auto it = state.thresholds.find(tk); it != state.thresholds.end()) {
      run = it->second;
      ++run.days;
    } else if (!beyond(value_of(state.values, spec.group), spec.direction, spec.value)) {
      run = Run{day.day, 1, value, 0};
    } else {
      continue;  // already beyond yesterday, and reported or established then
    }
    if (run.days < config_.confirm) {
      runs.emplace(std::move(tk), run);
      continue;
    }
    Event e;
    e.kind = EventKind::threshold;
    e.metric = key.metric;
    e.group_by = key.group_by;
    e.at = run.start;
    e.group = spec.group;
    e.direction = spec.direction;
    e.threshold = spec.value;
    e.new_entrant = new_entrant(day, key.group_by, spec.group, run.start);
    e.values = {{"value", run.first}};
    out.push_back(std::move(e));
  }
  state.thresholds = std::move(runs);
}

std::optional<int> OvertakeDetector::rank(std::string_view metric, std::string_view group_by,
                                          std::string_view group) const {
  auto it = metrics_.find(MetricKey{std::string(metric), std::string(group_by)});
  if (it == metrics_.end()) return std::nullopt;
  const auto& ranking = it->second.ranking;
  for (std::size_t i = 0; i < ranking.size(); ++i)
    if (ranking[i].first == group) return static_cast<int>(i) + 1;
  return std::nullopt;
}

std::vector<GroupRank> OvertakeDetector::ranks() const {
  std::vector<GroupRank> out;
  for (const auto& [key, state] : metrics_)
    for (std::size_t i = 0; i < state.ranking.size(); ++i)
      out.push_back({key, state.ranking[i].first, static_cast<int>(i) + 1, state.ranking[i].second});
  return out;
}

void OvertakeDetector::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  if (!last_day_) return;
  StateWriter day;
  day.u8(kStateVersion);
  day.i32(*last_day_);
  sink(kDayKey, day.bytes());
  for (const auto& [key, state] : metrics_) {
    StateWriter w;
    w.u8(kStateVersion);
    w.str(key.metric);
    w.str(key.group_by);
    w.u64(state.values.size());
    for (const auto& [group, value] : state.values) {
      w.str(group);
      w.f64(value);
    }
    w.u64(state.overtakes.size());
    for (const auto& [pair, run] : state.overtakes) {
      w.str(pair.first);
      w.str(pair.second);
      write_run(w, run.start, run.days, run.first, run.second);
    }
    w.u64(state.thresholds.size());
    for (const auto& [tk, run] : state.thresholds) {
      w.str(tk.group);
      w.str(tk.direction);
      w.f64(tk.value);
      write_run(w, run.start, run.days, run.first, run.second);
    }
    sink(std::string(kMetricKeyPrefix) + key.metric + "|" + key.group_by, w.bytes());
  }
}

void OvertakeDetector::restore_state(std::string_view key, std::string_view value) {
  StateReader r(value, key);
  if (r.u8() != kStateVersion) r.fail("unknown version");
  if (key == kDayKey) {
    last_day_ = r.i32();
    r.expect_end();
    return;
  }
  if (!key.starts_with(kMetricKeyPrefix)) r.fail("unknown key");
  MetricKey mk;
  mk.metric = r.str();
  mk.group_by = r.str();
  if (key != std::string(kMetricKeyPrefix) + mk.metric + "|" + mk.group_by) r.fail("key does not match the value");
  MetricState state;
  auto read_run = [&r] {
    Run run;
    run.start = r.i32();
    run.days = r.i32();
    run.first = r.f64();
    run.second = r.f64();
    return run;
  };
  for (auto n = r.count(16); n > 0; --n) {
    std::string group = r.str();
    state.values[std::move(group)] = r.f64();
  }
  for (auto n = r.count(40); n > 0; --n) {
    std::string winner = r.str();
    std::string loser = r.str();
    state.overtakes[{std::move(winner), std::move(loser)}] = read_run();
  }
  for (auto n = r.count(48); n > 0; --n) {
    ThresholdKey tk;
    tk.group = r.str();
    tk.direction = r.str();
    tk.value = r.f64();
    state.thresholds[std::move(tk)] = read_run();
  }
  r.expect_end();
  state.ranking = rank_values(state.values);
  metrics_.insert_or_assign(std::move(mk), std::move(state));
}

void OvertakeDetector::clear_state() {
  last_day_.reset();
  metrics_.clear();
}

}  // namespace atomd

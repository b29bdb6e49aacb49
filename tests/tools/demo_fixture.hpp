#pragma once
// The demo history, generated once per test binary, decoded per topic, and grouped the way the
// daemon groups it (cumulative of a group = sum of its models' latest downloads_all_time).
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/records.hpp"
#include "core/reference.hpp"
#include "core/time.hpp"

namespace atomd::test {

inline constexpr std::string_view kTopicModels = "hf.models";
inline constexpr std::string_view kTopicDerivatives = "hf.derivatives";
inline constexpr std::string_view kTopicTokens = "openrouter.tokens";

// One line's place in the replay order: its event time (DESIGN §4) and topic.
struct LineOrder {
  TimeMs event_time = 0;
  std::string_view topic;
};

struct DemoRun {
  std::string text;                         // the replay file as written
  std::vector<std::string_view> lines;      // views into text
  std::vector<LineOrder> order;             // per well-formed line, in file order
  std::vector<HfModelSnapshot> snapshots;   // decoded hf.models values, in file order
  std::vector<HfDerivative> derivatives;    // decoded hf.derivatives values, in file order
  std::vector<OpenRouterTokens> token_rows; // decoded openrouter.tokens values, in file order
  std::map<std::string, std::size_t, std::less<>> lines_per_topic;
  std::vector<std::string> bad_lines;       // lines that are not a well-formed message of a topic
  ReferenceData reference;                  // config/*.csv of this checkout
};

// Decodes a replay file's text (every line of it) into `run`; the reference is left empty.
void decode_replay(std::string text, DemoRun& run);

// Generated through the calibration day (2026-03-31).
const DemoRun& demo_run();

// A file of the source tree ("" when it does not exist).
std::string read_source_file(std::string_view relative_path);

// Cumulative downloads per group at the end of each day, from the first snapshot's day to the
// last: totals[group][day - first_day].
struct GroupTotals {
  DayIndex first_day = 0;
  std::map<std::string, std::vector<std::int64_t>> totals;

  std::int64_t at(const std::string& group, DayIndex day) const;
};
GroupTotals group_totals(const DemoRun& run, const std::function<std::string(const HfModelSnapshot&)>& group_of);
GroupTotals totals_by_region(const DemoRun& run);
GroupTotals totals_by_org(const DemoRun& run);

// The first day from which `leader` stays above `other` through the last day, if it ends above.
std::optional<DayIndex> overtake_day(const GroupTotals& g, const std::string& leader, const std::string& other);

DayIndex day(std::string_view yyyy_mm_dd);

}  // namespace atomd::test

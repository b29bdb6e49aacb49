#pragma once
// The demo history, generated once per test binary, decoded, and grouped the way the daemon
// groups it (cumulative of a group = sum of its models' latest downloads_all_time).
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

struct DemoRun {
  std::string text;                        // the replay file as written
  std::vector<std::string_view> lines;     // views into text
  std::vector<HfModelSnapshot> snapshots;  // decoded values, in file order
  std::vector<std::string> bad_lines;      // lines that are not a well-formed hf.models message
  ReferenceData reference;                 // config/*.csv of this checkout
};

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

#include "tests/tools/demo_fixture.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tools/demo_history.hpp"

namespace atomd::test {
namespace {

constexpr std::string_view kLinePrefix = R"({"topic":"hf.models","value":)";

ReferenceData load_reference() {
  ReferenceTexts texts;
  texts.tracked_models = read_source_file("config/tracked_models.csv");
  texts.regions = read_source_file("config/regions.csv");
  texts.sizes = read_source_file("config/sizes.csv");
  texts.release_dates = read_source_file("config/release_dates.csv");
  texts.org_aliases = read_source_file("config/org_aliases.csv");
  return ReferenceData::parse(texts);
}

DemoRun generate() {
  DemoRun run;
  std::ostringstream out;
  write_demo_history(out, demo_calibration_day());
  run.text = std::move(out).str();
  std::string_view rest = run.text;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    run.lines.push_back(line);
    if (!line.starts_with(kLinePrefix) || !line.ends_with('}')) {
      run.bad_lines.emplace_back(line);
      continue;
    }
    auto decoded = decode_hf_model(line.substr(kLinePrefix.size(), line.size() - kLinePrefix.size() - 1));
    if (!decoded) {
      run.bad_lines.push_back(std::string(line) + " -> " + decoded.rejection().detail);
      continue;
    }
    run.snapshots.push_back(std::move(decoded.value()));
  }
  run.reference = load_reference();
  return run;
}

}  // namespace

const DemoRun& demo_run() {
  static const DemoRun run = generate();
  return run;
}

std::string read_source_file(std::string_view relative_path) {
  std::ifstream in(std::string(ATOMD_SOURCE_DIR) + "/" + std::string(relative_path), std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

DayIndex day(std::string_view yyyy_mm_dd) {
  auto d = parse_date(yyyy_mm_dd);
  if (!d) throw std::invalid_argument("bad date in test: " + std::string(yyyy_mm_dd));
  return *d;
}

std::int64_t GroupTotals::at(const std::string& group, DayIndex d) const {
  auto it = totals.find(group);
  if (it == totals.end() || d < first_day) return 0;
  const auto& series = it->second;
  const auto index = static_cast<std::size_t>(d - first_day);
  return index < series.size() ? series[index] : series.back();
}

GroupTotals group_totals(const DemoRun& run, const std::function<std::string(const HfModelSnapshot&)>& group_of) {
  GroupTotals g;
  if (run.snapshots.empty()) return g;
  g.first_day = day_of(run.snapshots.front().observed_at);
  const DayIndex last_day = day_of(run.snapshots.back().observed_at);
  const auto days = static_cast<std::size_t>(last_day - g.first_day + 1);
  std::map<std::string, std::int64_t> running;  // group -> sum of its models' latest all_time
  std::map<std::string, std::int64_t> latest;   // repo id -> latest all_time
  std::size_t next = 0;
  for (std::size_t i = 0; i < days; ++i) {
    const DayIndex d = g.first_day + static_cast<DayIndex>(i);
    for (; next < run.snapshots.size() && day_of(run.snapshots[next].observed_at) <= d; ++next) {
      const auto& s = run.snapshots[next];
      auto& previous = latest[s.repo_id];
      running[group_of(s)] += s.downloads_all_time - previous;
      previous = s.downloads_all_time;
    }
    for (const auto& [group, value] : running) {
      auto& series = g.totals[group];
      series.resize(days, 0);
      series[i] = value;
    }
  }
  return g;
}

GroupTotals totals_by_region(const DemoRun& run) {
  return group_totals(run, [&](const HfModelSnapshot& s) {
    return std::string(to_string(run.reference.region_of(s.org)));
  });
}

GroupTotals totals_by_org(const DemoRun& run) {
  return group_totals(run, [&](const HfModelSnapshot& s) { return run.reference.canonical_org(s.org); });
}

std::optional<DayIndex> overtake_day(const GroupTotals& g, const std::string& leader, const std::string& other) {
  const auto& a = g.totals.at(leader);
  const auto& b = g.totals.at(other);
  std::optional<DayIndex> since;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) {
      if (!since) since = g.first_day + static_cast<DayIndex>(i);
    } else {
      since.reset();
    }
  }
  return since;
}

}  // namespace atomd::test

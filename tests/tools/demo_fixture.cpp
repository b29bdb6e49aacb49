#include "tests/tools/demo_fixture.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tools/demo_history.hpp"

namespace atomd::test {
namespace {

// The value of a line {"topic":"<topic>","value":{...}} as the generator writes it, or empty.
std::string_view value_of(std::string_view line, std::string_view topic) {
  const std::string prefix = R"({"topic":")" + std::string(topic) + R"(","value":)";
  if (!line.starts_with(prefix) || !line.ends_with('}')) return {};
  return line.substr(prefix.size(), line.size() - prefix.size() - 1);
}

template <class Record>
bool take(Decoded<Record> decoded, std::string_view line, std::vector<Record>& into, DemoRun& run) {
  if (!decoded) {
    run.bad_lines.push_back(std::string(line) + " -> " + decoded.rejection().detail);
    return false;
  }
  into.push_back(std::move(decoded.value()));
  return true;
}

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
  decode_replay(std::move(out).str(), run);
  run.reference = load_reference();
  return run;
}

}  // namespace

void decode_replay(std::string text, DemoRun& run) {
  run.text = std::move(text);
  std::string_view rest = run.text;
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    run.lines.push_back(line);
    if (auto v = value_of(line, kTopicModels); !v.empty()) {
      if (take(decode_hf_model(v), line, run.snapshots, run)) {
        run.order.push_back({run.snapshots.back().observed_at, kTopicModels});
        ++run.lines_per_topic[std::string(kTopicModels)];
      }
    } else if (auto v = value_of(line, kTopicDerivatives); !v.empty()) {
      if (take(decode_hf_derivative(v), line, run.derivatives, run)) {
        run.order.push_back({run.derivatives.back().observed_at, kTopicDerivatives});
        ++run.lines_per_topic[std::string(kTopicDerivatives)];
      }
    } else if (auto v = value_of(line, kTopicTokens); !v.empty()) {
      if (take(decode_openrouter_tokens(v), line, run.token_rows, run)) {
        run.order.push_back({token_event_time(run.token_rows.back()), kTopicTokens});
        ++run.lines_per_topic[std::string(kTopicTokens)];
      }
    } else {
      run.bad_lines.emplace_back(line);
    }
  }
}

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

#include "tests/fault/fault_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace atomd::fault {
namespace {

using testing::run_command;
using testing::wait_until;

std::string number_text(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::string short_text(const json& j) {
  std::string s = j.dump();
  return s.size() > 160 ? s.substr(0, 157) + "..." : s;
}

// Collects difference lines, keeping the first `max` and counting the rest.
struct DiffSink {
  std::size_t max;
  std::size_t total = 0;
  std::vector<std::string> lines;
  void add(std::string line) {
    if (total++ < max) lines.push_back(std::move(line));
  }
};

constexpr double kTwoPow53 = 9007199254740992.0;
bool integral(double x) { return std::isfinite(x) && std::fabs(x) < kTwoPow53 && std::trunc(x) == x; }

bool numbers_equal(double a, double b, bool exact) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (exact || (integral(a) && integral(b))) return a == b;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

// An array whose elements are all objects carrying a string `field` is compared by that key.
bool keyed_by(const json& array, const char* field) {
  if (!array.is_array() || array.empty()) return false;
  return std::all_of(array.begin(), array.end(),
                     [&](const json& e) { return e.is_object() && e.contains(field) && e[field].is_string(); });
}

// `exact_value`: the numbers under a "value" key are counts (compared exactly).
void diff_json(const std::string& where, const json& want, const json& got, bool exact_value, DiffSink& out);

void diff_keyed_array(const std::string& where, const json& want, const json& got, const char* field,
                      bool exact_value, DiffSink& out) {
  std::map<std::string, const json*> want_by, got_by;
  std::vector<std::string> want_order, got_order;
  for (const auto& e : want) {
    want_by[e[field].get<std::string>()] = &e;
    want_order.push_back(e[field].get<std::string>());
  }
  for (const auto& e : got) {
    got_by[e[field].get<std::string>()] = &e;
    got_order.push_back(e[field].get<std::string>());
  }
  if (want_by.size() != want.size() || got_by.size() != got.size())
    out.add(where + ": duplicate " + field + " values (want " + std::to_string(want.size()) + " rows, " +
            std::to_string(want_by.size()) + " distinct; got " + std::to_string(got.size()) + " rows, " +
            std::to_string(got_by.size()) + " distinct)");
  for (const auto& [key, e] : want_by) {
    const std::string at = where + "[" + field + "=" + key + "]";
    auto it = got_by.find(key);
    if (it == got_by.end())
      out.add(at + ": missing (want " + short_text(*e) + ")");
    else
      diff_json(at, *e, *it->second, exact_value, out);
  }
  for (const auto& [key, e] : got_by)
    if (!want_by.contains(key)) out.add(where + "[" + field + "=" + key + "]: unexpected (got " + short_text(*e) + ")");
  // Same order, except among rows whose values are equal within the tolerance (a tie).
  for (std::size_t i = 0; i < std::min(want_order.size(), got_order.size()); ++i) {
    if (want_order[i] == got_order[i]) continue;
    const json* a = want_by[want_order[i]];
    auto b = want_by.find(got_order[i]);
    bool tie = b != want_by.end() && a->contains("value") && b->second->contains("value") &&
               (*a)["value"].is_number() && (*b->second)["value"].is_number() &&
               numbers_equal((*a)["value"].get<double>(), (*b->second)["value"].get<double>(), false);
    if (!tie) {
      out.add(where + ": order differs at position " + std::to_string(i) + ": want " + want_order[i] + ", got " +
              got_order[i]);
      break;
    }
  }
}

void diff_json(const std::string& where, const json& want, const json& got, bool exact_value, DiffSink& out) {
  if (want.is_number() && got.is_number()) {
    const bool exact = (exact_value && where.ends_with(".value")) || want.is_number_integer() || got.is_number_integer();
    const double a = want.get<double>(), b = got.get<double>();
    if (!numbers_equal(a, b, exact))
      out.add(where + ": want " + number_text(a) + ", got " + number_text(b) +
              (exact ? " (compared exactly)" : " (relative difference " + number_text(std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b))) + ")"));
    return;
  }
  if (want.type() != got.type()) {
    out.add(where + ": want " + short_text(want) + ", got " + short_text(got));
    return;
  }
  if (want.is_object()) {
    for (const auto& [key, value] : want.items()) {
      if (!got.contains(key)) {
        out.add(where + "." + key + ": missing (want " + short_text(value) + ")");
        continue;
      }
      diff_json(where + "." + key, value, got[key], exact_value, out);
    }
    for (const auto& [key, value] : got.items())
      if (!want.contains(key)) out.add(where + "." + key + ": unexpected (got " + short_text(value) + ")");
    return;
  }
  if (want.is_array()) {
    for (const char* field : {"group", "id"})
      if (keyed_by(want, field) && keyed_by(got, field)) return diff_keyed_array(where, want, got, field, exact_value, out);
    if (want.size() != got.size())
      out.add(where + ": want " + std::to_string(want.size()) + " elements, got " + std::to_string(got.size()));
    for (std::size_t i = 0; i < std::min(want.size(), got.size()); ++i)
      diff_json(where + "[" + std::to_string(i) + "]", want[i], got[i], exact_value, out);
    return;
  }
  if (want != got) out.add(where + ": want " + short_text(want) + ", got " + short_text(got));
}

// Leaderboard values that are sums of integers: cumulative downloads and tokens.
bool exact_leaderboard_values(const std::string& target) {
  return target.find("metric=inference") != std::string::npos ||
         (target.find("metric=downloads") != std::string::npos && target.find("window=cumulative") != std::string::npos);
}

// Gauges that are counts, ranks, sums of integers or a timestamp.
bool exact_series(const std::string& name, const std::string& series) {
  static const std::set<std::string> kExact = {"atom_inference_tokens", "atom_overtakes_total",
                                               "atom_threshold_crossings_total", "atom_group_rank",
                                               "atom_watermark_timestamp_seconds"};
  if (kExact.contains(name)) return true;
  return (name == "atom_downloads" || name == "atom_model_downloads") &&
         series.find("window=\"cumulative\"") != std::string::npos;
}

std::string metric_name(const std::string& series) { return series.substr(0, series.find('{')); }

// Prometheus text format samples: "name{labels} value [timestamp]"; label values may hold
// spaces and escaped quotes.
std::map<std::string, double> parse_samples(const std::string& body, const std::set<std::string>& names) {
  std::map<std::string, double> samples;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t end = 0;
    while (end < line.size() && line[end] != '{' && line[end] != ' ') ++end;
    if (!names.contains(line.substr(0, end))) continue;
    if (end < line.size() && line[end] == '{') {
      bool quoted = false;
      for (++end; end < line.size(); ++end) {
        if (quoted && line[end] == '\\') {
          ++end;
        } else if (line[end] == '"') {
          quoted = !quoted;
        } else if (!quoted && line[end] == '}') {
          ++end;
          break;
        }
      }
    }
    std::istringstream rest(line.substr(end));
    std::string value;
    rest >> value;
    samples[line.substr(0, end)] = std::strtod(value.c_str(), nullptr);
  }
  return samples;
}

}  // namespace

std::string write_history(const std::string& dir, const std::string& name, const std::string& until,
                          std::size_t tail_lines, std::size_t* lines) {
  const std::string path = dir + "/" + name;
  const std::string full = tail_lines > 0 ? path + ".full" : path;
  std::string output;
  const std::string command = std::string(ATOMD_BINARY_DIR) + "/atomd-demo-history --until " + until + " --out " +
                              full + " 2>&1";
  if (run_command(command, &output) != 0) throw std::runtime_error(command + " failed: " + output);
  std::size_t count = 0;
  if (tail_lines > 0) {
    std::ifstream in(full, std::ios::binary);
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
      last.push_back(std::move(line));
      if (last.size() > tail_lines) last.pop_front();
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (const auto& line : last) out << line << '\n';
    if (!out) throw std::runtime_error("writing " + path + " failed");
    count = last.size();
    std::remove(full.c_str());
  } else {
    std::ifstream in(path, std::ios::binary);
    for (std::string line; std::getline(in, line);) ++count;
  }
  if (lines) *lines = count;
  return path;
}

std::map<std::string, std::size_t> topic_counts(const std::string& path) {
  std::map<std::string, std::size_t> counts;
  std::ifstream in(path, std::ios::binary);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    ++counts[json::parse(line).value("topic", "")];
  }
  return counts;
}

json status(DaemonProcess& daemon) {
  auto r = daemon.get("/api/v1/status");
  if (r.status != 200) return json::object();
  auto body = json::parse(r.body, nullptr, false);
  return body.is_discarded() ? json::object() : body;
}

std::int64_t records(DaemonProcess& daemon) {
  auto s = status(daemon);
  if (!s.contains("operators") || !s["operators"].contains("records")) return -1;
  return s["operators"]["records"].get<std::int64_t>();
}

const std::vector<std::string>& adoption_gauges() {
  static const std::vector<std::string> names = {
      "atom_downloads",        "atom_downloads_share",         "atom_model_downloads", "atom_derivatives",
      "atom_derivative_share", "atom_derivatives_by_relation", "atom_inference_tokens", "atom_inference_share",
      "atom_model_ram",        "atom_ram_baseline",            "atom_group_rank",      "atom_overtakes_total",
      "atom_threshold_crossings_total", "atom_watermark_timestamp_seconds"};
  return names;
}

Answers collect_answers(DaemonProcess& daemon, AnswerSet set) {
  Answers answers;
  std::vector<std::string> targets = leaderboard_targets();
  if (set == AnswerSet::all) targets.push_back("/api/v1/events");
  for (const auto& target : targets) {
    auto r = daemon.get(target);
    json body = r.status == 200 ? json::parse(r.body, nullptr, false) : json(json::value_t::discarded);
    answers.api[target] = body.is_discarded() ? json{{"http_status", r.status}, {"body", r.body.substr(0, 200)}} : body;
  }
  if (set == AnswerSet::all) {
    auto r = daemon.get("/metrics");
    if (r.status != 200) {
      answers.api["/metrics"] = json{{"http_status", r.status}};
    } else {
      const auto& names = adoption_gauges();
      answers.metrics = parse_samples(r.body, std::set<std::string>(names.begin(), names.end()));
    }
  }
  return answers;
}

Answers collect_settled(DaemonProcess& daemon, AnswerSet set, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Answers last = collect_answers(daemon, set);
  while (std::chrono::steady_clock::now() < deadline && daemon.running()) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    Answers next = collect_answers(daemon, set);
    const bool same = next.api == last.api && next.metrics == last.metrics;
    last = std::move(next);
    if (same) break;
  }
  return last;
}

std::vector<std::string> diff_answers(const Answers& want, const Answers& got, std::size_t max_reported) {
  DiffSink out{max_reported};
  for (const auto& [target, body] : want.api) {
    auto it = got.api.find(target);
    if (it == got.api.end()) {
      out.add(target + ": not collected");
      continue;
    }
    diff_json(target, body, it->second, exact_leaderboard_values(target), out);
  }
  for (const auto& [target, body] : got.api)
    if (!want.api.contains(target)) out.add(target + ": unexpected answer");
  for (const auto& [series, value] : want.metrics) {
    auto it = got.metrics.find(series);
    if (it == got.metrics.end()) {
      out.add("/metrics " + series + ": missing (want " + number_text(value) + ")");
      continue;
    }
    const bool exact = exact_series(metric_name(series), series);
    if (!numbers_equal(value, it->second, exact))
      out.add("/metrics " + series + ": want " + number_text(value) + ", got " + number_text(it->second) +
              (exact ? " (compared exactly)" : ""));
  }
  for (const auto& [series, value] : got.metrics)
    if (!want.metrics.contains(series)) out.add("/metrics " + series + ": unexpected (got " + number_text(value) + ")");
  if (out.total > out.lines.size())
    out.lines.push_back("... and " + std::to_string(out.total - out.lines.size()) + " more differences");
  return out.lines;
}

std::string format_diff(const std::vector<std::string>& diff) {
  std::string text = std::to_string(diff.size()) + " difference(s):\n";
  for (const auto& line : diff) text += "  " + line + "\n";
  return text;
}

std::string log_tail(const DaemonProcess& daemon, std::size_t lines) {
  // One "info event <id>" line per event found: they would fill the tail.
  std::deque<std::string> tail;
  std::istringstream in(daemon.stderr_text());
  for (std::string line; std::getline(in, line);) {
    if (line.find(" info event ") != std::string::npos) continue;
    tail.push_back(std::move(line));
    if (tail.size() > lines) tail.pop_front();
  }
  std::string text = "stderr (last " + std::to_string(tail.size()) + " lines other than events):\n";
  for (const auto& line : tail) text += line + "\n";
  return text;
}

std::vector<std::string> lines_with(const std::string& text, const std::vector<std::string>& needles) {
  std::vector<std::string> found;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (std::all_of(needles.begin(), needles.end(), [&](const std::string& n) { return line.find(n) != std::string::npos; }))
      found.push_back(line);
  return found;
}

std::vector<std::string> dropped_by_broker(const std::string& log) { return lines_with(log, {"offset reset", "not available"}); }

std::string dropped_by_broker_message(const std::vector<std::string>& lines) {
  return "the broker dropped records before they were read (its retention is 5 MiB per partition): " +
         (lines.empty() ? std::string() : lines.front());
}

std::vector<std::string> daemon_args(const std::string& replay, const std::string& state_dir,
                                     std::vector<std::string> extra) {
  std::vector<std::string> args = {"--config", "config/demo.yaml", "--state-dir", state_dir,
                                   "--set",    "state.checkpoint_interval=1s"};
  if (!replay.empty()) {
    args.push_back("--replay");
    args.push_back(replay);
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string broker_bootstrap(DaemonProcess& broker, std::chrono::milliseconds timeout) {
  std::string bootstrap;
  wait_until(
      [&] {
        auto out = broker.stdout_text();
        auto eol = out.find('\n');
        if (eol != std::string::npos) bootstrap = out.substr(0, eol);
        return !bootstrap.empty() || !broker.running();
      },
      timeout);
  return bootstrap;
}

}  // namespace atomd::fault

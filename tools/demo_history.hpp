#pragma once
// The demo's data: a deterministic, calibrated history of daily Hugging Face snapshots of the
// tracked models, derivative sightings and OpenRouter daily token rows, written as a replay
// file (DESIGN §2 "Replay files"). Calibrated to the published figures of The ATOM Report
// (shared/data/atom-report-facts.md).
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/records.hpp"
#include "core/time.hpp"

namespace atomd {

// Shape of a model's daily downloads, per lab and era: a ramp-up after release, a decay from
// launch interest to a plateau, times the growth of that part of the ecosystem.
struct DownloadCurve {
  double ramp_days;        // time constant of the ramp-up
  double decay_days;       // time constant of the decay to the plateau
  double plateau;          // share of the launch-time rate that stays
  double growth_per_year;  // continuous growth of the whole curve per year (0.9: x2.46 a year)
};

// Traits of a demo model that shape its tags and flags.
inline constexpr unsigned kChat = 1;        // a chat/instruct model: "conversational"
inline constexpr unsigned kGated = 2;       // licence acceptance needed before download
inline constexpr unsigned kCustomCode = 4;  // needs trust_remote_code: "custom_code"

struct DemoModel {
  std::string_view repo_id;
  std::string_view release_date;  // YYYY-MM-DD, the HF createdAt's day
  double params_b;                // total parameters in billions (MoE: all experts)
  double downloads_m;             // cumulative downloads in millions at the calibration day
  const DownloadCurve* curve;
  std::string_view pipeline_tag;
  std::string_view license;
  std::string_view base;  // "<relation>:<org/name>" for a derived model, else empty
  unsigned traits = 0;
};

// The catalogue's downloads_m are each model's cumulative downloads on this day's snapshot.
inline constexpr std::string_view kDemoCalibrationDate = "2026-03-31";
DayIndex demo_calibration_day();

// Every demo model: the report's top-10-per-size tables plus each lab's other models.
std::span<const DemoModel> demo_catalogue();

// The file written for `until` ends with that day's snapshots, taken at 06:00 UTC: it holds every
// record whose event time (DESIGN §4) is at or before this instant. So a day's token rows,
// whose event time is the day's last millisecond, come with the next day's `until`.
TimeMs demo_history_end(DayIndex until);

// Derivative sightings (topic hf.derivatives) of the repos created from this month on: per
// month a scaled-down number of new derivatives whose bases' labs follow the report's
// derivative shares (Qwen about 1 % in January 2024, about 69 % in February 2026), each seen
// soon after creation and, mostly, again by the connector's 30-day relist.
inline constexpr std::string_view kDemoDerivativesFrom = "2023-07";
// Every sighting observed by demo_history_end(until), ordered by observed_at, then by
// generation order. Values do not depend on `until`.
std::vector<HfDerivative> demo_derivative_sightings(DayIndex until);

// OpenRouter's daily rankings (topic openrouter.tokens) from the endpoint's first day on: the
// day's top 50 models plus the `other` row, observed the next day at 02:00 UTC; a few days are
// delivered again later with corrected counts. Chinese open models pass US open models in
// OpenRouter tokens (scope open) in June 2025.
inline constexpr std::string_view kDemoOpenRouterFrom = "2025-01-01";
// Every row whose event time is at or before demo_history_end(until), ordered by date, then by
// observed_at, then by rank. Values do not depend on `until`.
std::vector<OpenRouterTokens> demo_token_rows(DayIndex until);
// A token row's event time: the last millisecond of its date (DESIGN §4).
constexpr TimeMs token_event_time(const OpenRouterTokens& row) { return day_end(row.date) - 1; }

// One replay line: {"topic":"<topic>","value":<the encoded record>}.
std::string replay_line(const HfModelSnapshot& snapshot);
std::string replay_line(const HfDerivative& sighting);
std::string replay_line(const OpenRouterTokens& row);

struct DemoHistoryCounts {
  std::size_t hf_models = 0;
  std::size_t hf_derivatives = 0;
  std::size_t openrouter_tokens = 0;

  std::size_t total() const { return hf_models + hf_derivatives + openrouter_tokens; }
};

// Writes every model's snapshots, one a day at 06:00 UTC from its release day through `until`,
// the derivative sightings and the token rows, as replay lines ordered by event time; at equal
// times token rows, then sightings, then snapshots (these in catalogue order). Returns the
// lines written per topic. Values do not depend on `until`: an earlier `until` writes a prefix
// of the file.
DemoHistoryCounts write_demo_history(std::ostream& out, DayIndex until);

}  // namespace atomd

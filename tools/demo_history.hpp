#pragma once
// The demo's data: a deterministic, calibrated history of daily Hugging Face snapshots of the
// tracked models, written as a replay file (DESIGN §2 "Replay files"). Calibrated to the
// published figures of The ATOM Report (shared/data/atom-report-facts.md).
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

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

// One replay line: {"topic":"hf.models","value":<the encoded snapshot>}.
std::string replay_line(const HfModelSnapshot& snapshot);

// Writes every model's snapshots, one a day at 06:00 UTC from its release day through `until`,
// as replay lines ordered by observed_at, then by catalogue order. Returns the line count.
// Values do not depend on `until`: an earlier `until` writes a prefix of the file.
std::size_t write_demo_history(std::ostream& out, DayIndex until);

}  // namespace atomd

#pragma once
// How aggregates are grouped and windowed (DESIGN §6 label values).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace atomd {

enum class GroupBy { org, region, size_bucket };
std::string_view to_string(GroupBy g);
std::optional<GroupBy> parse_group_by(std::string_view s);

enum class DownloadWindow { cumulative, month, d30 };  // label values: cumulative, month, 30d
std::string_view to_string(DownloadWindow w);
std::optional<DownloadWindow> parse_download_window(std::string_view s);

enum class DerivativeWindow { month, d30 };  // label values: month, 30d
std::string_view to_string(DerivativeWindow w);
std::optional<DerivativeWindow> parse_derivative_window(std::string_view s);

enum class InferenceWindow { day, d7, month };  // label values: day, 7d, month
std::string_view to_string(InferenceWindow w);
std::optional<InferenceWindow> parse_inference_window(std::string_view s);

// Inference share denominators: every row incl. `other`, or only rows with an HF id.
enum class InferenceScope { all, open };
std::string_view to_string(InferenceScope s);
std::optional<InferenceScope> parse_inference_scope(std::string_view s);

enum class SeriesWindow { day, month };
std::optional<SeriesWindow> parse_series_window(std::string_view s);

struct GroupValue {
  std::string group;
  double value = 0;
};

// Rows by value descending (ties by group name), with the sum over all groups.
struct Leaderboard {
  std::vector<GroupValue> rows;
  double total = 0;
};

struct SeriesPoint {
  TimeMs t = 0;  // start of the day or month (UTC)
  double value = 0;
};

}  // namespace atomd

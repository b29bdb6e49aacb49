#include "operators/groups.hpp"

namespace atomd {

std::string_view to_string(GroupBy g) {
  switch (g) {
    case GroupBy::org: return "org";
    case GroupBy::region: return "region";
    case GroupBy::size_bucket: return "size_bucket";
  }
  return "org";
}

std::optional<GroupBy> parse_group_by(std::string_view s) {
  for (GroupBy g : {GroupBy::org, GroupBy::region, GroupBy::size_bucket})
    if (to_string(g) == s) return g;
  return std::nullopt;
}

std::string_view to_string(DownloadWindow w) {
  switch (w) {
    case DownloadWindow::cumulative: return "cumulative";
    case DownloadWindow::month: return "month";
    case DownloadWindow::d30: return "30d";
  }
  return "cumulative";
}

std::optional<DownloadWindow> parse_download_window(std::string_view s) {
  for (DownloadWindow w : {DownloadWindow::cumulative, DownloadWindow::month, DownloadWindow::d30})
    if (to_string(w) == s) return w;
  return std::nullopt;
}

std::string_view to_string(DerivativeWindow w) { return w == DerivativeWindow::month ? "month" : "30d"; }

std::optional<DerivativeWindow> parse_derivative_window(std::string_view s) {
  for (DerivativeWindow w : {DerivativeWindow::month, DerivativeWindow::d30})
    if (to_string(w) == s) return w;
  return std::nullopt;
}

std::string_view to_string(InferenceWindow w) {
  switch (w) {
    case InferenceWindow::day: return "day";
    case InferenceWindow::d7: return "7d";
    case InferenceWindow::month: return "month";
  }
  return "day";
}

std::optional<InferenceWindow> parse_inference_window(std::string_view s) {
  for (InferenceWindow w : {InferenceWindow::day, InferenceWindow::d7, InferenceWindow::month})
    if (to_string(w) == s) return w;
  return std::nullopt;
}

std::string_view to_string(InferenceScope s) { return s == InferenceScope::all ? "all" : "open"; }

std::optional<InferenceScope> parse_inference_scope(std::string_view s) {
  if (s == "all") return InferenceScope::all;
  if (s == "open") return InferenceScope::open;
  return std::nullopt;
}

std::optional<SeriesWindow> parse_series_window(std::string_view s) {
  if (s == "day") return SeriesWindow::day;
  if (s == "month") return SeriesWindow::month;
  return std::nullopt;
}

}  // namespace atomd

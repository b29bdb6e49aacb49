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

std::optional<SeriesWindow> parse_series_window(std::string_view s) {
  if (s == "day") return SeriesWindow::day;
  if (s == "month") return SeriesWindow::month;
  return std::nullopt;
}

}  // namespace atomd

#include "daemon/api.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <limits>
#include <variant>

namespace atomd {
namespace {

using nlohmann::json;

ServerResponse json_ok(const json& body) { return ServerResponse{200, "application/json", body.dump()}; }

std::optional<std::string> param(const QueryParams& p, const char* name) {
  auto it = p.find(name);
  if (it == p.end()) return std::nullopt;
  return it->second;
}

// The optional `limit` parameter: SIZE_MAX when absent, nullopt when not a positive integer.
std::optional<std::size_t> parse_limit(const QueryParams& p) {
  auto l = param(p, "limit");
  if (!l) return SIZE_MAX;
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(l->data(), l->data() + l->size(), n);
  if (ec != std::errc{} || ptr != l->data() + l->size() || n == 0) return std::nullopt;
  return n;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

json time_or_null(TimeMs t) { return t == kNoTime ? json(nullptr) : json(format_rfc3339(t)); }

ServerResponse json_error(int status, const std::string& message) {
  return ServerResponse{status, "application/json", json{{"error", message}}.dump()};
}

std::string percent_decode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::pair<std::string, QueryParams> split_target(const std::string& target) {
  auto q = target.find('?');
  std::string path = percent_decode(target.substr(0, q));
  QueryParams params;
  if (q == std::string::npos) return {path, params};
  std::string query = target.substr(q + 1);
  std::size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    std::string item = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    if (!item.empty()) {
      auto eq = item.find('=');
      params[percent_decode(item.substr(0, eq))] = eq == std::string::npos ? "" : percent_decode(item.substr(eq + 1));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return {path, params};
}

std::optional<ServerResponse> Api::handle(const std::string& path, const QueryParams& params) const {
  constexpr std::string_view kModels = "/api/v1/models/";
  if (path.rfind(kModels, 0) == 0) return model(path.substr(kModels.size()));
  if (path == "/api/v1/leaderboard") return leaderboard(params);
  if (path == "/api/v1/series") return series(params);
  if (path == "/api/v1/events") return events(params);
  return std::nullopt;
}

json ram_json(const std::optional<ModelRam>& ram) {
  json out = json::object();
  for (RamBaseline b : kAllRamBaselines) {
    json values = json::object();
    for (std::size_t i = 0; i <= kRamCurrent; ++i) {
      std::string label = i == kRamCurrent ? "current" : std::to_string(kRamCheckpoints[i]);
      const auto& v = ram ? ram->by(b)[i] : std::optional<double>{};
      values[label] = v ? json(*v) : json(nullptr);
    }
    out[std::string(to_string(b))] = std::move(values);
  }
  return out;
}

ServerResponse Api::model(const std::string& repo_id) const {
  if (!is_repo_id(repo_id)) return json_error(400, "model: expected /api/v1/models/{org}/{name}");
  auto reference = reference_.get();
  return topology_.read([&](const TopologyView& view) {
    auto m = view.downloads.model(repo_id, *reference);
    if (!m) return json_error(404, "model " + repo_id + ": unknown");
    json body = {{"repo_id", m->repo_id},
                 {"org", m->org},
                 {"region", to_string(m->region)},
                 {"size_b", m->size_b ? json(*m->size_b) : json(nullptr)},
                 {"size_bucket", m->size_bucket == SizeBucket::unknown ? json(nullptr) : json(to_string(m->size_bucket))},
                 {"release_date", format_date(day_of(m->release_at))},
                 {"downloads", {{"cumulative", m->cumulative}, {"month", m->month}, {"30d", m->d30}, {"hf_30d", m->hf_30d}}},
                 {"ram", ram_json(view.ram.model(repo_id))}};
    return json_ok(body);
  });
}

namespace {

// The parameters every metric's leaderboard shares, parsed and checked.
struct BoardQuery {
  std::string metric;
  GroupBy group_by = GroupBy::org;
  std::string window;
  std::optional<MonthIndex> month;
  InferenceScope scope = InferenceScope::all;
  std::size_t limit = SIZE_MAX;
};

std::variant<BoardQuery, ServerResponse> parse_board_query(const QueryParams& params) {
  BoardQuery q;
  q.metric = param(params, "metric").value_or("");
  if (q.metric != "downloads" && q.metric != "derivatives" && q.metric != "inference")
    return json_error(400, q.metric.empty() ? "metric: required (downloads|derivatives|inference)"
                                            : "metric: '" + q.metric + "' is not served (downloads|derivatives|inference)");
  auto group_by = parse_group_by(param(params, "group_by").value_or(""));
  if (!group_by) return json_error(400, "group_by: expected org|region|size_bucket");
  if (*group_by == GroupBy::size_bucket && q.metric != "downloads")
    return json_error(400, "group_by: size_bucket is served for downloads only; expected org|region for " + q.metric);
  q.group_by = *group_by;
  q.window = param(params, "window").value_or("");
  bool window_ok = q.metric == "downloads"     ? parse_download_window(q.window).has_value()
                   : q.metric == "derivatives" ? parse_derivative_window(q.window).has_value()
                                               : parse_inference_window(q.window).has_value();
  if (!window_ok) {
    const char* expected = q.metric == "downloads" ? "cumulative|month|30d" : q.metric == "derivatives" ? "month|30d" : "day|7d|month";
    return json_error(400, "window: expected " + std::string(expected) + " for " + q.metric);
  }
  if (auto m = param(params, "month")) {
    if (q.window != "month") return json_error(400, "month: only with window=month");
    q.month = parse_month(*m);
    if (!q.month) return json_error(400, "month: expected YYYY-MM");
  }
  if (auto scope = param(params, "scope")) {
    auto parsed = parse_inference_scope(*scope);
    if (!parsed) return json_error(400, "scope: expected all|open");
    if (q.metric != "inference") return json_error(400, "scope: only with metric=inference");
    q.scope = *parsed;
  }
  auto limit = parse_limit(params);
  if (!limit) return json_error(400, "limit: expected a positive integer");
  q.limit = *limit;
  return q;
}

}  // namespace

ServerResponse Api::leaderboard(const QueryParams& params) const {
  auto parsed = parse_board_query(params);
  if (auto* error = std::get_if<ServerResponse>(&parsed)) return *error;
  const BoardQuery& q = std::get<BoardQuery>(parsed);
  auto reference = reference_.get();
  return topology_.read([&](const TopologyView& view) {
    Leaderboard board;
    TimeMs as_of = kNoTime;
    if (q.metric == "downloads") {
      board = view.downloads.leaderboard(q.group_by, *parse_download_window(q.window), q.month, *reference);
      as_of = view.downloads.stream_time();
    } else if (q.metric == "derivatives") {
      board = view.derivatives.leaderboard(q.group_by, *parse_derivative_window(q.window), q.month, *reference);
      as_of = view.derivatives.stream_time();
    } else {
      board = view.inference_leaderboard(q.group_by, *parse_inference_window(q.window), q.scope, q.month, *reference);
      as_of = view.inference.stream_time();
    }
    json rows = json::array();
    for (std::size_t i = 0; i < board.rows.size() && i < q.limit; ++i) {
      const auto& row = board.rows[i];
      rows.push_back({{"group", row.group}, {"value", row.value}, {"share", board.total > 0 ? row.value / board.total : 0.0}});
    }
    return json_ok({{"rows", rows}, {"as_of", time_or_null(as_of)}});
  });
}

ServerResponse Api::series(const QueryParams& params) const {
  auto metric = param(params, "metric").value_or("");
  if (metric != "downloads" && metric != "derivatives" && metric != "inference")
    return json_error(400, "metric: expected downloads|derivatives|inference");
  auto group_by = parse_group_by(param(params, "group_by").value_or(""));
  if (!group_by) return json_error(400, "group_by: expected org|region|size_bucket");
  if (*group_by == GroupBy::size_bucket && metric != "downloads")
    return json_error(400, "group_by: size_bucket is served for downloads only");
  auto group = param(params, "group");
  if (!group || group->empty()) return json_error(400, "group: required");
  auto window = parse_series_window(param(params, "window").value_or(""));
  if (!window) return json_error(400, "window: expected day|month");
  auto scope = parse_inference_scope(param(params, "scope").value_or("all"));
  if (!scope) return json_error(400, "scope: expected all|open");
  auto reference = reference_.get();
  return topology_.read([&](const TopologyView& view) {
    std::vector<SeriesPoint> series;
    if (metric == "downloads") series = view.downloads.series(*group_by, *group, *window, *reference);
    else if (metric == "derivatives") series = view.derivatives.series(*group_by, *group, *window, *reference);
    else series = view.inference.series(*group_by, *group, *window, *scope, *reference);
    json points = json::array();
    for (const auto& p : series) points.push_back({{"t", format_rfc3339(p.t)}, {"value", p.value}});
    return json_ok({{"points", points}});
  });
}

json event_json(const Event& e) { return json::parse(encode(e)); }

ServerResponse Api::events(const QueryParams& params) const {
  std::optional<EventKind> kind;
  if (auto k = param(params, "kind")) {
    kind = parse_event_kind(*k);
    if (!kind) return json_error(400, "kind: expected overtake|threshold");
  }
  auto limit = parse_limit(params);
  if (!limit) return json_error(400, "limit: expected a positive integer");
  return topology_.read([&](const TopologyView& view) {
    json list = json::array();
    for (const auto& e : view.events.list(kind, *limit)) {
      json j = event_json(e);
      j.erase("schema");
      list.push_back(std::move(j));
    }
    return json_ok({{"events", list}});
  });
}

}  // namespace atomd

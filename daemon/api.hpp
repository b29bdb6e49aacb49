#pragma once
// The JSON API (DESIGN §6): models, leaderboard, series; errors are {"error": "..."} with
// 400 for a bad parameter and 404 for an unknown model.
#include <functional>
#include <nlohmann/json.hpp>
#include <map>
#include <optional>
#include <string>

#include "daemon/http_server.hpp"
#include "daemon/topology.hpp"
#include "daemon/reference_holder.hpp"

namespace atomd {

using QueryParams = std::map<std::string, std::string>;
// Splits "path?a=1&b=x%20y" into the path and decoded parameters.
std::pair<std::string, QueryParams> split_target(const std::string& target);
std::string percent_decode(const std::string& text);

class Api {
 public:
  Api(const Topology& topology, const ReferenceHolder& reference) : topology_(topology), reference_(reference) {}

  // Answers /api/v1/models/..., /api/v1/leaderboard, /api/v1/series, /api/v1/events; nullopt
  // for other paths.
  std::optional<ServerResponse> handle(const std::string& path, const QueryParams& params) const;

  ServerResponse model(const std::string& repo_id) const;
  ServerResponse leaderboard(const QueryParams& params) const;
  ServerResponse series(const QueryParams& params) const;
  ServerResponse events(const QueryParams& params) const;

 private:
  const Topology& topology_;
  const ReferenceHolder& reference_;
};

ServerResponse json_error(int status, const std::string& message);
// RFC 3339, or null before any record (kNoTime).
nlohmann::json time_or_null(TimeMs t);
// RAM at every checkpoint for both baselines, null where undefined (DESIGN §6 model API).
nlohmann::json ram_json(const std::optional<ModelRam>& ram);
// An event as on atom.events.v1.
nlohmann::json event_json(const Event& e);

}  // namespace atomd

#pragma once
// Reference data (DESIGN §3): tracked models, org regions, sizes, release-date corrections,
// org aliases. Immutable once built; the daemon swaps in a new instance on reload.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/size.hpp"
#include "core/time.hpp"

namespace atomd {

enum class Region { us, china, eu, other, unknown };
inline constexpr Region kAllRegions[] = {Region::us, Region::china, Region::eu, Region::other, Region::unknown};
std::string_view to_string(Region r);
std::optional<Region> parse_region(std::string_view label);

struct ReferenceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The five reference files' contents (CSV text) and where they came from (for messages).
struct ReferenceTexts {
  std::string tracked_models, tracked_models_source = "tracked_models";
  std::string regions, regions_source = "regions";
  std::string sizes, sizes_source = "sizes";
  std::string release_dates, release_dates_source = "release_dates";
  std::string org_aliases, org_aliases_source = "org_aliases";
};

struct TrackedModel {
  std::string org;
  std::string repo_id;
};

class ReferenceData {
 public:
  ReferenceData() = default;
  // Throws ReferenceError naming the file and line on a malformed row.
  static ReferenceData parse(const ReferenceTexts& texts);

  // Tracked list. Repo ids compare case-insensitively (as the Hub does); the canonical
  // spelling is the list's.
  bool is_tracked(std::string_view repo_id) const;
  std::optional<std::string> canonical_repo_id(std::string_view repo_id) const;
  const std::vector<TrackedModel>& tracked_models() const { return tracked_; }
  // Distinct orgs of the tracked list, as spelled there (the HF `author=` to poll).
  std::vector<std::string> tracked_orgs() const;

  // An org name after aliases (THUDM → zai-org, qwen → Qwen); unknown names unchanged.
  std::string canonical_org(std::string_view org) const;
  // Region of an org (aliases first); absent → unknown.
  Region region_of(std::string_view org) const;

  // Size in billions (DESIGN §4): table, then params_total / 1e9, then the name.
  std::optional<double> size_b(std::string_view repo_id, std::optional<std::int64_t> params_total) const;
  SizeBucket size_bucket(std::string_view repo_id, std::optional<std::int64_t> params_total) const;

  // Release instant (00:00 UTC of the release date): the correction's actual_release_date,
  // unless it falls after `first_snapshot`, else created_at's date.
  TimeMs release_at(std::string_view repo_id, TimeMs created_at, std::optional<TimeMs> first_snapshot) const;

 private:
  // One loader per file; each throws ReferenceError with "<source>:<line>: <problem>".
  void load_tracked(std::string_view text, std::string_view source);
  void load_regions(std::string_view text, std::string_view source);
  void load_sizes(std::string_view text, std::string_view source);
  void load_release_dates(std::string_view text, std::string_view source);
  void load_aliases(std::string_view text, std::string_view source);

  std::vector<TrackedModel> tracked_;
  std::vector<std::string> tracked_orgs_;
  std::unordered_map<std::string, std::size_t> tracked_by_lower_id_;
  std::unordered_map<std::string, std::string> alias_by_lower_;   // lower(alias) → org
  std::unordered_map<std::string, std::string> org_by_lower_;     // spelling from the tracked list, else regions
  std::unordered_map<std::string, Region> region_by_lower_org_;
  std::unordered_map<std::string, double> size_by_lower_id_;
  std::unordered_map<std::string, DayIndex> release_by_lower_id_;
};

}  // namespace atomd

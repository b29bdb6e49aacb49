#include "core/reference.hpp"

#include <charconv>
#include <cmath>

#include "core/csv.hpp"
#include "core/records.hpp"

namespace atomd {
namespace {

constexpr std::string_view kRegionLabels[] = {"us", "china", "eu", "other", "unknown"};

[[noreturn]] void fail(std::string_view source, int line, const std::string& problem) {
  throw ReferenceError(located_message(source, line, problem));
}

// One exception type for every reference-data problem, so the daemon's reload path catches
// one thing and keeps the previous instance.
CsvTable read_table(std::string_view text, std::string_view source) {
  try {
    return parse_csv(text, source);
  } catch (const CsvError& e) {
    throw ReferenceError(e.what());
  }
}

std::size_t require_column(const CsvTable& table, std::string_view name, std::string_view source) {
  try {
    return table.column(name, source);
  } catch (const CsvError& e) {
    throw ReferenceError(e.what());
  }
}

std::optional<double> parse_positive(std::string_view s) {
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || !std::isfinite(value) || value <= 0)
    return std::nullopt;
  return value;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

void require_repo_id(std::string_view id, std::string_view column, std::string_view source, int line) {
  if (id.empty()) fail(source, line, "missing " + std::string(column));
  if (!is_repo_id(id)) fail(source, line, std::string(column) + " " + quoted(id) + " is not org/name");
}

}  // namespace

std::string_view to_string(Region r) { return kRegionLabels[static_cast<int>(r)]; }

std::optional<Region> parse_region(std::string_view label) {
  for (Region r : kAllRegions)
    if (to_string(r) == label) return r;
  return std::nullopt;
}

ReferenceData ReferenceData::parse(const ReferenceTexts& texts) {
  ReferenceData data;
  // The tracked list goes first: its org spelling is the canonical one.
  data.load_tracked(texts.tracked_models, texts.tracked_models_source);
  data.load_regions(texts.regions, texts.regions_source);
  data.load_aliases(texts.org_aliases, texts.org_aliases_source);
  data.load_sizes(texts.sizes, texts.sizes_source);
  data.load_release_dates(texts.release_dates, texts.release_dates_source);
  return data;
}

void ReferenceData::load_tracked(std::string_view text, std::string_view source) {
  auto table = read_table(text, source);
  if (table.header.empty()) return;
  auto org_col = require_column(table, "org", source);
  auto id_col = require_column(table, "modelId", source);
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    const int line = table.line_numbers[i];
    const std::string& org = row[org_col];
    const std::string& id = row[id_col];
    require_repo_id(id, "modelId", source, line);
    if (org.empty()) fail(source, line, "missing org");
    if (ascii_lower(org) != ascii_lower(repo_org(id))) fail(source, line, "org " + quoted(org) + " is not the org of " + quoted(id));
    // A model listed twice is one model; the first spelling stays canonical.
    if (!tracked_by_lower_id_.emplace(ascii_lower(id), tracked_.size()).second) continue;
    tracked_.push_back({org, id});
    if (org_by_lower_.emplace(ascii_lower(org), org).second) tracked_orgs_.push_back(org);
  }
}

void ReferenceData::load_regions(std::string_view text, std::string_view source) {
  auto table = read_table(text, source);
  if (table.header.empty()) return;
  auto org_col = require_column(table, "hf_org", source);
  auto region_col = require_column(table, "region", source);
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    const int line = table.line_numbers[i];
    const std::string& org = row[org_col];
    if (org.empty()) fail(source, line, "missing hf_org");
    auto region = parse_region(row[region_col]);
    if (!region)
      fail(source, line, "bad region " + quoted(row[region_col]) + " (expected us, china, eu, other or unknown)");
    auto [it, inserted] = region_by_lower_org_.emplace(ascii_lower(org), *region);
    if (!inserted && it->second != *region) fail(source, line, "hf_org " + quoted(org) + " listed again with another region");
    org_by_lower_.emplace(ascii_lower(org), org);
  }
}

void ReferenceData::load_aliases(std::string_view text, std::string_view source) {
  auto table = read_table(text, source);
  if (table.header.empty()) return;
  auto alias_col = require_column(table, "alias", source);
  auto org_col = require_column(table, "org", source);
  std::vector<std::pair<std::string, int>> lines;  // ascii_lower(alias), line: for the chain check
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    const int line = table.line_numbers[i];
    const std::string& alias = row[alias_col];
    const std::string& org = row[org_col];
    if (alias.empty()) fail(source, line, "missing alias");
    if (org.empty()) fail(source, line, "missing org");
    auto [it, inserted] = alias_by_lower_.emplace(ascii_lower(alias), org);
    if (!inserted && ascii_lower(it->second) != ascii_lower(org))
      fail(source, line, "alias " + quoted(alias) + " listed again for another org");
    lines.emplace_back(ascii_lower(alias), line);
  }
  // Aliases resolve in one step; a chain would make the result depend on reading order.
  for (const auto& [alias, line] : lines) {
    const std::string& target_org = alias_by_lower_.at(alias);
    auto target = ascii_lower(target_org);
    if (target == alias) continue;  // a spelling-only alias (qwen → Qwen)
    auto next = alias_by_lower_.find(target);
    if (next != alias_by_lower_.end() && ascii_lower(next->second) != target)
      fail(source, line, "org " + quoted(target_org) + " is itself an alias of " + quoted(next->second) +
                             "; point the alias at the final org");
  }
}

void ReferenceData::load_sizes(std::string_view text, std::string_view source) {
  auto table = read_table(text, source);
  if (table.header.empty()) return;
  auto id_col = require_column(table, "model_id", source);
  auto total_col = require_column(table, "total_params_b", source);
  auto active_col = table.find_column("active_params_b");
  auto moe_col = table.find_column("is_moe");
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    const int line = table.line_numbers[i];
    const std::string& id = row[id_col];
    require_repo_id(id, "model_id", source, line);

    std::optional<double> total;
    if (!row[total_col].empty()) {
      total = parse_positive(row[total_col]);
      if (!total) fail(source, line, "total_params_b: bad number " + quoted(row[total_col]));
    }
    if (active_col && !row[*active_col].empty()) {
      auto active = parse_positive(row[*active_col]);
      if (!active) fail(source, line, "active_params_b: bad number " + quoted(row[*active_col]));
      if (total && *active > *total) fail(source, line, "active_params_b is larger than total_params_b");
    }
    if (moe_col && !row[*moe_col].empty()) {
      auto moe = ascii_lower(row[*moe_col]);
      if (moe != "true" && moe != "false")
        fail(source, line, "is_moe: expected true or false, got " + quoted(row[*moe_col]));
    }
    if (!total) continue;  // a row without a total documents the model but gives no size
    auto [it, inserted] = size_by_lower_id_.emplace(ascii_lower(id), *total);
    if (!inserted && it->second != *total)
      fail(source, line, "model_id " + quoted(id) + " listed again with another total_params_b");
  }
}

void ReferenceData::load_release_dates(std::string_view text, std::string_view source) {
  auto table = read_table(text, source);
  if (table.header.empty()) return;
  auto id_col = require_column(table, "model_id", source);
  auto actual_col = require_column(table, "actual_release_date", source);
  auto created_col = table.find_column("hf_created_at");
  for (std::size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    const int line = table.line_numbers[i];
    const std::string& id = row[id_col];
    require_repo_id(id, "model_id", source, line);
    if (created_col && !row[*created_col].empty() && !parse_date(row[*created_col]))
      fail(source, line, "hf_created_at: bad date " + quoted(row[*created_col]) + " (expected YYYY-MM-DD)");
    const std::string& actual_text = row[actual_col];
    if (actual_text.empty()) fail(source, line, "missing actual_release_date");
    auto actual = parse_date(actual_text);
    if (!actual) fail(source, line, "actual_release_date: bad date " + quoted(actual_text) + " (expected YYYY-MM-DD)");
    auto [it, inserted] = release_by_lower_id_.emplace(ascii_lower(id), *actual);
    if (!inserted && it->second != *actual)
      fail(source, line, "model_id " + quoted(id) + " listed again with another actual_release_date");
  }
}

bool ReferenceData::is_tracked(std::string_view repo_id) const {
  return tracked_by_lower_id_.contains(ascii_lower(repo_id));
}

std::optional<std::string> ReferenceData::canonical_repo_id(std::string_view repo_id) const {
  auto it = tracked_by_lower_id_.find(ascii_lower(repo_id));
  if (it == tracked_by_lower_id_.end()) return std::nullopt;
  return tracked_[it->second].repo_id;
}

std::vector<std::string> ReferenceData::tracked_orgs() const { return tracked_orgs_; }

std::string ReferenceData::canonical_org(std::string_view org) const {
  std::string name(org);
  if (auto alias = alias_by_lower_.find(ascii_lower(org)); alias != alias_by_lower_.end()) name = alias->second;
  if (auto spelled = org_by_lower_.find(ascii_lower(name)); spelled != org_by_lower_.end()) return spelled->second;
  return name;
}

Region ReferenceData::region_of(std::string_view org) const {
  auto it = region_by_lower_org_.find(ascii_lower(canonical_org(org)));
  return it == region_by_lower_org_.end() ? Region::unknown : it->second;
}

std::optional<double> ReferenceData::size_b(std::string_view repo_id, std::optional<std::int64_t> params_total) const {
  std::optional<double> table_b;
  if (auto it = size_by_lower_id_.find(ascii_lower(repo_id)); it != size_by_lower_id_.end()) table_b = it->second;
  std::optional<double> params;
  if (params_total) params = static_cast<double>(*params_total);
  return resolve_size_b(table_b, params, repo_id);
}

SizeBucket ReferenceData::size_bucket(std::string_view repo_id, std::optional<std::int64_t> params_total) const {
  return size_bucket_of(size_b(repo_id, params_total));
}

TimeMs ReferenceData::release_at(std::string_view repo_id, TimeMs created_at,
                                 std::optional<TimeMs> first_snapshot) const {
  auto it = release_by_lower_id_.find(ascii_lower(repo_id));
  // A correction dated after we already saw the repo cannot be its release; trust the Hub.
  if (it != release_by_lower_id_.end() && (!first_snapshot || day_start(it->second) <= *first_snapshot))
    return day_start(it->second);
  return day_start(day_of(created_at));
}

}  // namespace atomd

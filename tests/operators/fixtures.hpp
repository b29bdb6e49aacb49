#pragma once
// Shared fixtures for the operators tests: reference data from literal CSV text, times from
// RFC 3339 literals, snapshots and contributions built field by field.
#include <optional>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "core/reference.hpp"
#include "core/time.hpp"
#include "operators/downloads.hpp"

namespace atomd::testing {

inline TimeMs at(const char* rfc3339) { return *parse_rfc3339(rfc3339); }
inline DayIndex day(const char* date) { return *parse_date(date); }
inline MonthIndex month(const char* yyyy_mm) { return *parse_month(yyyy_mm); }

// Regions for Qwen (china), meta-llama (us), mistralai (eu), zai-org (china); THUDM is not in
// the table, so it is `unknown` unless the alias THUDM → zai-org is loaded.
inline ReferenceData test_reference(bool thudm_alias) {
  ReferenceTexts t;
  t.tracked_models =
      "org,model,modelId\n"
      "Qwen,Qwen2.5-7B,Qwen/Qwen2.5-7B\n"
      "meta-llama,Llama-3.1-8B,meta-llama/Llama-3.1-8B\n"
      "mistralai,Mistral-Large-Instruct-2407,mistralai/Mistral-Large-Instruct-2407\n"
      "THUDM,glm-4-9b,THUDM/glm-4-9b\n"
      "MiniMaxAI,MiniMax-M2.1,MiniMaxAI/MiniMax-M2.1\n";
  t.regions =
      "hf_org,region,notes\n"
      "Qwen,china,\n"
      "meta-llama,us,\n"
      "mistralai,eu,\n"
      "zai-org,china,\n"
      "MiniMaxAI,china,\n";
  t.sizes =
      "model_id,total_params_b,active_params_b,is_moe,notes\n"
      "meta-llama/Llama-3.1-8B,8,,,\n"
      "mistralai/Mistral-Large-Instruct-2407,123,,,\n";
  t.release_dates =
      "# Manual release date corrections\n"
      "model_id,hf_created_at,actual_release_date,notes\n"
      "MiniMaxAI/MiniMax-M2.1,2025-12-20,2025-12-23,3 days early\n";
  t.org_aliases = thudm_alias ? "alias,org\nTHUDM,zai-org\n" : "alias,org\n";
  return ReferenceData::parse(t);
}

inline HfModelSnapshot snapshot(const std::string& repo_id, const char* observed_at, const char* created_at,
                                std::int64_t all_time, std::int64_t downloads_30d = 0,
                                std::optional<std::int64_t> params_total = std::nullopt) {
  HfModelSnapshot s;
  s.repo_id = repo_id;
  s.org = std::string(repo_org(repo_id));
  s.observed_at = at(observed_at);
  s.created_at = at(created_at);
  s.downloads_all_time = all_time;
  s.downloads_30d = downloads_30d;
  s.params_total = params_total;
  return s;
}

struct DayValue {
  const char* date;
  double downloads;
};

inline DownloadContribution contribution(const std::string& repo_id, const char* observed_at, const char* created_at,
                                         std::int64_t all_time, std::vector<DayValue> days,
                                         std::optional<std::int64_t> params_total = std::nullopt,
                                         std::int64_t downloads_30d = 0) {
  DownloadContribution c;
  c.repo_id = repo_id;
  c.org = std::string(repo_org(repo_id));
  c.observed_at = at(observed_at);
  c.created_at = at(created_at);
  c.release_at = day_start(day_of(c.created_at));
  c.downloads_all_time = all_time;
  c.downloads_30d = downloads_30d;
  c.params_total = params_total;
  for (const DayValue& d : days) c.increments.push_back({day(d.date), d.downloads});
  return c;
}

}  // namespace atomd::testing

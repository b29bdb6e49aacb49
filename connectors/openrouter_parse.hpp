#pragma once
// Pure parsing of OpenRouter's two answers (no I/O) and the join that turns a day's ranking
// rows into atom.openrouter.tokens.v1 records (DESIGN §2, §4 "Inference share").
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/records.hpp"
#include "core/reference.hpp"
#include "core/time.hpp"

namespace atomd {

// The first day GET /api/v1/datasets/rankings-daily serves (2025-01-01).
inline constexpr DayIndex kOpenRouterFirstDay = 20089;

// hugging_face_id per model of GET /api/v1/models; nullopt marks a closed model (the field
// absent, null or ""). Looked up by canonical_slug, else by id: a rankings permaslug is a
// dated canonical_slug ("qwen/qwen3-8b-04-28") but an undated one may only match an id.
class OpenRouterModelIndex {
 public:
  void add(const std::string& id, const std::optional<std::string>& canonical_slug,
           const std::optional<std::string>& hugging_face_id);
  void merge(const OpenRouterModelIndex& other);
  // The entry for a join key: canonical_slug first, then id; nullptr when neither matches.
  const std::optional<std::string>* find(std::string_view join_key) const;
  std::size_t size() const { return by_id_.size(); }

 private:
  std::unordered_map<std::string, std::optional<std::string>> by_canonical_slug_;
  std::unordered_map<std::string, std::optional<std::string>> by_id_;
};

struct OpenRouterModelsPage {
  OpenRouterModelIndex models;
  std::size_t entries = 0;           // data[] entries, rejected ones included
  std::optional<std::string> next;   // links.next as written (possibly relative)
  bool malformed = false;            // not {"data": [...]}: one rejection, no models
  std::vector<Rejection> rejected;   // one per bad entry
};

// {"data": [{"id", "canonical_slug"?, "hugging_face_id"?, ...}], "links"?: {"next"?}}.
OpenRouterModelsPage parse_openrouter_models(std::string_view body);

// One row of rankings-daily: a model's (or the `other` row's) total tokens on one UTC day.
struct OpenRouterRankingRow {
  DayIndex date = 0;
  std::string permaslug;  // model_permaslug, ":variant" suffix kept
  std::int64_t tokens = 0;
  bool operator==(const OpenRouterRankingRow&) const = default;
};

struct OpenRouterRankingsPage {
  std::vector<OpenRouterRankingRow> rows;
  bool malformed = false;  // not {"data": [...]}: one rejection, no rows
  std::vector<Rejection> rejected;
};

// {"data": [{"date": "YYYY-MM-DD", "model_permaslug": "...", "total_tokens": "123"}], "meta": {...}}.
// total_tokens must be a string of decimal digits that fits in int64 (else bad_value).
OpenRouterRankingsPage parse_rankings_daily(std::string_view body);

// "qwen/qwen3-8b-04-28:free" → "qwen/qwen3-8b-04-28": the permaslug without its variant.
std::string_view openrouter_join_key(std::string_view permaslug);

// One row as a record: slug = the full permaslug; hf_id = the joined model's hugging_face_id
// when it is a well-formed repo id; org = that id's namespace, else the permaslug's author,
// either through reference.canonical_org (aliases). The `other` row: slug and org "other".
OpenRouterTokens join_ranking_row(const OpenRouterRankingRow& row, const OpenRouterModelIndex& models,
                                  const ReferenceData& reference, TimeMs observed_at);

}  // namespace atomd

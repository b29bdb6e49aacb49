#include "connectors/openrouter_parse.hpp"

#include <nlohmann/json.hpp>

#include <limits>

namespace atomd {
namespace {

using nlohmann::json;

// An absent key and a null value mean the same on OpenRouter's answers.
const json* find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// The document's `data` array, or why the whole answer is unusable.
const json* data_array(const json& document, std::optional<Rejection>& error) {
  if (document.is_discarded()) {
    error = Rejection{RejectReason::malformed_json, "page: not valid JSON"};
    return nullptr;
  }
  const json* data = document.is_object() ? find(document, "data") : nullptr;
  if (!data || !data->is_array()) {
    error = Rejection{RejectReason::malformed_json, "page: expected an object with a \"data\" array"};
    return nullptr;
  }
  return data;
}

std::string clipped(const std::string& text, std::size_t n) { return text.size() > n ? text.substr(0, n) + "..." : text; }

// Fills one /models entry into the index or returns why it is rejected.
std::optional<Rejection> read_model(const json& entry, OpenRouterModelIndex& index) {
  if (!entry.is_object()) return Rejection{RejectReason::wrong_type, "entry: expected object"};
  const json* id = find(entry, "id");
  if (!id) return Rejection{RejectReason::missing_field, "id: missing"};
  if (!id->is_string()) return Rejection{RejectReason::wrong_type, "id: expected string"};
  std::string model = id->get<std::string>();
  if (model.empty()) return Rejection{RejectReason::bad_value, "id: empty"};
  const std::string who = " (model " + clipped(model, 120) + ")";

  std::optional<std::string> canonical_slug;
  if (const json* v = find(entry, "canonical_slug")) {
    if (!v->is_string()) return Rejection{RejectReason::wrong_type, "canonical_slug: expected string" + who};
    if (!v->get_ref<const std::string&>().empty()) canonical_slug = v->get<std::string>();
  }
  std::optional<std::string> hugging_face_id;
  if (const json* v = find(entry, "hugging_face_id")) {
    if (!v->is_string()) return Rejection{RejectReason::wrong_type, "hugging_face_id: expected string" + who};
    if (!v->get_ref<const std::string&>().empty()) hugging_face_id = v->get<std::string>();
  }
  index.add(model, canonical_slug, hugging_face_id);
  return std::nullopt;
}

// total_tokens: a string of decimal digits (the API sends bigints as strings).
std::optional<Rejection> read_tokens(const std::string& text, std::int64_t& tokens) {
  const std::string shown = "'" + clipped(text, 30) + "'";
  if (!text.empty() && text.front() == '-')
    return Rejection{RejectReason::bad_value, "total_tokens: negative: " + shown};
  if (text.empty()) return Rejection{RejectReason::bad_value, "total_tokens: empty"};
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return Rejection{RejectReason::bad_value, "total_tokens: not a whole number: " + shown};
    int digit = c - '0';
    if (value > (kMax - digit) / 10) return Rejection{RejectReason::bad_value, "total_tokens: too large: " + shown};
    value = value * 10 + digit;
  }
  tokens = value;
  return std::nullopt;
}

// "other", or "author/name[:variant]" with no spaces or control characters.
bool is_permaslug(std::string_view slug) {
  if (slug == kOtherSlug) return true;
  auto slash = slug.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == slug.size()) return false;
  for (char c : slug)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  return true;
}

// Fills one rankings row or returns why it is rejected; the detail names the row when it can.
std::optional<Rejection> read_row(const json& entry, OpenRouterRankingRow& row) {
  if (!entry.is_object()) return Rejection{RejectReason::wrong_type, "row: expected object"};
  auto string_field = [&](const char* key, std::string& out) -> std::optional<Rejection> {
    const json* v = find(entry, key);
    if (!v) return Rejection{RejectReason::missing_field, std::string(key) + ": missing"};
    if (!v->is_string()) return Rejection{RejectReason::wrong_type, std::string(key) + ": expected string"};
    out = v->get<std::string>();
    return std::nullopt;
  };
  std::string date, slug, tokens;
  std::optional<Rejection> error = string_field("model_permaslug", slug);
  if (!error && !is_permaslug(slug))
    error = Rejection{RejectReason::bad_value, "model_permaslug: not author/name or other: '" + clipped(slug, 80) + "'"};
  if (!error) error = string_field("date", date);
  if (!error) {
    auto day = parse_date(date);
    if (day) row.date = *day;
    else error = Rejection{RejectReason::bad_value, "date: not YYYY-MM-DD: '" + clipped(date, 30) + "'"};
  }
  if (!error) error = string_field("total_tokens", tokens);
  if (!error) error = read_tokens(tokens, row.tokens);
  if (!error) {
    row.permaslug = std::move(slug);
    return std::nullopt;
  }
  // Name the row too, so a log line leads to it.
  if (!slug.empty() && error->detail.rfind("model_permaslug:", 0) != 0) {
    error->detail += " (" + clipped(slug, 120);
    if (!date.empty() && error->detail.rfind("date:", 0) != 0) error->detail += "@" + clipped(date, 30);
    error->detail += ")";
  }
  return error;
}

}  // namespace

void OpenRouterModelIndex::add(const std::string& id, const std::optional<std::string>& canonical_slug,
                               const std::optional<std::string>& hugging_face_id) {
  by_id_[id] = hugging_face_id;
  // Variants of one model share a canonical_slug; an open entry wins over a closed one.
  if (canonical_slug) {
    auto [it, added] = by_canonical_slug_.try_emplace(*canonical_slug, hugging_face_id);
    if (!added && !it->second) it->second = hugging_face_id;
  }
}

void OpenRouterModelIndex::merge(const OpenRouterModelIndex& other) {
  for (const auto& [id, hf] : other.by_id_) by_id_[id] = hf;
  for (const auto& [slug, hf] : other.by_canonical_slug_) {
    auto [it, added] = by_canonical_slug_.try_emplace(slug, hf);
    if (!added && !it->second) it->second = hf;
  }
}

const std::optional<std::string>* OpenRouterModelIndex::find(std::string_view join_key) const {
  std::string key(join_key);
  if (auto it = by_canonical_slug_.find(key); it != by_canonical_slug_.end()) return &it->second;
  if (auto it = by_id_.find(key); it != by_id_.end()) return &it->second;
  return nullptr;
}

OpenRouterModelsPage parse_openrouter_models(std::string_view body) {
  OpenRouterModelsPage page;
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::optional<Rejection> error;
  const json* data = data_array(document, error);
  if (!data) {
    page.malformed = true;
    page.rejected.push_back(std::move(*error));
    return page;
  }
  page.entries = data->size();
  for (const auto& entry : *data) {
    if (auto rejection = read_model(entry, page.models)) page.rejected.push_back(std::move(*rejection));
  }
  if (const json* links = find(document, "links"); links && links->is_object()) {
    if (const json* next = find(*links, "next"); next && next->is_string() && !next->get_ref<const std::string&>().empty())
      page.next = next->get<std::string>();
  }
  return page;
}

OpenRouterRankingsPage parse_rankings_daily(std::string_view body) {
  OpenRouterRankingsPage page;
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  std::optional<Rejection> error;
  const json* data = data_array(document, error);
  if (!data) {
    page.malformed = true;
    page.rejected.push_back(std::move(*error));
    return page;
  }
  page.rows.reserve(data->size());
  for (const auto& entry : *data) {
    OpenRouterRankingRow row;
    if (auto rejection = read_row(entry, row)) page.rejected.push_back(std::move(*rejection));
    else page.rows.push_back(std::move(row));
  }
  return page;
}

std::string_view openrouter_join_key(std::string_view permaslug) {
  auto slash = permaslug.find('/');
  if (slash == std::string_view::npos) return permaslug;
  return permaslug.substr(0, permaslug.find(':', slash));
}

OpenRouterTokens join_ranking_row(const OpenRouterRankingRow& row, const OpenRouterModelIndex& models,
                                  const ReferenceData& reference, TimeMs observed_at) {
  OpenRouterTokens t;
  t.date = row.date;
  t.slug = row.permaslug;
  t.observed_at = observed_at;
  t.tokens = row.tokens;
  if (row.permaslug == kOtherSlug) {
    t.org = std::string(kOtherSlug);
    return t;
  }
  if (const auto* hf = models.find(openrouter_join_key(row.permaslug)); hf && *hf && is_repo_id(**hf)) t.hf_id = **hf;
  t.org = reference.canonical_org(t.hf_id ? repo_org(*t.hf_id) : repo_org(row.permaslug));
  return t;
}

}  // namespace atomd

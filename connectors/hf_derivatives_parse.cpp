#include "connectors/hf_derivatives_parse.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace atomd {
namespace {

using nlohmann::json;

constexpr std::string_view kBaseModelTag = "base_model:";
constexpr Relation kTagRelations[] = {Relation::finetune, Relation::adapter, Relation::quantized, Relation::merge};

std::string in_quotes(std::string_view value) { return "'" + std::string(value.substr(0, 80)) + "'"; }

std::string of_repo(std::string_view repo_id) {
  return repo_id.empty() ? std::string{} : " (" + std::string(repo_id.substr(0, 120)) + ")";
}

// The relation a specific tag gives, or nullopt for a plain `base_model:<id>` tag; `id` is
// what the tag names.
std::optional<Relation> split_base_tag(std::string_view rest, std::string_view& id) {
  for (Relation relation : kTagRelations) {
    std::string_view name = to_string(relation);
    if (rest.size() > name.size() && rest.substr(0, name.size()) == name && rest[name.size()] == ':') {
      id = rest.substr(name.size() + 1);
      return relation;
    }
  }
  id = rest;
  return std::nullopt;
}

// Collects distinct bases; keys are lowercased ids.
class BaseSet {
 public:
  explicit BaseSet(std::string_view repo_id) : repo_id_(repo_id), self_key_(ascii_lower(repo_id)) {}

  void add(std::string_view base, Relation relation) {
    std::string key = ascii_lower(base);
    if (key == self_key_) return;
    auto it = std::find(keys_.begin(), keys_.end(), key);
    if (it == keys_.end()) {
      keys_.push_back(std::move(key));
      result_.relations.push_back({relation, std::string(base)});
      return;
    }
    Relation& kept = result_.relations[static_cast<std::size_t>(it - keys_.begin())].relation;
    // A specific relation beats unspecified; between specific ones the enum's order decides.
    if (relation != Relation::unspecified && (kept == Relation::unspecified || relation < kept)) kept = relation;
  }

  void bad(std::string_view field, std::string_view what) {
    if (!result_.rejection)
      result_.rejection = Rejection{RejectReason::bad_relation, std::string(field) + ": " + std::string(what) + of_repo(repo_id_)};
  }

  ModelRelations take() { return std::move(result_); }

 private:
  std::string_view repo_id_;
  std::string self_key_;
  std::vector<std::string> keys_;
  ModelRelations result_;
};

const json* find(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// What one model object names: its tags and cardData.base_model, read leniently enough to
// tell structural problems (the entry is unusable) from bad bases (only they are dropped).
struct RelationSources {
  std::vector<std::string> tags;
  std::vector<std::string> card_bases;
  std::optional<Rejection> structure_error;  // wrong_type: tags or cardData unusable
  bool card_wrong_type = false;              // base_model, or one of its items, is not a string
};

RelationSources read_relation_sources(const json& entry, std::string_view repo_id) {
  RelationSources sources;
  if (const json* tags = find(entry, "tags")) {
    bool ok = tags->is_array() && std::all_of(tags->begin(), tags->end(), [](const json& t) { return t.is_string(); });
    if (!ok) {
      sources.structure_error = Rejection{RejectReason::wrong_type, "tags: expected array of strings" + of_repo(repo_id)};
      return sources;
    }
    for (const auto& tag : *tags) sources.tags.push_back(tag.get<std::string>());
  }
  const json* card = find(entry, "cardData");
  if (!card) return sources;
  if (!card->is_object()) {
    sources.structure_error = Rejection{RejectReason::wrong_type, "cardData: expected object" + of_repo(repo_id)};
    return sources;
  }
  const json* base_model = find(*card, "base_model");
  if (!base_model) return sources;
  if (base_model->is_string()) {
    sources.card_bases.push_back(base_model->get<std::string>());
  } else if (base_model->is_array()) {
    for (const auto& item : *base_model) {
      if (item.is_string()) sources.card_bases.push_back(item.get<std::string>());
      else if (!item.is_null()) sources.card_wrong_type = true;
    }
  } else {
    sources.card_wrong_type = true;
  }
  return sources;
}

ModelRelations relations_from_sources(std::string_view repo_id, const RelationSources& sources) {
  ModelRelations relations = relations_of(repo_id, sources.tags, sources.card_bases);
  if (sources.card_wrong_type && !relations.rejection)
    relations.rejection = Rejection{RejectReason::bad_relation,
                                    "cardData.base_model: expected a string or a list of strings" + of_repo(repo_id)};
  return relations;
}

// HF's `downloads`: a non-negative whole number (JSON may spell it as a float).
std::optional<Rejection> read_downloads(const json& entry, std::int64_t& out) {
  const json* v = find(entry, "downloads");
  if (!v) return Rejection{RejectReason::missing_field, "downloads: missing"};
  if (v->is_number_unsigned()) {
    auto n = v->get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(INT64_MAX)) return Rejection{RejectReason::bad_value, "downloads: too large"};
    out = static_cast<std::int64_t>(n);
    return std::nullopt;
  }
  if (v->is_number_integer()) {
    out = v->get<std::int64_t>();
    if (out < 0) return Rejection{RejectReason::bad_value, "downloads: negative"};
    return std::nullopt;
  }
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (!(d >= 0 && d < 9.2e18) || d != static_cast<double>(static_cast<std::int64_t>(d)))
      return Rejection{RejectReason::bad_value, "downloads: expected a non-negative whole number"};
    out = static_cast<std::int64_t>(d);
    return std::nullopt;
  }
  return Rejection{RejectReason::wrong_type, "downloads: expected number"};
}

// The checks a derivative's own fields must pass; the first failure, named like the Hub's field.
std::optional<Rejection> read_derivative_fields(const json& entry, const HfListedModel& listed, HfDerivative& d) {
  const json* id = find(entry, "id");
  if (!id) return Rejection{RejectReason::missing_field, "id: missing"};
  if (!id->is_string()) return Rejection{RejectReason::wrong_type, "id: expected string"};
  if (!is_repo_id(listed.repo_id))
    return Rejection{RejectReason::bad_value, "id: not an org/name repo id: " + in_quotes(listed.repo_id)};
  const json* created = find(entry, "createdAt");
  if (!created) return Rejection{RejectReason::missing_field, "createdAt: missing"};
  if (!created->is_string()) return Rejection{RejectReason::wrong_type, "createdAt: expected string"};
  if (!listed.created_at)
    return Rejection{RejectReason::bad_value, "createdAt: not an RFC 3339 time: " + in_quotes(created->get<std::string>().substr(0, 40))};
  if (auto rejection = read_downloads(entry, d.downloads_30d)) return rejection;
  d.repo_id = listed.repo_id;
  d.created_at = *listed.created_at;
  return std::nullopt;
}

HfListedModel read_entry(const json& entry, TimeMs observed_at) {
  HfListedModel listed;
  if (!entry.is_object()) {
    listed.rejection = Rejection{RejectReason::wrong_type, "entry: expected object"};
    return listed;
  }
  if (const json* id = find(entry, "id"); id && id->is_string()) listed.repo_id = id->get<std::string>();
  if (const json* created = find(entry, "createdAt"); created && created->is_string())
    listed.created_at = parse_rfc3339(created->get<std::string>());

  RelationSources sources = read_relation_sources(entry, listed.repo_id);
  if (sources.structure_error) {
    listed.rejection = std::move(sources.structure_error);
    return listed;
  }
  ModelRelations relations = relations_from_sources(listed.repo_id, sources);
  listed.rejection = std::move(relations.rejection);
  if (relations.relations.empty()) return listed;  // not a derivative (or only bad bases)

  HfDerivative derivative;
  if (auto rejection = read_derivative_fields(entry, listed, derivative)) {
    if (rejection->detail.rfind("id:", 0) != 0) rejection->detail += of_repo(listed.repo_id);
    listed.rejection = std::move(rejection);
    return listed;
  }
  derivative.observed_at = observed_at;
  derivative.relations = std::move(relations.relations);
  listed.derivative = std::move(derivative);
  return listed;
}

}  // namespace

ModelRelations relations_of(std::string_view repo_id, const std::vector<std::string>& tags,
                            const std::vector<std::string>& card_base_models) {
  BaseSet bases(repo_id);
  for (const auto& tag : tags) {
    std::string_view text(tag);
    if (text.substr(0, kBaseModelTag.size()) != kBaseModelTag) continue;
    std::string_view id;
    auto relation = split_base_tag(text.substr(kBaseModelTag.size()), id);
    if (!is_repo_id(id)) {
      bases.bad("tags", "not an org/name repo id: " + in_quotes(tag));
      continue;
    }
    bases.add(id, relation.value_or(Relation::unspecified));
  }
  for (const auto& base : card_base_models) {
    if (!is_repo_id(base)) {
      bases.bad("cardData.base_model", "not an org/name repo id: " + in_quotes(base));
      continue;
    }
    bases.add(base, Relation::unspecified);
  }
  return bases.take();
}

ModelRelations parse_model_relations(std::string_view model_json) {
  json entry = json::parse(model_json, nullptr, /*allow_exceptions=*/false);
  if (entry.is_discarded()) return {{}, Rejection{RejectReason::malformed_json, "model: not valid JSON"}};
  if (!entry.is_object()) return {{}, Rejection{RejectReason::malformed_json, "model: expected a JSON object"}};
  std::string repo_id;
  if (const json* id = find(entry, "id"); id && id->is_string()) repo_id = id->get<std::string>();
  RelationSources sources = read_relation_sources(entry, repo_id);
  if (sources.structure_error) return {{}, std::move(sources.structure_error)};
  return relations_from_sources(repo_id, sources);
}

std::vector<HfDerivative> HfDerivativesPage::derivatives() const {
  std::vector<HfDerivative> out;
  for (const auto& model : models)
    if (model.derivative) out.push_back(*model.derivative);
  return out;
}

std::vector<Rejection> HfDerivativesPage::rejections() const {
  std::vector<Rejection> out;
  if (malformed) out.push_back(*malformed);
  for (const auto& model : models)
    if (model.rejection) out.push_back(*model.rejection);
  return out;
}

HfDerivativesPage parse_derivatives_page(std::string_view body, TimeMs observed_at) {
  HfDerivativesPage page;
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    page.malformed = Rejection{RejectReason::malformed_json, "page: not valid JSON"};
    return page;
  }
  if (!document.is_array()) {
    page.malformed = Rejection{RejectReason::malformed_json, "page: expected a JSON array of models"};
    return page;
  }
  page.models.reserve(document.size());
  for (const auto& entry : document) page.models.push_back(read_entry(entry, observed_at));
  return page;
}

}  // namespace atomd

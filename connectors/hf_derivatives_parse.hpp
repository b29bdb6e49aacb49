#pragma once
// Pure parsing for the hf_derivatives poller (no I/O): the model listing answered by
// GET /api/models?sort=createdAt&expand[]=createdAt&expand[]=downloads&expand[]=tags&expand[]=cardData
// and the base-model relations of one model (DESIGN §4 "Derivatives").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/records.hpp"
#include "core/time.hpp"

namespace atomd {

// The bases one model names, and the first problem met while reading them.
struct ModelRelations {
  std::vector<DerivativeBase> relations;  // distinct well-formed bases, in order of first mention
  std::optional<Rejection> rejection;     // bad_relation: a base that is not an org/name id (dropped)
};

// The rules, on values already read from a model object:
// - tag `base_model:{finetune|adapter|quantized|merge}:<id>` names <id> with that relation;
//   tag `base_model:<id>` and every `card_base_models` entry name <id> as `unspecified`
//   unless a relation tag names the same base;
// - bases compare case-insensitively (the Hub does); the first spelling met is kept, tags
//   before cardData;
// - a base equal to `repo_id` is dropped;
// - two relation tags naming one base with different relations: the first of finetune,
//   adapter, quantized, merge wins (Relation's order), whatever the order of the tags;
// - a tag `base_model:...` or a card entry that does not give a well-formed id (is_repo_id)
//   is dropped and reported as bad_relation; the other bases stand.
ModelRelations relations_of(std::string_view repo_id, const std::vector<std::string>& tags,
                            const std::vector<std::string>& card_base_models);

// The same on one model object as JSON text (GET /api/models/{id}, or one listing entry):
// reads `id`, `tags` and `cardData.base_model` (a string or a list of strings). A body that is
// not a JSON object gives malformed_json; `tags` that is not a list of strings, or `cardData`
// that is not an object, gives wrong_type; a `base_model` that is neither a string nor a list,
// or a list item that is not a string, is a bad_relation like a malformed id.
ModelRelations parse_model_relations(std::string_view model_json);

// One element of a listing page, in listing order.
struct HfListedModel {
  std::string repo_id;                      // "" when the entry has no string id
  std::optional<TimeMs> created_at;         // nullopt when missing or not RFC 3339
  std::optional<HfDerivative> derivative;   // the entry names at least one well-formed base and is valid
  std::optional<Rejection> rejection;       // why the entry, or one of its bases, was dropped
};

struct HfDerivativesPage {
  std::vector<HfListedModel> models;  // one per array element
  std::optional<Rejection> malformed;  // the body is not a JSON array: no models

  std::vector<HfDerivative> derivatives() const;
  std::vector<Rejection> rejections() const;  // `malformed`, then the entries' in order
};

// An entry that names no base is not a derivative and not a rejection. A derivative needs
// `id` (org/name), `createdAt` (RFC 3339) and `downloads` (HF's rolling 30 days, a
// non-negative whole number); otherwise the entry is rejected (missing_field, wrong_type,
// bad_value). A derivative whose bases were partly dropped keeps both its record and the
// bad_relation rejection. Every derivative gets `observed_at`.
HfDerivativesPage parse_derivatives_page(std::string_view body, TimeMs observed_at);

}  // namespace atomd

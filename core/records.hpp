#pragma once
// The messages on atomd's topics (DESIGN §2): typed records, their JSON encoding, and
// validation that names why a message was rejected.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/time.hpp"

namespace atomd {

inline constexpr int kSchemaVersion = 1;

enum class RejectReason { malformed_json, missing_field, wrong_type, bad_value, bad_relation };
std::string_view to_string(RejectReason reason);

struct Rejection {
  RejectReason reason;
  std::string detail;  // e.g. "repo_id: missing"
};

// Either a decoded record or why it was rejected.
template <class T>
class Decoded {
 public:
  Decoded(T value) : v_(std::move(value)) {}
  Decoded(Rejection r) : v_(std::move(r)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<T>(v_); }
  T& value() { return std::get<T>(v_); }
  const T* operator->() const { return &value(); }
  const Rejection& rejection() const { return std::get<Rejection>(v_); }

 private:
  std::variant<T, Rejection> v_;
};

// atom.hf.models.v1 — one snapshot of one tracked model. Keyed by repo_id.
struct HfModelSnapshot {
  std::string repo_id;  // "org/name"
  std::string org;
  TimeMs observed_at = 0;
  TimeMs created_at = 0;
  std::int64_t downloads_30d = 0;
  std::int64_t downloads_all_time = 0;
  std::int64_t likes = 0;
  std::optional<std::int64_t> params_total;
  std::optional<std::string> pipeline_tag;
  std::optional<std::string> library;
  std::optional<bool> gated;
  std::vector<std::string> tags;

  bool operator==(const HfModelSnapshot&) const = default;
};

std::string encode(const HfModelSnapshot& s);
Decoded<HfModelSnapshot> decode_hf_model(std::string_view json);

// How a derivative relates to one of its bases (the Hub's base_model:<relation>:<id> tags).
enum class Relation { finetune, adapter, quantized, merge, unspecified };
std::string_view to_string(Relation relation);
std::optional<Relation> parse_relation(std::string_view s);
inline constexpr Relation kAllRelations[] = {Relation::finetune, Relation::adapter, Relation::quantized,
                                             Relation::merge, Relation::unspecified};

struct DerivativeBase {
  Relation relation = Relation::unspecified;
  std::string base;  // a well-formed repo id, as written on the Hub (aliases not applied)
  bool operator==(const DerivativeBase&) const = default;
};

// atom.hf.derivatives.v1 — one sighting of a repo that names at least one base model.
// Keyed by repo_id. `relations` holds distinct bases (one entry per base).
struct HfDerivative {
  std::string repo_id;
  TimeMs created_at = 0;
  TimeMs observed_at = 0;
  std::int64_t downloads_30d = 0;
  std::vector<DerivativeBase> relations;

  bool operator==(const HfDerivative&) const = default;
};

std::string encode(const HfDerivative& d);
Decoded<HfDerivative> decode_hf_derivative(std::string_view json);

// atom.openrouter.tokens.v1 — one model's total tokens on one UTC day. Keyed by slug@date.
// The `other` row (everything outside the day's top 50) has slug "other" and org "other".
inline constexpr std::string_view kOtherSlug = "other";
struct OpenRouterTokens {
  DayIndex date = 0;
  std::string slug;  // the full model_permaslug, ":variant" suffix kept
  TimeMs observed_at = 0;
  std::int64_t tokens = 0;
  std::optional<std::string> hf_id;  // present for an open model
  std::string org;

  bool operator==(const OpenRouterTokens&) const = default;
};

std::string encode(const OpenRouterTokens& t);
Decoded<OpenRouterTokens> decode_openrouter_tokens(std::string_view json);
std::string tokens_key(const OpenRouterTokens& t);  // "slug@YYYY-MM-DD"

// atom.events.v1 (DESIGN §4 "Events"): a confirmed overtake or threshold crossing.
enum class EventKind { overtake, threshold };
std::string_view to_string(EventKind kind);
std::optional<EventKind> parse_event_kind(std::string_view s);

struct Event {
  EventKind kind = EventKind::overtake;
  std::string metric;    // downloads_cumulative | downloads_30d | derivative_share_month | inference_share_7d
  std::string group_by;  // org | region
  DayIndex at = 0;       // the first day of the confirmed run
  std::optional<std::string> winner, loser;  // overtake
  std::optional<std::string> group;          // threshold
  std::optional<std::string> direction;      // threshold: up | down
  std::optional<double> threshold;           // threshold
  bool new_entrant = false;
  std::map<std::string, double> values;  // the values behind the event, e.g. {winner: .., loser: ..}

  // kind|metric|group_by|winner-or-group|loser-or-direction|at
  std::string id() const;
  bool operator==(const Event&) const = default;
};

std::string encode(const Event& e);
Decoded<Event> decode_event(std::string_view json);

// A well-formed Hugging Face repo id: "org/name", one slash, no spaces.
bool is_repo_id(std::string_view id);
std::string_view repo_org(std::string_view repo_id);   // part before '/'
std::string_view repo_name(std::string_view repo_id);  // part after '/'
// ASCII lower case: repo ids, orgs, hosts and header names compare case-insensitively.
std::string ascii_lower(std::string_view s);

}  // namespace atomd

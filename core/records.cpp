#include "core/records.hpp"

#include <nlohmann/json.hpp>

namespace atomd {
namespace {

using nlohmann::json;

// Field readers that turn a JSON object into typed values or a precise Rejection.
class FieldReader {
 public:
  explicit FieldReader(const json& obj) : obj_(obj) {}

  const std::optional<Rejection>& error() const { return error_; }

  std::string string(const char* key) {
    auto* v = find(key, true);
    if (!v) return {};
    if (!v->is_string()) return fail(RejectReason::wrong_type, key, "expected string"), std::string{};
    return v->get<std::string>();
  }
  std::optional<std::string> opt_string(const char* key) {
    auto* v = find(key, false);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) return fail(RejectReason::wrong_type, key, "expected string"), std::nullopt;
    return v->get<std::string>();
  }
  std::int64_t count(const char* key) {
    auto* v = find(key, true);
    if (!v) return 0;
    return to_count(*v, key);
  }
  std::optional<std::int64_t> opt_count(const char* key) {
    auto* v = find(key, false);
    if (!v || v->is_null()) return std::nullopt;
    return to_count(*v, key);
  }
  std::optional<bool> opt_bool(const char* key) {
    auto* v = find(key, false);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_boolean()) return fail(RejectReason::wrong_type, key, "expected boolean"), std::nullopt;
    return v->get<bool>();
  }
  TimeMs time(const char* key) {
    auto text = string(key);
    if (error_) return 0;
    auto t = parse_rfc3339(text);
    if (!t) return fail(RejectReason::bad_value, key, "not an RFC 3339 time"), 0;
    return *t;
  }
  DayIndex date(const char* key) {
    auto text = string(key);
    if (error_) return 0;
    auto d = parse_date(text);
    if (!d) return fail(RejectReason::bad_value, key, "not a YYYY-MM-DD date"), 0;
    return *d;
  }
  bool boolean(const char* key) {
    auto* v = find(key, true);
    if (!v) return false;
    if (!v->is_boolean()) return fail(RejectReason::wrong_type, key, "expected boolean"), false;
    return v->get<bool>();
  }
  std::optional<double> opt_number(const char* key) {
    auto* v = find(key, false);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_number()) return fail(RejectReason::wrong_type, key, "expected number"), std::nullopt;
    return v->get<double>();
  }
  const json* array(const char* key) {
    auto* v = find(key, true);
    if (!v) return nullptr;
    if (!v->is_array()) return fail(RejectReason::wrong_type, key, "expected array"), nullptr;
    return v;
  }
  const json* object(const char* key) {
    auto* v = find(key, true);
    if (!v) return nullptr;
    if (!v->is_object()) return fail(RejectReason::wrong_type, key, "expected object"), nullptr;
    return v;
  }
  std::vector<std::string> string_list(const char* key) {
    std::vector<std::string> out;
    auto* v = find(key, true);
    if (!v) return out;
    if (!v->is_array()) return fail(RejectReason::wrong_type, key, "expected array"), out;
    for (const auto& item : *v) {
      if (!item.is_string()) return fail(RejectReason::wrong_type, key, "expected array of strings"), out;
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  void fail(RejectReason reason, const char* key, const char* what) {
    if (!error_) error_ = Rejection{reason, std::string(key) + ": " + what};
  }

 private:
  const json* find(const char* key, bool required) {
    auto it = obj_.find(key);
    if (it == obj_.end() || (required && it->is_null())) {
      if (required) fail(RejectReason::missing_field, key, "missing");
      return nullptr;
    }
    return &*it;
  }
  std::int64_t to_count(const json& v, const char* key) {
    if (v.is_number_unsigned() || v.is_number_integer()) {
      auto n = v.get<std::int64_t>();
      if (n < 0) fail(RejectReason::bad_value, key, "negative");
      return n;
    }
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (d < 0 || d != static_cast<double>(static_cast<std::int64_t>(d)))
        fail(RejectReason::bad_value, key, "expected a non-negative whole number");
      return static_cast<std::int64_t>(d);
    }
    fail(RejectReason::wrong_type, key, "expected number");
    return 0;
  }

  const json& obj_;
  std::optional<Rejection> error_;
};

// Parses a topic message into an object with a supported schema version, or says why not.
std::variant<json, Rejection> parse_message(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Rejection{RejectReason::malformed_json, "not valid JSON"};
  if (!j.is_object()) return Rejection{RejectReason::wrong_type, "message: expected object"};
  if (auto it = j.find("schema"); it != j.end() && !(it->is_number_integer() && it->get<int>() == kSchemaVersion))
    return Rejection{RejectReason::bad_value, "schema: unsupported version"};
  return j;
}

}  // namespace

std::string_view to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::malformed_json: return "malformed_json";
    case RejectReason::missing_field: return "missing_field";
    case RejectReason::wrong_type: return "wrong_type";
    case RejectReason::bad_value: return "bad_value";
    case RejectReason::bad_relation: return "bad_relation";
  }
  return "unknown";
}

bool is_repo_id(std::string_view id) {
  auto slash = id.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == id.size()) return false;
  if (id.find('/', slash + 1) != std::string_view::npos) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view repo_org(std::string_view repo_id) { return repo_id.substr(0, repo_id.find('/')); }

std::string_view repo_name(std::string_view repo_id) {
  auto slash = repo_id.find('/');
  return slash == std::string_view::npos ? std::string_view{} : repo_id.substr(slash + 1);
}

std::string encode(const HfModelSnapshot& s) {
  json j = {{"schema", kSchemaVersion},
            {"repo_id", s.repo_id},
            {"org", s.org},
            {"observed_at", format_rfc3339(s.observed_at)},
            {"created_at", format_rfc3339(s.created_at)},
            {"downloads_30d", s.downloads_30d},
            {"downloads_all_time", s.downloads_all_time},
            {"likes", s.likes},
            {"tags", s.tags}};
  if (s.params_total) j["params_total"] = *s.params_total;
  if (s.pipeline_tag) j["pipeline_tag"] = *s.pipeline_tag;
  if (s.library) j["library"] = *s.library;
  if (s.gated) j["gated"] = *s.gated;
  return j.dump();
}

Decoded<HfModelSnapshot> decode_hf_model(std::string_view text) {
  auto parsed = parse_message(text);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) return *rejection;
  const json& j = std::get<json>(parsed);
  FieldReader r(j);
  HfModelSnapshot s;
  s.repo_id = r.string("repo_id");
  s.org = r.string("org");
  s.observed_at = r.time("observed_at");
  s.created_at = r.time("created_at");
  s.downloads_30d = r.count("downloads_30d");
  s.downloads_all_time = r.count("downloads_all_time");
  s.likes = r.count("likes");
  s.params_total = r.opt_count("params_total");
  s.pipeline_tag = r.opt_string("pipeline_tag");
  s.library = r.opt_string("library");
  s.gated = r.opt_bool("gated");
  s.tags = r.string_list("tags");
  if (!r.error() && !is_repo_id(s.repo_id)) r.fail(RejectReason::bad_value, "repo_id", "not org/name");
  if (!r.error() && repo_org(s.repo_id) != s.org) r.fail(RejectReason::bad_value, "org", "differs from repo_id's org");
  if (r.error()) return *r.error();
  return s;
}

std::string_view to_string(Relation relation) {
  switch (relation) {
    case Relation::finetune: return "finetune";
    case Relation::adapter: return "adapter";
    case Relation::quantized: return "quantized";
    case Relation::merge: return "merge";
    case Relation::unspecified: return "unspecified";
  }
  return "unspecified";
}

std::optional<Relation> parse_relation(std::string_view s) {
  for (auto r : kAllRelations)
    if (to_string(r) == s) return r;
  return std::nullopt;
}

std::string encode(const HfDerivative& d) {
  json relations = json::array();
  for (const auto& r : d.relations) relations.push_back({{"relation", to_string(r.relation)}, {"base", r.base}});
  json j = {{"schema", kSchemaVersion},
            {"repo_id", d.repo_id},
            {"created_at", format_rfc3339(d.created_at)},
            {"observed_at", format_rfc3339(d.observed_at)},
            {"downloads_30d", d.downloads_30d},
            {"relations", std::move(relations)}};
  return j.dump();
}

Decoded<HfDerivative> decode_hf_derivative(std::string_view text) {
  auto parsed = parse_message(text);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) return *rejection;
  const json& j = std::get<json>(parsed);
  FieldReader r(j);
  HfDerivative d;
  d.repo_id = r.string("repo_id");
  d.created_at = r.time("created_at");
  d.observed_at = r.time("observed_at");
  d.downloads_30d = r.count("downloads_30d");
  const json* relations = r.array("relations");
  if (r.error()) return *r.error();
  if (!is_repo_id(d.repo_id)) return Rejection{RejectReason::bad_value, "repo_id: not org/name"};
  for (const auto& item : *relations) {
    if (!item.is_object()) return Rejection{RejectReason::wrong_type, "relations: expected array of objects"};
    FieldReader ir(item);
    auto relation_text = ir.string("relation");
    auto base = ir.string("base");
    if (ir.error()) return Rejection{ir.error()->reason, "relations[]." + ir.error()->detail};
    auto relation = parse_relation(relation_text);
    if (!relation) return Rejection{RejectReason::bad_relation, "relations[].relation: unknown '" + relation_text + "'"};
    if (!is_repo_id(base)) return Rejection{RejectReason::bad_relation, "relations[].base: not org/name: '" + base + "'"};
    if (base == d.repo_id) return Rejection{RejectReason::bad_relation, "relations[].base: the repo itself"};
    bool seen = false;
    for (const auto& existing : d.relations) seen = seen || existing.base == base;
    if (seen) return Rejection{RejectReason::bad_relation, "relations[].base: listed twice: '" + base + "'"};
    d.relations.push_back(DerivativeBase{*relation, std::move(base)});
  }
  if (d.relations.empty()) return Rejection{RejectReason::bad_relation, "relations: empty"};
  return d;
}

std::string tokens_key(const OpenRouterTokens& t) { return t.slug + "@" + format_date(t.date); }

std::string encode(const OpenRouterTokens& t) {
  json j = {{"schema", kSchemaVersion},
            {"date", format_date(t.date)},
            {"slug", t.slug},
            {"observed_at", format_rfc3339(t.observed_at)},
            {"tokens", t.tokens},
            {"org", t.org}};
  if (t.hf_id) j["hf_id"] = *t.hf_id;
  return j.dump();
}

Decoded<OpenRouterTokens> decode_openrouter_tokens(std::string_view text) {
  auto parsed = parse_message(text);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) return *rejection;
  const json& j = std::get<json>(parsed);
  FieldReader r(j);
  OpenRouterTokens t;
  t.date = r.date("date");
  t.slug = r.string("slug");
  t.observed_at = r.time("observed_at");
  t.tokens = r.count("tokens");
  t.hf_id = r.opt_string("hf_id");
  t.org = r.string("org");
  if (r.error()) return *r.error();
  if (t.slug.empty()) return Rejection{RejectReason::bad_value, "slug: empty"};
  if (t.org.empty()) return Rejection{RejectReason::bad_value, "org: empty"};
  if (t.hf_id && !is_repo_id(*t.hf_id)) return Rejection{RejectReason::bad_value, "hf_id: not org/name"};
  return t;
}

std::string_view to_string(EventKind kind) { return kind == EventKind::overtake ? "overtake" : "threshold"; }

std::optional<EventKind> parse_event_kind(std::string_view s) {
  if (s == "overtake") return EventKind::overtake;
  if (s == "threshold") return EventKind::threshold;
  return std::nullopt;
}

std::string Event::id() const {
  const auto& who = kind == EventKind::overtake ? winner : group;
  const auto& other = kind == EventKind::overtake ? loser : direction;
  std::string out(to_string(kind));
  for (const std::string* part : {&metric, &group_by}) out += "|" + *part;
  out += "|" + who.value_or("");
  out += "|" + other.value_or("");
  out += "|" + format_date(at);
  return out;
}

std::string encode(const Event& e) {
  json values = json::object();
  for (const auto& [k, v] : e.values) values[k] = v;
  json j = {{"schema", kSchemaVersion},    {"id", e.id()},          {"kind", to_string(e.kind)},
            {"metric", e.metric},          {"group_by", e.group_by}, {"at", format_date(e.at)},
            {"new_entrant", e.new_entrant}, {"values", std::move(values)}};
  if (e.winner) j["winner"] = *e.winner;
  if (e.loser) j["loser"] = *e.loser;
  if (e.group) j["group"] = *e.group;
  if (e.direction) j["direction"] = *e.direction;
  if (e.threshold) j["threshold"] = *e.threshold;
  return j.dump();
}

Decoded<Event> decode_event(std::string_view text) {
  auto parsed = parse_message(text);
  if (auto* rejection = std::get_if<Rejection>(&parsed)) return *rejection;
  const json& j = std::get<json>(parsed);
  FieldReader r(j);
  Event e;
  auto id = r.string("id");
  auto kind_text = r.string("kind");
  e.metric = r.string("metric");
  e.group_by = r.string("group_by");
  e.at = r.date("at");
  e.new_entrant = r.boolean("new_entrant");
  e.winner = r.opt_string("winner");
  e.loser = r.opt_string("loser");
  e.group = r.opt_string("group");
  e.direction = r.opt_string("direction");
  e.threshold = r.opt_number("threshold");
  const json* values = r.object("values");
  if (r.error()) return *r.error();
  auto kind = parse_event_kind(kind_text);
  if (!kind) return Rejection{RejectReason::bad_value, "kind: unknown '" + kind_text + "'"};
  e.kind = *kind;
  for (const auto& [k, v] : values->items()) {
    if (!v.is_number()) return Rejection{RejectReason::wrong_type, "values." + k + ": expected number"};
    e.values[k] = v.get<double>();
  }
  if (e.kind == EventKind::overtake && (!e.winner || !e.loser))
    return Rejection{RejectReason::missing_field, "winner/loser: required for an overtake"};
  if (e.kind == EventKind::threshold && (!e.group || !e.direction || !e.threshold))
    return Rejection{RejectReason::missing_field, "group/direction/threshold: required for a threshold crossing"};
  if (id != e.id()) return Rejection{RejectReason::bad_value, "id: does not match the event's fields"};
  return e;
}

}  // namespace atomd

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
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Rejection{RejectReason::malformed_json, "not valid JSON"};
  if (!j.is_object()) return Rejection{RejectReason::wrong_type, "message: expected object"};
  if (auto it = j.find("schema"); it != j.end() && !(it->is_number_integer() && it->get<int>() == kSchemaVersion))
    return Rejection{RejectReason::bad_value, "schema: unsupported version"};
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

}  // namespace atomd

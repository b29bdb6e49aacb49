#include "connectors/hf_parse.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace atomd {
namespace {

using nlohmann::json;

// Reads one listing entry; the first problem found is kept as the entry's rejection, with a
// detail that starts with the field's name as the Hub spells it.
class EntryReader {
 public:
  explicit EntryReader(const json& entry) : entry_(entry) {}

  const std::optional<Rejection>& error() const { return error_; }

  void fail(RejectReason reason, std::string field, std::string_view what) {
    if (!error_) error_ = Rejection{reason, field + ": " + std::string(what)};
  }

  std::string required_string(const char* key) {
    const json* v = find(key);
    if (!v) return fail(RejectReason::missing_field, key, "missing"), std::string{};
    if (!v->is_string()) return fail(RejectReason::wrong_type, key, "expected string"), std::string{};
    return v->get<std::string>();
  }

  std::optional<std::string> optional_string(const char* key) {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) return fail(RejectReason::wrong_type, key, "expected string"), std::nullopt;
    return v->get<std::string>();
  }

  std::int64_t required_count(const char* key) {
    const json* v = find(key);
    if (!v) return fail(RejectReason::missing_field, key, "missing"), 0;
    return count(*v, key);
  }

  std::optional<std::int64_t> nested_count(const char* object_key, const char* key) {
    const json* object = find(object_key);
    if (!object) return std::nullopt;
    std::string field = std::string(object_key) + "." + key;
    if (!object->is_object()) return fail(RejectReason::wrong_type, object_key, "expected object"), std::nullopt;
    auto it = object->find(key);
    if (it == object->end() || it->is_null()) return std::nullopt;
    return count(*it, field);
  }

  TimeMs required_time(const char* key) {
    std::string text = required_string(key);
    if (error_) return 0;
    auto t = parse_rfc3339(text);
    if (!t) return fail(RejectReason::bad_value, key, "not an RFC 3339 time: '" + text.substr(0, 40) + "'"), 0;
    return *t;
  }

  std::vector<std::string> tags(const char* key) {
    std::vector<std::string> out;
    const json* v = find(key);
    if (!v) return out;  // an untagged repo
    if (!v->is_array()) return fail(RejectReason::wrong_type, key, "expected array"), out;
    out.reserve(v->size());
    for (const auto& item : *v) {
      if (!item.is_string()) return fail(RejectReason::wrong_type, key, "expected array of strings"), out;
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  // The Hub answers false for open repos and "auto" / "manual" for the two kinds of gating.
  std::optional<bool> gated(const char* key) {
    const json* v = find(key);
    if (!v) return std::nullopt;
    if (v->is_boolean()) return v->get<bool>();
    if (!v->is_string()) return fail(RejectReason::wrong_type, key, "expected false, \"auto\" or \"manual\""), std::nullopt;
    auto mode = v->get<std::string>();
    if (mode == "auto" || mode == "manual") return true;
    return fail(RejectReason::bad_value, key, "unknown gating '" + mode.substr(0, 20) + "'"), std::nullopt;
  }

 private:
  const json* find(const char* key) const {
    auto it = entry_.find(key);
    return it == entry_.end() || it->is_null() ? nullptr : &*it;
  }

  std::int64_t count(const json& v, const std::string& field) {
    if (v.is_number_unsigned()) {
      auto n = v.get<std::uint64_t>();
      if (n > static_cast<std::uint64_t>(INT64_MAX)) return fail(RejectReason::bad_value, field, "too large"), 0;
      return static_cast<std::int64_t>(n);
    }
    if (v.is_number_integer()) {
      auto n = v.get<std::int64_t>();
      if (n < 0) return fail(RejectReason::bad_value, field, "negative"), 0;
      return n;
    }
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (!(d >= 0 && d < 9.2e18) || d != static_cast<double>(static_cast<std::int64_t>(d)))
        return fail(RejectReason::bad_value, field, "expected a non-negative whole number"), 0;
      return static_cast<std::int64_t>(d);
    }
    fail(RejectReason::wrong_type, field, "expected number");
    return 0;
  }

  const json& entry_;
  std::optional<Rejection> error_;
};

// Fills the snapshot or returns why the entry is rejected.
std::optional<Rejection> read_entry(const json& entry, TimeMs observed_at, HfModelSnapshot& s) {
  if (!entry.is_object()) return Rejection{RejectReason::wrong_type, "entry: expected object"};
  EntryReader r(entry);
  s.repo_id = r.required_string("id");
  if (!r.error() && !is_repo_id(s.repo_id))
    r.fail(RejectReason::bad_value, "id", "not an org/name repo id: '" + s.repo_id.substr(0, 80) + "'");
  s.org = std::string(repo_org(s.repo_id));
  s.observed_at = observed_at;
  s.created_at = r.required_time("createdAt");
  s.downloads_30d = r.required_count("downloads");
  s.downloads_all_time = r.required_count("downloadsAllTime");
  s.likes = r.required_count("likes");
  auto safetensors_total = r.nested_count("safetensors", "total");
  auto gguf_total = r.nested_count("gguf", "total");
  s.params_total = safetensors_total ? safetensors_total : gguf_total;
  s.tags = r.tags("tags");
  s.pipeline_tag = r.optional_string("pipeline_tag");
  s.library = r.optional_string("library_name");
  s.gated = r.gated("gated");
  if (!r.error()) return std::nullopt;
  Rejection rejection = *r.error();
  // Name the entry too, so a log line leads to the repo.
  if (!s.repo_id.empty() && rejection.detail.rfind("id:", 0) != 0) rejection.detail += " (" + s.repo_id.substr(0, 120) + ")";
  return rejection;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// rel may hold several space-separated relation types: rel="next last".
bool rel_has_next(std::string_view rel) {
  while (!rel.empty()) {
    auto space = rel.find_first_of(" \t");
    if (equals_ignore_case(rel.substr(0, space), "next")) return true;
    if (space == std::string_view::npos) break;
    rel.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace

HfModelsPage parse_models_page(std::string_view body, TimeMs observed_at) {
  HfModelsPage page;
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    page.rejected.push_back({RejectReason::malformed_json, "page: not valid JSON"});
    return page;
  }
  if (!document.is_array()) {
    page.rejected.push_back({RejectReason::malformed_json, "page: expected a JSON array of models"});
    return page;
  }
  page.models.reserve(document.size());
  for (const auto& entry : document) {
    HfModelSnapshot snapshot;
    if (auto rejection = read_entry(entry, observed_at, snapshot)) {
      page.rejected.push_back(std::move(*rejection));
    } else {
      page.models.push_back(std::move(snapshot));
    }
  }
  return page;
}

std::optional<std::string> parse_link_next(std::string_view header) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    auto open = header.find('<', pos);
    if (open == std::string_view::npos) break;
    auto close = header.find('>', open);
    if (close == std::string_view::npos) break;
    std::string_view target = header.substr(open + 1, close - open - 1);
    // Parameters run to the next comma outside quotes.
    pos = close + 1;
    bool quoted = false;
    std::size_t end = pos;
    while (end < header.size() && (quoted || header[end] != ',')) {
      if (header[end] == '"') quoted = !quoted;
      ++end;
    }
    std::string_view params = header.substr(pos, end - pos);
    pos = end + 1;
    while (!params.empty()) {
      auto semi = params.find(';');
      std::string_view param = trim(params.substr(0, semi));
      params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
      auto eq = param.find('=');
      if (eq == std::string_view::npos || !equals_ignore_case(trim(param.substr(0, eq)), "rel")) continue;
      std::string_view value = trim(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      if (rel_has_next(trim(value))) return std::string(trim(target));
    }
  }
  return std::nullopt;
}

}  // namespace atomd

#pragma once
// The messages on atomd's topics (DESIGN §2): typed records, their JSON encoding, and
// validation that names why a message was rejected.
#include <cstdint>
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

// A well-formed Hugging Face repo id: "org/name", one slash, no spaces.
bool is_repo_id(std::string_view id);
std::string_view repo_org(std::string_view repo_id);   // part before '/'
std::string_view repo_name(std::string_view repo_id);  // part after '/'

}  // namespace atomd

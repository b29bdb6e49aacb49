#include "core/size.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace atomd {
namespace {

struct BucketLabel {
  SizeBucket bucket;
  std::string_view label;
};

constexpr BucketLabel kBucketLabels[] = {
    {SizeBucket::lt_1b, "<1B"},        {SizeBucket::b1_5, "1-5B"},       {SizeBucket::b7_9, "7-9B"},
    {SizeBucket::b10_50, "10-50B"},    {SizeBucket::b50_100, "50-100B"}, {SizeBucket::b100_250, "100-250B"},
    {SizeBucket::b250_plus, "250B+"},  {SizeBucket::unknown, "unknown"},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_separator(char c) { return c == '-' || c == '_'; }
bool is_b(char c) { return c == 'B' || c == 'b'; }

// The three patterns share the body (\d+\.?\d*)B. Because \d+ and \d* are greedy and only
// 'B' may follow, the body has at most one match from a given start, so a scan without
// backtracking gives exactly what a regex engine would. Returns the number's end, or npos.
std::size_t match_body(std::string_view s, std::size_t start) {
  std::size_t i = start;
  if (i >= s.size() || !is_digit(s[i])) return std::string_view::npos;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i >= s.size() || !is_b(s[i])) return std::string_view::npos;
  return i;
}

double to_billions(std::string_view number) {
  if (number.back() == '.') number.remove_suffix(1);  // "7.B" matches \d+\.?\d* as "7."
  double value = 0;
  std::from_chars(number.data(), number.data() + number.size(), value);
  return value;
}

enum class NamePattern { separated, at_end, at_start };

std::optional<double> search(std::string_view name, NamePattern pattern) {
  if (pattern == NamePattern::at_start) {
    auto end = match_body(name, 0);
    if (end != std::string_view::npos && end + 1 < name.size() && is_separator(name[end + 1]))
      return to_billions(name.substr(0, end));
    return std::nullopt;
  }
  for (std::size_t i = 0; i + 1 < name.size(); ++i) {
    if (!is_separator(name[i])) continue;
    auto end = match_body(name, i + 1);
    if (end == std::string_view::npos) continue;
    bool tail_ok = pattern == NamePattern::separated ? end + 1 < name.size() && is_separator(name[end + 1])
                                                      : end + 1 == name.size();
    if (tail_ok) return to_billions(name.substr(i + 1, end - i - 1));
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(SizeBucket b) {
  for (const auto& entry : kBucketLabels)
    if (entry.bucket == b) return entry.label;
  return "unknown";
}

std::optional<SizeBucket> parse_size_bucket(std::string_view label) {
  for (const auto& entry : kBucketLabels)
    if (entry.label == label) return entry.bucket;
  return std::nullopt;
}

SizeBucket size_bucket_of(std::optional<double> size_b) {
  if (!size_b || !(*size_b > 0)) return SizeBucket::unknown;  // also rejects NaN
  double s = *size_b;
  if (s < 1) return SizeBucket::lt_1b;
  if (s < 5) return SizeBucket::b1_5;
  if (s < 10) return SizeBucket::b7_9;
  if (s < 50) return SizeBucket::b10_50;
  if (s < 100) return SizeBucket::b50_100;
  if (s < 250) return SizeBucket::b100_250;
  return SizeBucket::b250_plus;
}

// Patterns are tried in order, each over the whole name (leftmost match), as ATOM's own
// script does: "Foo-7B-Bar-13B" is 7, and "Qwen3-30B-A3B" is 30.
std::optional<double> size_from_name(std::string_view repo_id) {
  auto slash = repo_id.rfind('/');
  auto name = slash == std::string_view::npos ? repo_id : repo_id.substr(slash + 1);
  for (auto pattern : {NamePattern::separated, NamePattern::at_end, NamePattern::at_start})
    if (auto size = search(name, pattern)) return size;
  return std::nullopt;
}

std::optional<double> resolve_size_b(std::optional<double> table_b, std::optional<double> params_total,
                                     std::string_view repo_id) {
  if (table_b && *table_b > 0 && std::isfinite(*table_b)) return table_b;
  if (params_total && *params_total > 0 && std::isfinite(*params_total)) return *params_total / 1e9;
  return size_from_name(repo_id);
}

}  // namespace atomd

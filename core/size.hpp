#pragma once
// Model size and size bucket (DESIGN §4 "Size of a model", "Size bucket").
#include <optional>
#include <string_view>

namespace atomd {

enum class SizeBucket { lt_1b, b1_5, b7_9, b10_50, b50_100, b100_250, b250_plus, unknown };
inline constexpr SizeBucket kAllSizeBuckets[] = {SizeBucket::lt_1b,   SizeBucket::b1_5,     SizeBucket::b7_9,
                                                 SizeBucket::b10_50,  SizeBucket::b50_100, SizeBucket::b100_250,
                                                 SizeBucket::b250_plus, SizeBucket::unknown};

// Label value: "<1B", "1-5B", "7-9B", "10-50B", "50-100B", "100-250B", "250B+", "unknown".
std::string_view to_string(SizeBucket b);
std::optional<SizeBucket> parse_size_bucket(std::string_view label);

// Half-open buckets; nullopt or <= 0 → unknown.
SizeBucket size_bucket_of(std::optional<double> size_b);

// Billions of parameters from the name part after '/': the patterns
// [-_](\d+\.?\d*)B[-_], [-_](\d+\.?\d*)B$, ^(\d+\.?\d*)B[-_] (case-insensitive) are tried
// in this order, each searched over the whole name; the first that matches wins.
std::optional<double> size_from_name(std::string_view repo_id);

// First of: the manual table's value (when > 0), params_total / 1e9 when > 0 (params_total
// is a raw parameter count), the name.
std::optional<double> resolve_size_b(std::optional<double> table_b, std::optional<double> params_total,
                                     std::string_view repo_id);

}  // namespace atomd

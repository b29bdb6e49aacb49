#pragma once
// Event-time primitives: unix milliseconds (UTC) internally, RFC 3339 on the wire.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atomd {

using TimeMs = std::int64_t;    // unix epoch milliseconds, UTC
using DayIndex = std::int32_t;  // days since 1970-01-01 (UTC)
using MonthIndex = std::int32_t;  // year * 12 + (month - 1)

inline constexpr TimeMs kMsPerSecond = 1000;
inline constexpr TimeMs kMsPerDay = 86'400'000;
inline constexpr TimeMs kNoTime = INT64_MIN;

constexpr DayIndex day_of(TimeMs t) {
  return static_cast<DayIndex>(t >= 0 ? t / kMsPerDay : -((-t + kMsPerDay - 1) / kMsPerDay));
}
constexpr TimeMs day_start(DayIndex d) { return static_cast<TimeMs>(d) * kMsPerDay; }
constexpr TimeMs day_end(DayIndex d) { return day_start(d + 1); }  // exclusive

MonthIndex month_of_day(DayIndex d);
DayIndex month_first_day(MonthIndex m);
int month_year(MonthIndex m);
int month_number(MonthIndex m);  // 1..12

// "2025-01-22T18:24:32.000Z", "2025-01-22T18:24:32+02:00", "2025-01-22T18:24:32Z".
std::optional<TimeMs> parse_rfc3339(std::string_view text);
// "YYYY-MM-DD" → day index.
std::optional<DayIndex> parse_date(std::string_view text);
// "YYYY-MM" → month index.
std::optional<MonthIndex> parse_month(std::string_view text);
// IMF-fixdate, as in the HTTP Date header: "Wed, 22 Jan 2025 18:24:32 GMT".
std::optional<TimeMs> parse_http_date(std::string_view text);
// "90s", "5m", "1h", "3d", "250ms" → milliseconds.
std::optional<TimeMs> parse_duration(std::string_view text);

// The wall clock as unix milliseconds (observed_at when a response carries no Date).
TimeMs wall_clock_now();

std::string format_rfc3339(TimeMs t);  // milliseconds shown only when non-zero
std::string format_date(DayIndex d);
std::string format_month(MonthIndex m);

}  // namespace atomd

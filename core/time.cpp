#include "core/time.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace atomd {
namespace {

using namespace std::chrono;

std::optional<int> parse_int(std::string_view s) {
  int value = 0;
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<DayIndex> civil_day(int y, int m, int d) {
  year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return static_cast<DayIndex>(sys_days{ymd}.time_since_epoch().count());
}

bool is_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

}  // namespace

MonthIndex month_of_day(DayIndex d) {
  year_month_day ymd{sys_days{days{d}}};
  return static_cast<int>(ymd.year()) * 12 + static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;
}

DayIndex month_first_day(MonthIndex m) {
  return *civil_day(month_year(m), month_number(m), 1);
}

int month_year(MonthIndex m) { return m >= 0 ? m / 12 : -((-m + 11) / 12); }
int month_number(MonthIndex m) { return m - month_year(m) * 12 + 1; }

std::optional<DayIndex> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!is_digits(s.substr(0, 4)) || !is_digits(s.substr(5, 2)) || !is_digits(s.substr(8, 2))) return std::nullopt;
  return civil_day(*parse_int(s.substr(0, 4)), *parse_int(s.substr(5, 2)), *parse_int(s.substr(8, 2)));
}

std::optional<MonthIndex> parse_month(std::string_view s) {
  if (s.size() != 7 || s[4] != '-' || !is_digits(s.substr(0, 4)) || !is_digits(s.substr(5, 2))) return std::nullopt;
  int y = *parse_int(s.substr(0, 4));
  int m = *parse_int(s.substr(5, 2));
  if (m < 1 || m > 12) return std::nullopt;
  return y * 12 + m - 1;
}

std::optional<TimeMs> parse_rfc3339(std::string_view s) {
  if (s.size() < 20) return std::nullopt;
  auto date = parse_date(s.substr(0, 10));
  if (!date || (s[10] != 'T' && s[10] != 't' && s[10] != ' ')) return std::nullopt;
  if (s[13] != ':' || s[16] != ':') return std::nullopt;
  auto hh = s.substr(11, 2), mm = s.substr(14, 2), ss = s.substr(17, 2);
  if (!is_digits(hh) || !is_digits(mm) || !is_digits(ss)) return std::nullopt;
  int h = *parse_int(hh), mi = *parse_int(mm), se = *parse_int(ss);
  if (h > 23 || mi > 59 || se > 60) return std::nullopt;
  std::size_t pos = 19;
  TimeMs millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    int scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      millis += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;
  TimeMs offset_ms = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    if (s.size() != pos + 6 || s[pos + 3] != ':') return std::nullopt;
    auto oh = s.substr(pos + 1, 2), om = s.substr(pos + 4, 2);
    if (!is_digits(oh) || !is_digits(om)) return std::nullopt;
    offset_ms = (*parse_int(oh) * 60 + *parse_int(om)) * 60'000LL * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  return day_start(*date) + ((h * 60LL + mi) * 60 + se) * kMsPerSecond + millis - offset_ms;
}

std::optional<TimeMs> parse_http_date(std::string_view s) {
  // "Wed, 22 Jan 2025 18:24:32 GMT"
  if (s.size() != 29 || s[3] != ',' || s.substr(26) != "GMT") return std::nullopt;
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int month = 0;
  for (int i = 0; i < 12; ++i)
    if (s.substr(8, 3) == kMonths[i]) month = i + 1;
  if (month == 0) return std::nullopt;
  auto d = parse_int(s.substr(5, 2));
  auto y = parse_int(s.substr(12, 4));
  if (!d || !y) return std::nullopt;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%.8sZ", *y, month, *d, std::string(s.substr(17, 8)).c_str());
  return parse_rfc3339(buf);
}

std::optional<TimeMs> parse_duration(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  TimeMs n = 0;
  std::from_chars(s.data(), s.data() + digits, n);
  auto unit = s.substr(digits);
  if (unit == "ms") return n;
  if (unit == "s") return n * 1000;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  if (unit == "d") return n * kMsPerDay;
  return std::nullopt;
}

std::string format_date(DayIndex d) {
  year_month_day ymd{sys_days{days{d}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string format_month(MonthIndex m) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", month_year(m), month_number(m));
  return buf;
}

std::string format_rfc3339(TimeMs t) {
  DayIndex d = day_of(t);
  TimeMs in_day = t - day_start(d);
  int ms = static_cast<int>(in_day % 1000);
  int secs = static_cast<int>(in_day / 1000);
  char buf[48];
  if (ms == 0)
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", format_date(d).c_str(), secs / 3600, secs / 60 % 60, secs % 60);
  else
    std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%03dZ", format_date(d).c_str(), secs / 3600, secs / 60 % 60,
                  secs % 60, ms);
  return buf;
}

TimeMs wall_clock_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace atomd

#pragma once
// Deterministic building blocks of the demo history: every number the generator draws comes
// from these, so the replay file is byte-identical on every platform and every run.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace atomd::demo {

// splitmix64: a tiny, fully specified PRNG, so every platform draws the same numbers
// (std:: distributions are implementation-defined).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  // Uniform in [0, n); n > 0. The modulo bias is irrelevant at the sizes the demo draws.
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

inline std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001B3ULL;
  return h;
}

// exp() from basic IEEE operations only: libm's exp may differ in the last bit between C
// libraries, and the file must be byte-identical everywhere.
inline double portable_exp(double x) {
  constexpr double kLn2 = 0.69314718055994530942;
  const double k = std::nearbyint(x / kLn2);
  const double r = x - k * kLn2;  // |r| <= ln2 / 2
  double term = 1.0;
  double sum = 1.0;
  for (int i = 1; i <= 20; ++i) {
    term *= r / i;
    sum += term;
  }
  return std::ldexp(sum, static_cast<int>(k));
}

inline DayIndex day_or_throw(std::string_view date) {
  auto d = parse_date(date);
  if (!d) throw std::invalid_argument("demo catalogue: bad date " + std::string(date));
  return *d;
}

inline MonthIndex month_or_throw(std::string_view month) {
  auto m = parse_month(month);
  if (!m) throw std::invalid_argument("demo catalogue: bad month " + std::string(month));
  return *m;
}

}  // namespace atomd::demo

#pragma once
// Helpers for the state round-trip tests: save an operator into a key/value map as a
// checkpoint would, restore it into a cleared instance, and write every answer an operator
// gives into one text (doubles as hex floats, so equal text means bit-equal values).
#include <gtest/gtest.h>

#include <concepts>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "operators/groups.hpp"
#include "operators/operator.hpp"

namespace atomd::testing {

using Store = std::map<std::string, std::string>;

inline Store saved(const StatefulOperator& op) {
  Store store;
  op.save_state([&](std::string_view key, std::string_view value) {
    EXPECT_TRUE(store.emplace(key, value).second) << op.name() << ": key saved twice: " << key;
  });
  return store;
}

inline void restore(StatefulOperator& op, const Store& store) {
  op.clear_state();
  for (const auto& [key, value] : store) op.restore_state(key, value);
}

// `original` saved, restored into `copy` (cleared first, so it may hold anything) and saved
// again gives the same bytes under the same keys.
inline void expect_round_trip(const StatefulOperator& original, StatefulOperator& copy) {
  const Store before = saved(original);
  ASSERT_FALSE(before.empty()) << original.name() << ": nothing saved";
  EXPECT_EQ(copy.name(), original.name());
  restore(copy, before);
  EXPECT_EQ(saved(copy), before) << original.name();
}

// Every saved value cut short (nothing, one byte, half, all but the last byte) or with a byte
// appended is rejected with std::runtime_error, never accepted or crashed on. `op` is the
// instance restored into (its state after a rejected value is not looked at).
inline void expect_bad_values_throw(StatefulOperator& op, const Store& store) {
  for (const auto& [key, value] : store) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, value.size() / 2, value.size() - 1}) {
      if (n >= value.size()) continue;
      EXPECT_THROW(op.restore_state(key, value.substr(0, n)), std::runtime_error)
          << op.name() << ": " << key << " cut to " << n << " of " << value.size() << " bytes";
    }
    EXPECT_THROW(op.restore_state(key, value + "x"), std::runtime_error) << op.name() << ": " << key << " + 1 byte";
  }
}

// Everything an operator answers, as text.
class Dump {
 public:
  Dump& operator<<(double v) {
    char text[40];
    std::snprintf(text, sizeof text, "%a ", v);
    out_ += text;
    return *this;
  }
  template <std::integral I>
  Dump& operator<<(I v) {
    out_ += std::to_string(v) + ' ';
    return *this;
  }
  template <class E>
    requires std::is_enum_v<E>
  Dump& operator<<(E v) {
    return *this << static_cast<long long>(v);
  }
  Dump& operator<<(std::string_view s) {
    out_.append(s).push_back(' ');
    return *this;
  }
  Dump& operator<<(const char* s) { return *this << std::string_view(s); }
  Dump& operator<<(const std::string& s) { return *this << std::string_view(s); }
  template <class T>
  Dump& operator<<(const std::optional<T>& v) {
    if (!v) return *this << "null";
    return *this << *v;
  }
  template <class V>
  Dump& operator<<(const std::map<std::string, V>& m) {
    out_ += "{ ";
    for (const auto& [k, v] : m) *this << k << v;
    out_ += "}\n";
    return *this;
  }
  Dump& operator<<(const Leaderboard& board) {
    out_ += "[ ";
    for (const GroupValue& row : board.rows) *this << row.group << row.value;
    *this << "total" << board.total;
    out_ += "]\n";
    return *this;
  }
  Dump& operator<<(const std::vector<SeriesPoint>& points) {
    out_ += "( ";
    for (const SeriesPoint& p : points) *this << p.t << p.value;
    out_ += ")\n";
    return *this;
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

}  // namespace atomd::testing

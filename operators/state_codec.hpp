#pragma once
// Compact binary encoding of operator state values: fixed-width little-endian integers,
// IEEE doubles bit for bit (so a restore reproduces sums exactly), length-prefixed strings.
#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace atomd {

class StateWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void i32(std::int32_t v) { fixed(static_cast<std::uint32_t>(v)); }
  void i64(std::int64_t v) { fixed(static_cast<std::uint64_t>(v)); }
  void u64(std::uint64_t v) { fixed(v); }
  void f64(double v) { fixed(std::bit_cast<std::uint64_t>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  const std::string& bytes() const { return out_; }

 private:
  template <class U>
  void fixed(U v) {
    for (std::size_t i = 0; i < sizeof(U); ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string out_;
};

// Throws std::runtime_error (naming `what`) on a truncated or over-long value.
class StateReader {
 public:
  StateReader(std::string_view in, std::string_view what) : in_(in), what_(what) {}

  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::int32_t i32() { return static_cast<std::int32_t>(fixed<std::uint32_t>()); }
  std::int64_t i64() { return static_cast<std::int64_t>(fixed<std::uint64_t>()); }
  std::uint64_t u64() { return fixed<std::uint64_t>(); }
  double f64() { return std::bit_cast<double>(fixed<std::uint64_t>()); }
  std::string str() {
    auto n = u64();
    if (n > in_.size()) fail("string length past the end");
    return std::string(take(n));
  }
  // Guards element counts before allocating for them.
  std::uint64_t count(std::size_t min_element_bytes) {
    auto n = u64();
    if (min_element_bytes > 0 && n > in_.size() / min_element_bytes) fail("count past the end");
    return n;
  }
  void expect_end() const {
    if (!in_.empty()) fail("trailing bytes");
  }
  [[noreturn]] void fail(std::string_view why) const {
    throw std::runtime_error(std::string(what_) + ": bad state value: " + std::string(why));
  }

 private:
  std::string_view take(std::size_t n) {
    if (n > in_.size()) fail("truncated");
    auto s = in_.substr(0, n);
    in_.remove_prefix(n);
    return s;
  }
  template <class U>
  U fixed() {
    auto s = take(sizeof(U));
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v |= static_cast<U>(static_cast<unsigned char>(s[i])) << (8 * i);
    return v;
  }
  std::string_view in_;
  std::string_view what_;
};

}  // namespace atomd

#pragma once
// "Logged once per reason per minute" (DESIGN §5): a small gate keyed by reason.
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace atomd {

class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::steady_clock::duration every = std::chrono::minutes(1)) : every_(every) {}
  // True when a line for `key` may be logged now.
  bool allow(const std::string& key) {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    auto [it, inserted] = last_.try_emplace(key, now);
    if (inserted) return true;
    if (now - it->second < every_) return false;
    it->second = now;
    return true;
  }

 private:
  std::chrono::steady_clock::duration every_;
  std::mutex mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_;
};

}  // namespace atomd

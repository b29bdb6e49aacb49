#pragma once
// Last success and last error of each connector, for /api/v1/status.
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/time.hpp"

namespace atomd {

class ConnectorStatusBoard {
 public:
  void enabled(const std::string& name, bool on, const std::string& note = "") {
    std::lock_guard lock(mu_);
    auto& e = entries_[name];
    e.enabled = on;
    e.note = note;
  }
  void success(const std::string& name, TimeMs at) {
    std::lock_guard lock(mu_);
    auto& e = entries_[name];
    e.last_success = at;
    ++e.polls;
  }
  void error(const std::string& name, TimeMs at, const std::string& message) {
    std::lock_guard lock(mu_);
    auto& e = entries_[name];
    e.last_error_at = at;
    e.last_error = message;
    ++e.polls;
  }
  nlohmann::json to_json() const {
    std::lock_guard lock(mu_);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, e] : entries_) {
      out[name] = {{"enabled", e.enabled},
                   {"polls", e.polls},
                   {"last_success", e.last_success == kNoTime ? nlohmann::json(nullptr) : nlohmann::json(format_rfc3339(e.last_success))},
                   {"last_error", e.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.last_error)},
                   {"last_error_at", e.last_error_at == kNoTime ? nlohmann::json(nullptr) : nlohmann::json(format_rfc3339(e.last_error_at))}};
      if (!e.note.empty()) out[name]["note"] = e.note;
    }
    return out;
  }

 private:
  struct Entry {
    bool enabled = false;
    std::string note;
    long polls = 0;
    TimeMs last_success = kNoTime;
    TimeMs last_error_at = kNoTime;
    std::string last_error;
  };
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace atomd

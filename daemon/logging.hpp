#pragma once
// Log set-up: spdlog to stderr, as text lines or as one JSON object per line
// ({"ts","level","logger","msg"}) for log pipelines in Kubernetes.
#include <spdlog/formatter.h>

#include <memory>
#include <string>

namespace atomd {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLogFormatter>(); }
};

// format: "text" | "json"; level: "debug" | "info" | "warn" | "error".
void setup_logging(const std::string& format, const std::string& level);

}  // namespace atomd

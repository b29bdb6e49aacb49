#pragma once
// Topic names (DESIGN §2): prefix + short name + ".v1". Replay files use the short names.
#include <optional>
#include <string>
#include <string_view>

namespace atomd {

inline constexpr std::string_view kTopicHfModels = "hf.models";
inline constexpr std::string_view kTopicHfDerivatives = "hf.derivatives";
inline constexpr std::string_view kTopicOpenRouterTokens = "openrouter.tokens";
inline constexpr std::string_view kTopicEvents = "events";
// Every topic atomd creates (on the embedded broker, with kafka.partitions partitions).
inline constexpr std::string_view kAllTopics[] = {kTopicHfModels, kTopicHfDerivatives, kTopicOpenRouterTokens,
                                                  kTopicEvents};

class TopicNames {
 public:
  explicit TopicNames(std::string prefix = "atom.") : prefix_(std::move(prefix)) {}
  std::string full(std::string_view short_name) const;  // "hf.models" → "atom.hf.models.v1"
  std::optional<std::string> short_name(std::string_view full_name) const;
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
};

// The short names a replay file may use.
bool is_input_topic(std::string_view short_name);

}  // namespace atomd

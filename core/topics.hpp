#pragma once
// Topic names (DESIGN §2): prefix + short name + ".v1". Replay files use the short names.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atomd {

// One partition of one topic; "topic/partition" is its only text form (logs, state keys,
// watermark sources), made by to_string() and read back by parse().
struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  std::string to_string() const;
  // nullopt unless the text is "<non-empty topic>/<non-negative integer>".
  static std::optional<TopicPartition> parse(std::string_view text);
};

inline constexpr std::string_view kTopicHfModels = "hf.models";
inline constexpr std::string_view kTopicHfDerivatives = "hf.derivatives";
inline constexpr std::string_view kTopicOpenRouterTokens = "openrouter.tokens";
inline constexpr std::string_view kTopicEvents = "events";
// Stage 1 → stage 2 (DESIGN §1): one partition, so exactly one replica runs stage 2.
inline constexpr std::string_view kTopicInternalContributions = "internal.contributions";
// Stage 2's tables (its state, compacted), which every replica mirrors to answer the API.
inline constexpr std::string_view kTopicAggregates = "aggregates";
// The versioned topics atomd uses (see topic_layout for all, with the changelogs).
inline constexpr std::string_view kAllTopics[] = {kTopicHfModels, kTopicHfDerivatives, kTopicOpenRouterTokens,
                                                  kTopicEvents, kTopicInternalContributions, kTopicAggregates};
// Stage-1 operators whose state has a changelog topic "<prefix><operator>.changelog".
inline constexpr std::string_view kChangelogOperators[] = {"downloads", "derivatives"};

class TopicNames {
 public:
  explicit TopicNames(std::string prefix = "atom.") : prefix_(std::move(prefix)) {}
  std::string full(std::string_view short_name) const;  // "hf.models" → "atom.hf.models.v1"
  std::optional<std::string> short_name(std::string_view full_name) const;
  const std::string& prefix() const { return prefix_; }
  // "downloads" → "atom.downloads.changelog" (compacted, DESIGN §5).
  std::string changelog(std::string_view operator_name) const;

 private:
  std::string prefix_;
};

// Every topic atomd needs, with its partition count and whether it is compacted: the input
// and events topics and the changelogs have `partitions` (a stage-1 changelog's record for a
// model lands in the partition of the model's input records), the internal topic and the
// aggregates one.
struct TopicLayout {
  std::string name;
  int partitions = 1;
  bool compacted = false;
};
std::vector<TopicLayout> topic_layout(const TopicNames& names, int partitions);

// The short names a replay file may use.
bool is_input_topic(std::string_view short_name);

}  // namespace atomd

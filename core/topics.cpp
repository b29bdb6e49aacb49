#include "core/topics.hpp"

#include <charconv>

namespace atomd {

std::string TopicPartition::to_string() const { return topic + "/" + std::to_string(partition); }

std::optional<TopicPartition> TopicPartition::parse(std::string_view text) {
  const auto slash = text.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return std::nullopt;
  std::int32_t partition = 0;
  const auto digits = text.substr(slash + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), partition);
  if (ec != std::errc() || end != digits.data() + digits.size() || partition < 0) return std::nullopt;
  return TopicPartition{std::string(text.substr(0, slash)), partition};
}

std::string TopicNames::full(std::string_view short_name) const {
  return prefix_ + std::string(short_name) + ".v1";
}

std::optional<std::string> TopicNames::short_name(std::string_view full_name) const {
  constexpr std::string_view kSuffix = ".v1";
  if (full_name.size() <= prefix_.size() + kSuffix.size() || full_name.substr(0, prefix_.size()) != prefix_ ||
      full_name.substr(full_name.size() - kSuffix.size()) != kSuffix)
    return std::nullopt;
  return std::string(full_name.substr(prefix_.size(), full_name.size() - prefix_.size() - kSuffix.size()));
}

std::string TopicNames::changelog(std::string_view operator_name) const {
  return prefix_ + std::string(operator_name) + ".changelog";
}

std::vector<TopicLayout> topic_layout(const TopicNames& names, int partitions) {
  std::vector<TopicLayout> out;
  for (auto t : kAllTopics) {
    const bool single = t == kTopicInternalContributions || t == kTopicAggregates;
    out.push_back(TopicLayout{names.full(t), single ? 1 : partitions, t == kTopicAggregates});
  }
  for (auto op : kChangelogOperators) out.push_back(TopicLayout{names.changelog(op), partitions, true});
  return out;
}

bool is_input_topic(std::string_view s) {
  return s == kTopicHfModels || s == kTopicHfDerivatives || s == kTopicOpenRouterTokens;
}

}  // namespace atomd

#include "tests/kafka/test_support.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace atomd::kafka::testing {

std::int32_t murmur2(std::string_view data) {
  constexpr std::uint32_t kSeed = 0x9747b28c;
  constexpr std::uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(
                                             static_cast<unsigned char>(data[i])); };
  const auto length = static_cast<std::uint32_t>(data.size());
  std::uint32_t h = kSeed ^ length;
  const std::size_t blocks = length / 4;
  for (std::size_t i = 0; i < blocks; ++i) {
    // Little-endian 4-byte blocks.
    std::uint32_t k = byte(4 * i) | byte(4 * i + 1) << 8 | byte(4 * i + 2) << 16 |
                      byte(4 * i + 3) << 24;
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const std::size_t tail = blocks * 4;
  switch (length % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

std::int32_t java_partition(std::string_view key, std::int32_t partitions) {
  // Java's Utils.toPositive: clear the sign bit, not abs().
  return static_cast<std::int32_t>((static_cast<std::uint32_t>(murmur2(key)) & 0x7fffffffU) %
                                   static_cast<std::uint32_t>(partitions));
}

Settings producer_settings(const std::string& bootstrap) {
  Settings settings;
  settings.brokers = bootstrap;
  settings.properties = {{"reconnect.backoff.max.ms", "500"}};
  return settings;
}

Settings consumer_settings(const std::string& bootstrap, const std::string& group_id) {
  Settings settings = producer_settings(bootstrap);
  settings.group_id = group_id;
  // librdkafka 2.0.2's mock group coordinator waits session.timeout.ms - 1 s before
  // re-electing after a member left, so a short session keeps restarts quick.
  settings.properties["session.timeout.ms"] = "6000";
  // Heartbeats at most a third of the session (Kafka's advice): a member then notices a
  // rebalance, or a moved coordinator, well within the session and within the mock's
  // join window (session.timeout.ms - 1 s), so one rebalance round suffices.
  settings.properties["heartbeat.interval.ms"] = "1000";
  return settings;
}

std::vector<Message> consume(Consumer& consumer, std::size_t count,
                             std::chrono::milliseconds timeout, bool store) {
  std::vector<Message> messages;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (messages.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto message = consumer.poll(std::chrono::milliseconds(100));
    if (!message) continue;
    messages.push_back(*message);
    if (store) consumer.store_offset(messages.back());
  }
  return messages;
}

std::vector<Message> read_partitions(const std::string& bootstrap, const std::string& topic,
                                     int partitions) {
  std::vector<std::pair<TopicPartition, std::int64_t>> starts;
  for (int p = 0; p < partitions; ++p) starts.push_back({{topic, p}, kOffsetBeginning});
  PartitionReader reader(producer_settings(bootstrap), starts);
  std::vector<Message> messages;
  EXPECT_TRUE(reader.read_to_end(std::chrono::seconds(20),
                                 [&](const Message& m) { messages.push_back(m); }))
      << topic << ": end not reached";
  return messages;
}

}  // namespace atomd::kafka::testing

#include <cstdint>
#include <string>

#include "kafka/kafka.hpp"

namespace atomd::kafka {
namespace {

// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): 32-bit MurmurHash2 with
// Kafka's seed, little-endian blocks, unsigned arithmetic.
std::uint32_t murmur2(std::string_view data) {
  constexpr std::uint32_t kSeed = 0x9747b28c;
  constexpr std::uint32_t kMultiplier = 0x5bd1e995;
  constexpr int kShift = 24;
  const auto byte_at = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i]));
  };
  const std::size_t length = data.size();
  std::uint32_t hash = kSeed ^ static_cast<std::uint32_t>(length);
  std::size_t i = 0;
  for (; i + 4 <= length; i += 4) {
    std::uint32_t k =
        byte_at(i) | (byte_at(i + 1) << 8) | (byte_at(i + 2) << 16) | (byte_at(i + 3) << 24);
    k *= kMultiplier;
    k ^= k >> kShift;
    k *= kMultiplier;
    hash *= kMultiplier;
    hash ^= k;
  }
  const std::size_t rest = length - i;
  if (rest == 3) hash ^= byte_at(i + 2) << 16;
  if (rest >= 2) hash ^= byte_at(i + 1) << 8;
  if (rest >= 1) {
    hash ^= byte_at(i);
    hash *= kMultiplier;
  }
  hash ^= hash >> 13;
  hash *= kMultiplier;
  hash ^= hash >> 15;
  return hash;
}

}  // namespace

std::int32_t partition_for_key(std::string_view key, int partitions) {
  if (partitions < 1)
    throw KafkaError("partition_for_key: " + std::to_string(partitions) + " partitions");
  // Java's Utils.toPositive clears the sign bit (it is not abs()).
  return static_cast<std::int32_t>((murmur2(key) & 0x7fffffffU) %
                                   static_cast<std::uint32_t>(partitions));
}

}  // namespace atomd::kafka

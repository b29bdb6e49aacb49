#pragma once
// Helpers shared by the kafka tests.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/kafka.hpp"

#include "tests/support/eventually.hpp"

namespace atomd::kafka::testing {

// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), written here from the
// algorithm so the library's partitioning is checked against an independent reference.
std::int32_t murmur2(std::string_view data);
// The partition the Java client's default partitioner picks for a non-null key.
std::int32_t java_partition(std::string_view key, std::int32_t partitions);

// Settings for test clients: quick reconnects and (consumers) a short group session, so
// outages and restarts heal within seconds.
Settings producer_settings(const std::string& bootstrap);
Settings consumer_settings(const std::string& bootstrap, const std::string& group_id);

// Polls until `count` messages arrived or `timeout` passed; stores each message's offset
// after "processing" it (appending it to the result) when `store` is set.
std::vector<Message> consume(Consumer& consumer, std::size_t count,
                             std::chrono::milliseconds timeout, bool store = true);

// Every message of the topic's partitions 0..partitions-1, from the beginning, read with a
// PartitionReader (no group join); fails the test if the end is not reached in 20 s.
std::vector<Message> read_partitions(const std::string& bootstrap, const std::string& topic,
                                     int partitions);

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns its last value.
using atomd::testing::eventually;

}  // namespace atomd::kafka::testing

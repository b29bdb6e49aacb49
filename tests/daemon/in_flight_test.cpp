#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "daemon/in_flight.hpp"
#include "tests/support/eventually.hpp"

namespace atomd {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

TEST(BackpressureGate, PassesWhileBelowTheLimit) {
  BackpressureGate gate(2);
  const std::atomic<bool> stop{false};
  EXPECT_TRUE(gate.wait_for_room(stop));
  gate.produced();
  EXPECT_TRUE(gate.wait_for_room(stop));
  gate.produced();
  EXPECT_EQ(gate.in_flight(), 2);
  EXPECT_EQ(gate.produced_count(), 2);
  EXPECT_EQ(gate.consumed_count(), 0);
}

TEST(BackpressureGate, BlocksAtTheLimitAndReleasesWhenConsumed) {
  BackpressureGate gate(3);
  const std::atomic<bool> stop{false};
  gate.produced(3);
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = gate.wait_for_room(stop) ? 1 : 0; });
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(result.load(), -1) << "passed with 3 in flight of 3";
  gate.consumed();
  EXPECT_TRUE(eventually([&] { return result.load() != -1; }, 1s));
  waiter.join();
  EXPECT_EQ(result.load(), 1);
  EXPECT_EQ(gate.in_flight(), 2);
}

TEST(BackpressureGate, StopReleasesABlockedWaiterPromptly) {
  BackpressureGate gate(1);
  std::atomic<bool> stop{false};
  gate.produced();
  std::atomic<int> result{-1};
  std::thread waiter([&] { result = gate.wait_for_room(stop) ? 1 : 0; });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(result.load(), -1);
  stop = true;
  // Nothing is consumed: only the stop flag (checked every 10 ms) can release the waiter. The
  // bound is a liveness guard against a waiter that never looks at the flag, not a speed test.
  EXPECT_TRUE(eventually([&] { return result.load() != -1; }, 5s));
  waiter.join();
  EXPECT_EQ(result.load(), 0);
  // A stopped gate refuses even when there is room.
  gate.consumed();
  EXPECT_FALSE(gate.wait_for_room(stop));
}

TEST(BackpressureGate, ProducerNeverRunsMoreThanTheLimitAhead) {
  constexpr std::int64_t kLimit = 8;
  constexpr std::int64_t kRecords = 20000;
  BackpressureGate gate(kLimit);
  const std::atomic<bool> stop{false};
  std::atomic<bool> done{false};
  std::int64_t worst = 0;
  std::thread producer([&] {
    for (std::int64_t i = 0; i < kRecords; ++i) {
      ASSERT_TRUE(gate.wait_for_room(stop));
      gate.produced();
      worst = std::max(worst, gate.in_flight());
    }
    done = true;
  });
  std::thread consumer([&] {
    while (!done.load() || gate.in_flight() > 0) {
      if (gate.in_flight() > 0) gate.consumed();
      else std::this_thread::yield();
    }
  });
  producer.join();
  consumer.join();
  EXPECT_LE(worst, kLimit);
  EXPECT_EQ(gate.produced_count(), kRecords);
  EXPECT_EQ(gate.consumed_count(), kRecords);
}

TEST(BackpressureGate, NonPositiveLimitStillLetsOneRecordThrough) {
  BackpressureGate gate(0);
  const std::atomic<bool> stop{false};
  EXPECT_TRUE(gate.wait_for_room(stop));
}

}  // namespace
}  // namespace atomd

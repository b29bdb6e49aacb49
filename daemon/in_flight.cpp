#include "daemon/in_flight.hpp"

#include <chrono>

namespace atomd {
namespace {
// Nobody notifies when `stop` flips, so waits are sliced to notice it promptly.
constexpr auto kStopCheckInterval = std::chrono::milliseconds(10);
}  // namespace

bool BackpressureGate::wait_for_room(const std::atomic<bool>& stop) {
  std::unique_lock lock(mutex_);
  while (!stop.load()) {
    if (in_flight() < max_in_flight_) return true;
    room_.wait_for(lock, kStopCheckInterval);
  }
  return false;
}

void BackpressureGate::consumed(std::int64_t n) {
  consumed_.fetch_add(n);
  // Taking the lock orders this update before a waiter's next check, so no wakeup is lost.
  { std::lock_guard lock(mutex_); }
  room_.notify_all();
}

}  // namespace atomd

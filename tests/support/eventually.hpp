#pragma once
// Waits for a condition another thread makes true: polled every 20 ms up to `timeout`.
#include <chrono>
#include <functional>

namespace atomd::testing {

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace atomd::testing

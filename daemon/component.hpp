#pragma once
// The parts of one atomd process, after userver's components: each part is a Component
// with a name, built from its config section and the parts it depends on (found by type
// among those built before it), started in list order and stopped in reverse order. main()
// lists the parts; the Daemon builds, starts, stops and destroys them.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "core/topics.hpp"
#include "daemon/cli.hpp"
#include "daemon/config.hpp"
#include "daemon/metrics.hpp"

namespace atomd {

// A one-shot stop request that threads can wait on.
class StopRequest {
 public:
  void request() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    flag_.store(true);
    cv_.notify_all();
  }
  const std::atomic<bool>& flag() const { return flag_; }
  bool requested() const { return flag_.load(); }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return stop_; });
  }
  // Waits up to `timeout`; true when stop was requested.
  bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return stop_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> flag_{false};
};

class Component {
 public:
  virtual ~Component() = default;
  virtual std::string_view name() const = 0;
  // Starts the part's threads; every part of the list is built before the first start().
  virtual void start() {}
  // Called after the stop request, in reverse list order: ends and joins the part's threads.
  virtual void stop() {}
  // /-/ready holds when every part is ready.
  virtual bool ready() const { return true; }
  // The part's health and position for /api/v1/status (its own keys of the body).
  virtual void report(nlohmann::json& /*status*/) const {}
};

// What every part is given: the configuration, the command line, the process's metrics and
// stop request, and the parts built before it.
class ComponentContext {
 public:
  ComponentContext(const Config& config, const CommandLine& cli, Metrics& metrics, StopRequest& stop)
      : config_(config), cli_(cli), topics_(config.kafka.topic_prefix), metrics_(metrics), stop_(stop) {}

  const Config& config() const { return config_; }
  const CommandLine& cli() const { return cli_; }
  const TopicNames& topics() const { return topics_; }
  Metrics& metrics() const { return metrics_; }
  StopRequest& stop() const { return stop_; }
  // A part failed: the process stops and exits non-zero after an orderly shutdown.
  void fail() const {
    failed_.store(true);
    stop_.request();
  }
  bool failed() const { return failed_.load(); }

  // The part of type T built before the caller; throws std::logic_error when the list has
  // none (a wiring mistake in main).
  template <class T>
  T& find() const {
    if (auto* part = find_optional<T>()) return *part;
    throw std::logic_error(std::string("component list: no ") + typeid(T).name() + " before this part");
  }
  template <class T>
  T* find_optional() const {
    for (const auto& part : parts_)
      if (auto* typed = dynamic_cast<T*>(part.get())) return typed;
    return nullptr;
  }
  const std::vector<std::unique_ptr<Component>>& parts() const { return parts_; }

 private:
  friend class Daemon;
  const Config& config_;
  const CommandLine& cli_;
  TopicNames topics_;
  Metrics& metrics_;
  StopRequest& stop_;
  mutable std::atomic<bool> failed_{false};
  std::vector<std::unique_ptr<Component>> parts_;
};

// The parts of a process, in start order.
class ComponentList {
 public:
  using Factory = std::function<std::unique_ptr<Component>(ComponentContext&)>;
  template <class T>
  ComponentList& append() {
    factories_.push_back([](ComponentContext& context) { return std::make_unique<T>(context); });
    return *this;
  }
  const std::vector<Factory>& factories() const { return factories_; }

 private:
  std::vector<Factory> factories_;
};

}  // namespace atomd

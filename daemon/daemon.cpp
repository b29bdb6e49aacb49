#include "daemon/daemon.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <thread>

#include "daemon/version.hpp"

namespace atomd {

Daemon::Daemon(const Config& config, const CommandLine& cli, ComponentList parts)
    : config_(config), cli_(cli), list_(std::move(parts)), metrics_(kVersion) {}

int Daemon::run() {
  ComponentContext context(config_, cli_, metrics_, stop_);
  // Parts are destroyed in reverse order of construction, also when one fails to build.
  struct Teardown {
    ComponentContext& context;
    ~Teardown() {
      while (!context.parts_.empty()) context.parts_.pop_back();
    }
  } teardown{context};
  for (const auto& make : list_.factories()) context.parts_.push_back(make(context));

  // One signal_set drives shutdown; the main thread serves it while the parts run.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (!ec) {
      spdlog::info("signal {} received: shutting down", sig);
      stop_.request();
    }
  });
  std::thread signal_thread([&] { signals_io.run(); });

  std::size_t started = 0;
  try {
    for (; started < context.parts_.size(); ++started) context.parts_[started]->start();
  } catch (...) {
    stop_.request();
    for (std::size_t i = started; i-- > 0;) context.parts_[i]->stop();
    signals.cancel();
    signal_thread.join();
    throw;
  }
  stop_.wait();  // a signal, a failure, or the end of a replay with --exit-after-replay
  for (std::size_t i = context.parts_.size(); i-- > 0;) context.parts_[i]->stop();
  signals.cancel();
  signal_thread.join();
  while (!context.parts_.empty()) context.parts_.pop_back();
  spdlog::info("atomd stopped");
  return context.failed() ? 1 : 0;
}

}  // namespace atomd

#include "connectors/runner.hpp"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <future>
#include <thread>

#include "tests/connectors/test_context.hpp"

namespace atomd {
namespace {

using namespace std::chrono_literals;
using testing::RecordingContext;
using Clock = std::chrono::steady_clock;

constexpr auto kSlowPoll = 60ms;

enum class Step { ok, partial_then_ok, fail, rate_limited_fail, rate_limited_then_ok, bug, sleep_forever, slow_ok };

class ScriptedConnector final : public Connector {
 public:
  ScriptedConnector(std::string name, std::chrono::milliseconds interval, std::vector<Step> script)
      : name_(std::move(name)), interval_(interval), script_(std::move(script)) {}
  std::string_view name() const override { return name_; }
  std::chrono::milliseconds interval() const override { return interval_; }
  boost::asio::awaitable<void> poll(ConnectorContext& context) override {
    starts.push_back(Clock::now());
    Step step = script_[std::min(starts.size() - 1, script_.size() - 1)];
    switch (step) {
      case Step::ok: break;
      case Step::partial_then_ok: context.partial_error("org x: 404 Not Found"); break;
      case Step::fail: throw ConnectorError("GET https://h/x: connect: Connection refused (after 5 attempts)");
      case Step::rate_limited_fail: throw RateLimitedError("GET https://h/x: 429 Too Many Requests (after 5 attempts)");
      case Step::rate_limited_then_ok: context.rate_limited(); break;
      case Step::bug: throw std::logic_error("bug");
      case Step::sleep_forever:
        co_await context.sleep(1h);
        context.emit("hf.models", "never", "{}");
        break;
      case Step::slow_ok: co_await context.sleep(kSlowPoll); break;
    }
  }
  std::vector<Clock::time_point> starts;

 private:
  std::string name_;
  std::chrono::milliseconds interval_;
  std::vector<Step> script_;
};

struct Report {
  std::string connector;
  PollOutcome outcome;
  std::string error;
  TimeMs finished_at;
  std::chrono::milliseconds duration;
};

class RecordingObserver final : public ConnectorObserver {
 public:
  void on_poll(const PollReport& r) override {
    reports.push_back({std::string(r.connector), r.outcome, std::string(r.error), r.finished_at, r.duration});
    if (after_poll) after_poll();
  }
  void on_rate_limited(std::string_view connector) override { rate_limited.emplace_back(connector); }
  void on_partial_error(std::string_view connector, std::string_view what) override {
    partial_errors.push_back(std::string(connector) + ": " + std::string(what));
  }
  std::size_t count(const std::string& connector) const {
    return std::count_if(reports.begin(), reports.end(), [&](const Report& r) { return r.connector == connector; });
  }
  std::vector<Report> reports;
  std::vector<std::string> rate_limited;
  std::vector<std::string> partial_errors;
  std::function<void()> after_poll;
};

class RunnerTest : public ::testing::Test {
 protected:
  // Runs the io_context until the runner's loops end; true when they did, false when the
  // watchdog (a 10 s liveness guard, far below the connectors' 1 h intervals) had to stop it.
  bool run_until_idle() {
    bool fired = false;
    watchdog.expires_after(10s);
    watchdog.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      fired = true;
      ioc.stop();
    });
    ioc.run();
    EXPECT_FALSE(fired) << "runner did not stop";
    return !fired;
  }
  void stop_runner() {
    runner.stop();
    watchdog.cancel();
  }

  boost::asio::io_context ioc;
  HttpClient client{ioc.get_executor()};
  std::shared_ptr<RecordingContext> context = std::make_shared<RecordingContext>(client, nullptr);
  RecordingObserver observer;
  ConnectorRunner runner{ioc.get_executor(), observer};
  boost::asio::steady_timer watchdog{ioc};
};

TEST(PollOutcome, LabelValues) {
  EXPECT_EQ(to_string(PollOutcome::ok), "ok");
  EXPECT_EQ(to_string(PollOutcome::error), "error");
  EXPECT_EQ(to_string(PollOutcome::rate_limited), "rate_limited");
}

TEST_F(RunnerTest, ReportsEveryOutcome) {
  auto connector = std::make_shared<ScriptedConnector>(
      "scripted", 20ms,
      std::vector<Step>{Step::partial_then_ok, Step::fail, Step::rate_limited_fail, Step::rate_limited_then_ok, Step::bug});
  runner.add(connector, context);
  observer.after_poll = [&] {
    if (observer.reports.size() == 5) stop_runner();
  };
  const TimeMs before = wall_clock_now();
  runner.start();
  run_until_idle();
  const TimeMs after = wall_clock_now();

  ASSERT_EQ(observer.reports.size(), 5u);
  std::vector<PollOutcome> outcomes;
  for (const auto& r : observer.reports) outcomes.push_back(r.outcome);
  EXPECT_EQ(outcomes, (std::vector<PollOutcome>{PollOutcome::ok, PollOutcome::error, PollOutcome::rate_limited,
                                                PollOutcome::ok, PollOutcome::error}));
  EXPECT_EQ(observer.reports[0].error, "");
  EXPECT_EQ(observer.reports[1].error, "GET https://h/x: connect: Connection refused (after 5 attempts)");
  EXPECT_EQ(observer.reports[2].error, "GET https://h/x: 429 Too Many Requests (after 5 attempts)");
  EXPECT_EQ(observer.reports[4].error, "bug");
  for (const auto& r : observer.reports) EXPECT_EQ(r.connector, "scripted");
  // finished_at is the wall clock at the end of each poll, in poll order.
  for (std::size_t i = 0; i < observer.reports.size(); ++i) {
    EXPECT_GE(observer.reports[i].finished_at, i == 0 ? before : observer.reports[i - 1].finished_at) << i;
    EXPECT_LE(observer.reports[i].finished_at, after) << i;
  }

  EXPECT_EQ(observer.rate_limited, (std::vector<std::string>{"scripted"}));
  EXPECT_EQ(observer.partial_errors, (std::vector<std::string>{"scripted: org x: 404 Not Found"}));
  // The daemon's own context still sees everything.
  EXPECT_EQ(context->rate_limited_count, 1);
  EXPECT_EQ(context->partial_errors, (std::vector<std::string>{"org x: 404 Not Found"}));
  ASSERT_EQ(connector->starts.size(), 5u);
  // The interval is waited between polls. A lower bound: asio's steady timers never fire
  // early, so a slow machine cannot fail it.
  for (std::size_t i = 1; i < connector->starts.size(); ++i)
    EXPECT_GE(connector->starts[i] - connector->starts[i - 1], 20ms);
}

TEST_F(RunnerTest, ReportsHowLongEachPollTook) {
  auto connector = std::make_shared<ScriptedConnector>("timed", 1h, std::vector<Step>{Step::slow_ok});
  runner.add(connector, context);
  observer.after_poll = [&] { stop_runner(); };
  const auto started = Clock::now();
  runner.start();
  ASSERT_TRUE(run_until_idle());
  const auto elapsed = Clock::now() - started;
  ASSERT_EQ(observer.reports.size(), 1u);
  EXPECT_EQ(observer.reports[0].outcome, PollOutcome::ok);
  // A wait inside the poll is part of its duration; the whole run bounds it.
  EXPECT_GE(observer.reports[0].duration, kSlowPoll);
  EXPECT_LE(observer.reports[0].duration, elapsed);
}

TEST_F(RunnerTest, ConnectorsRunIndependently) {
  auto a = std::make_shared<ScriptedConnector>("a", 5ms, std::vector<Step>{Step::ok});
  auto b = std::make_shared<ScriptedConnector>("b", 5ms, std::vector<Step>{Step::fail});
  runner.add(a, context);
  runner.add(b, context);
  observer.after_poll = [&] {
    if (observer.count("a") >= 3 && observer.count("b") >= 3) stop_runner();
  };
  runner.start();
  run_until_idle();
  for (const auto& r : observer.reports)
    EXPECT_EQ(r.outcome, r.connector == "a" ? PollOutcome::ok : PollOutcome::error);
}

TEST_F(RunnerTest, StopEndsTheIntervalSleepAtOnce) {
  auto connector = std::make_shared<ScriptedConnector>("hourly", 1h, std::vector<Step>{Step::ok});
  runner.add(connector, context);
  boost::asio::steady_timer later(ioc, 50ms);
  later.async_wait([&](const boost::system::error_code&) { stop_runner(); });
  runner.start();
  // The loop ended by itself, within the watchdog, not after the 1 h interval.
  EXPECT_TRUE(run_until_idle());
  EXPECT_EQ(observer.reports.size(), 1u);
  EXPECT_EQ(connector->starts.size(), 1u);
}

TEST_F(RunnerTest, StopCutsAWaitInsideAPollWithoutReportingIt) {
  auto connector = std::make_shared<ScriptedConnector>("waiting", 1h, std::vector<Step>{Step::sleep_forever});
  runner.add(connector, context);
  boost::asio::steady_timer later(ioc, 50ms);
  later.async_wait([&](const boost::system::error_code&) { stop_runner(); });
  runner.start();
  // The loop ended by itself, within the watchdog, not after the poll's 1 h wait.
  EXPECT_TRUE(run_until_idle());
  EXPECT_TRUE(observer.reports.empty());
  EXPECT_TRUE(context->emitted.empty());
  EXPECT_EQ(connector->starts.size(), 1u);
}

TEST(Runner, StopFromAnotherThread) {
  boost::asio::io_context ioc;
  HttpClient client{ioc.get_executor()};
  auto context = std::make_shared<RecordingContext>(client, nullptr);
  RecordingObserver observer;
  ConnectorRunner runner(ioc.get_executor(), observer);
  runner.add(std::make_shared<ScriptedConnector>("hourly", 1h, std::vector<Step>{Step::ok}), context);
  runner.start();
  std::promise<void> ran_out;
  std::thread io([&] {
    ioc.run();  // returns once the loop has ended: nothing else keeps the io_context busy
    ran_out.set_value();
  });
  std::this_thread::sleep_for(100ms);
  runner.stop();
  // A liveness guard (the interval is 1 h), not a speed test; stopped by force, the
  // io_context still lets the thread be joined.
  const bool ended = ran_out.get_future().wait_for(10s) == std::future_status::ready;
  EXPECT_TRUE(ended) << "the runner's loop did not end after stop()";
  if (!ended) ioc.stop();
  io.join();
  EXPECT_EQ(observer.reports.size(), 1u);
}

}  // namespace
}  // namespace atomd

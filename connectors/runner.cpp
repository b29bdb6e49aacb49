#include "connectors/runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <list>
#include <mutex>
#include <string>
#include <vector>

namespace atomd {
namespace {

namespace net = boost::asio;

}  // namespace

std::string_view to_string(PollOutcome outcome) {
  switch (outcome) {
    case PollOutcome::ok: return "ok";
    case PollOutcome::error: return "error";
    case PollOutcome::rate_limited: return "rate_limited";
  }
  return "error";
}

struct ConnectorRunner::State {
  struct Slot;

  // Forwards to the daemon's context; adds what the runner observes and a stoppable sleep.
  class RunnerContext final : public ConnectorContext {
   public:
    RunnerContext(State& state, Slot& slot) : state_(state), slot_(slot) {}
    void emit(std::string_view topic, const std::string& key, const std::string& value) override {
      slot_.inner->emit(topic, key, value);
    }
    void reject(std::string_view topic, RejectReason reason, std::string_view detail) override {
      slot_.inner->reject(topic, reason, detail);
    }
    void rate_limited() override {
      slot_.inner->rate_limited();
      if (!state_.stopping) state_.observer->on_rate_limited(slot_.name);
    }
    void partial_error(std::string_view what) override {
      spdlog::warn("connector {}: {}", slot_.name, what);
      slot_.inner->partial_error(what);
      if (!state_.stopping) state_.observer->on_partial_error(slot_.name, what);
    }
    std::shared_ptr<const ReferenceData> reference() override { return slot_.inner->reference(); }
    HttpClient& http() override { return slot_.inner->http(); }

    net::awaitable<void> sleep(std::chrono::milliseconds delay) override {
      if (state_.stopping) throw PollCancelled();
      net::steady_timer timer(state_.strand, delay);
      // Registered while waiting so stop() can cancel it; unregistered even if the frame dies.
      struct Registration {
        std::list<net::steady_timer*>& waits;
        std::list<net::steady_timer*>::iterator it;
        ~Registration() { waits.erase(it); }
      } registration{slot_.waits, slot_.waits.insert(slot_.waits.end(), &timer)};
      boost::system::error_code ec;
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      if (state_.stopping) throw PollCancelled();
    }

   private:
    State& state_;
    Slot& slot_;
  };

  struct Slot {
    Slot(State& state, std::shared_ptr<Connector> c, std::shared_ptr<ConnectorContext> i)
        : connector(std::move(c)), inner(std::move(i)), name(connector->name()), timer(state.strand),
          context(state, *this) {}
    std::shared_ptr<Connector> connector;
    std::shared_ptr<ConnectorContext> inner;
    std::string name;
    net::steady_timer timer;
    std::list<net::steady_timer*> waits;
    RunnerContext context;
  };

  explicit State(net::any_io_executor executor, ConnectorObserver& o)
      : strand(net::make_strand(std::move(executor))), observer(&o) {}

  net::any_io_executor strand;  // all of the runner's work, so stop() never races a loop
  ConnectorObserver* observer;
  std::atomic<bool> stopping{false};
  std::mutex slots_mutex;
  bool started = false;
  std::vector<std::unique_ptr<Slot>> slots;

  void spawn(const std::shared_ptr<State>& self, Slot& slot) {
    net::co_spawn(strand, run_loop(self, slot), [name = slot.name](std::exception_ptr error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        spdlog::error("connector {}: loop ended: {}", name, e.what());
      } catch (...) {
        spdlog::error("connector {}: loop ended by an unknown exception", name);
      }
    });
  }

  static net::awaitable<void> run_loop(std::shared_ptr<State> state, Slot& slot) {
    while (!state->stopping) {
      auto started = std::chrono::steady_clock::now();
      PollOutcome outcome = PollOutcome::ok;
      std::string error;
      bool cancelled = false;
      try {
        co_await slot.connector->poll(slot.context);
      } catch (const PollCancelled&) {
        cancelled = true;
      } catch (const RateLimitedError& e) {
        outcome = PollOutcome::rate_limited;
        error = e.what();
      } catch (const std::exception& e) {
        outcome = PollOutcome::error;
        error = e.what();
      } catch (...) {
        outcome = PollOutcome::error;
        error = "unknown exception";
      }
      if (cancelled || state->stopping) break;
      auto duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      if (outcome == PollOutcome::ok)
        spdlog::info("connector {}: poll ok in {} ms", slot.name, duration.count());
      else
        spdlog::error("connector {}: poll {} after {} ms: {}", slot.name, to_string(outcome), duration.count(), error);
      state->observer->on_poll(PollReport{slot.name, outcome, error, wall_clock_now(), duration});
      // stop() from inside on_poll ran on this strand at once, before this wait existed.
      if (state->stopping) break;

      slot.timer.expires_at(started + std::max(slot.connector->interval(), std::chrono::milliseconds(1)));
      boost::system::error_code ec;
      co_await slot.timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
  }
};

ConnectorRunner::ConnectorRunner(boost::asio::any_io_executor executor, ConnectorObserver& observer)
    : state_(std::make_shared<State>(std::move(executor), observer)) {}

ConnectorRunner::~ConnectorRunner() { stop(); }

void ConnectorRunner::add(std::shared_ptr<Connector> connector, std::shared_ptr<ConnectorContext> context) {
  if (!connector || !context) throw std::invalid_argument("ConnectorRunner::add: null connector or context");
  std::lock_guard lock(state_->slots_mutex);
  state_->slots.push_back(std::make_unique<State::Slot>(*state_, std::move(connector), std::move(context)));
  if (state_->started) state_->spawn(state_, *state_->slots.back());
}

void ConnectorRunner::start() {
  std::lock_guard lock(state_->slots_mutex);
  if (state_->started || state_->stopping) return;
  state_->started = true;
  for (auto& slot : state_->slots) state_->spawn(state_, *slot);
}

void ConnectorRunner::stop() {
  if (state_->stopping.exchange(true)) return;
  net::dispatch(state_->strand, [state = state_] {
    std::lock_guard lock(state->slots_mutex);
    for (auto& slot : state->slots) {
      slot->timer.cancel();
      for (auto* wait : slot->waits) wait->cancel();
    }
  });
}

}  // namespace atomd

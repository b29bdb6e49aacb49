#include "connectors/openrouter.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <unordered_set>

#include "core/topics.hpp"

namespace atomd {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kPacerWindow{std::chrono::minutes(1)};
constexpr int kMaxDaysPerRequest = 366;  // rankings-daily answers 400 to a wider window
constexpr int kMaxModelPages = 100;      // the catalogue is a few hundred models: one page today

OpenRouterConfig validated(OpenRouterConfig config) {
  while (!config.base_url.empty() && config.base_url.back() == '/') config.base_url.pop_back();
  if (config.max_requests_per_minute <= 0)
    throw std::invalid_argument("openrouter: max_requests_per_minute must be positive");
  if (config.days_per_request <= 0 || config.days_per_request > kMaxDaysPerRequest)
    throw std::invalid_argument("openrouter: days_per_request must be in 1.." + std::to_string(kMaxDaysPerRequest));
  if (!config.wall_clock) {
    config.wall_clock = wall_clock_now;
  }
  if (!config.monotonic_clock) {
    config.monotonic_clock = [] {
      return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now().time_since_epoch());
    };
  }
  return config;
}

bool is_success(int status) { return status >= 200 && status <= 299; }

}  // namespace

RequestPacer::RequestPacer(int limit, milliseconds window) : window_(window) {
  if (limit <= 0) throw std::invalid_argument("request pacer: limit must be positive");
  limit_ = static_cast<std::size_t>(limit);
}

milliseconds RequestPacer::wait(milliseconds now) const {
  if (sent_.size() < limit_) return milliseconds(0);
  // The oldest of the last `limit_` requests must leave the window first.
  return std::max(milliseconds(0), sent_.front() + window_ - now);
}

void RequestPacer::sent(milliseconds now) {
  sent_.push_back(now);
  while (sent_.size() > limit_) sent_.pop_front();
}

// The runner's context with every request paced: the connector waits for the pacer before a
// fetch, and fetch_with_retry sleeps through this context before each retry, so its retries
// are paced too. Also counts what the poll emitted and rejected, for the poll's log line.
class OpenRouterConnector::PacedContext final : public ConnectorContext {
 public:
  PacedContext(ConnectorContext& inner, RequestPacer& pacer, const std::function<milliseconds()>& clock)
      : inner_(inner), pacer_(pacer), clock_(clock) {}

  void emit(std::string_view topic, const std::string& key, const std::string& value) override {
    ++emitted;
    inner_.emit(topic, key, value);
  }
  void reject(std::string_view topic, RejectReason reason, std::string_view detail) override {
    ++rejected;
    inner_.reject(topic, reason, detail);
  }
  void rate_limited() override { inner_.rate_limited(); }
  void partial_error(std::string_view what) override { inner_.partial_error(what); }
  std::shared_ptr<const ReferenceData> reference() override { return inner_.reference(); }
  HttpClient& http() override { return inner_.http(); }

  boost::asio::awaitable<void> sleep(milliseconds delay) override {
    co_await inner_.sleep(delay);
    co_await before_request();
  }

  // Waits until the pacer lets one more request go, and counts it as sent.
  boost::asio::awaitable<void> before_request() {
    while (true) {
      milliseconds now = clock_();
      milliseconds wait = pacer_.wait(now);
      if (wait <= milliseconds(0)) {
        pacer_.sent(now);
        co_return;
      }
      co_await inner_.sleep(wait);
    }
  }

  std::size_t emitted = 0;
  std::size_t rejected = 0;

 private:
  ConnectorContext& inner_;
  RequestPacer& pacer_;
  const std::function<milliseconds()>& clock_;
};

OpenRouterConnector::OpenRouterConnector(OpenRouterConfig config)
    : config_(validated(std::move(config))),
      origin_(url_origin(config_.base_url)),  // throws HttpError on a malformed base URL
      pacer_(config_.max_requests_per_minute, kPacerWindow) {}

std::optional<DayIndex> OpenRouterConnector::cursor() const {
  std::lock_guard lock(cursor_mutex_);
  return cursor_;
}

void OpenRouterConnector::restore_cursor(DayIndex day) {
  std::lock_guard lock(cursor_mutex_);
  cursor_ = day;
}

void OpenRouterConnector::advance_cursor(DayIndex day) {
  std::lock_guard lock(cursor_mutex_);
  if (!cursor_ || *cursor_ < day) cursor_ = day;
}

std::string OpenRouterConnector::models_url() const { return config_.base_url + "/api/v1/models"; }

std::string OpenRouterConnector::rankings_url(DayIndex from, DayIndex to) const {
  return config_.base_url + "/api/v1/datasets/rankings-daily?start_date=" + format_date(from) +
         "&end_date=" + format_date(to);
}

TimeMs OpenRouterConnector::wall_now() const { return config_.wall_clock(); }

HttpRequest OpenRouterConnector::request_for(const std::string& url) const {
  return json_request(url, config_.api_key, origin_, config_.request_timeout, config_.body_limit);
}

boost::asio::awaitable<HttpResponse> OpenRouterConnector::fetch(PacedContext& context, const std::string& url) {
  co_await context.before_request();
  HttpResponse response = co_await fetch_with_retry(context.http(), context, request_for(url), config_.retry);
  if (response.status == 401 || response.status == 403)
    throw ConnectorError("openrouter: GET " + redact_url(url) + ": " + describe_status(response) +
                         " (check OPENROUTER_API_KEY)");
  if (!is_success(response.status))
    throw ConnectorError("openrouter: GET " + redact_url(url) + ": " + describe_status(response));
  co_return response;
}

boost::asio::awaitable<void> OpenRouterConnector::poll(ConnectorContext& context) {
  if (!has_key()) throw ConnectorError("openrouter: disabled: OPENROUTER_API_KEY is not set");
  auto reference = context.reference();
  if (!reference) throw ConnectorError("openrouter: no reference data loaded");
  PacedContext paced(context, pacer_, config_.monotonic_clock);

  std::optional<TimeMs> server_time;
  OpenRouterModelIndex models = co_await fetch_models(paced, server_time);

  // Today's figures are still growing: fetch through yesterday, by the server's clock.
  const DayIndex yesterday = day_of(server_time.value_or(wall_now())) - 1;
  const auto last = cursor();
  DayIndex from = last ? std::max(config_.start_date, std::min(*last, yesterday) - 1) : config_.start_date;
  from = std::max(from, kOpenRouterFirstDay);  // an end_date before it is a 400
  for (DayIndex chunk = from; chunk <= yesterday; chunk += config_.days_per_request) {
    DayIndex to = std::min(yesterday, chunk + config_.days_per_request - 1);
    co_await fetch_rankings(paced, models, *reference, chunk, to);
    advance_cursor(to);
  }
  if (from <= yesterday) {
    spdlog::info("openrouter: {} models; days {}..{}: {} records, {} rejected", models.size(), format_date(from),
                 format_date(yesterday), paced.emitted, paced.rejected);
  } else {
    spdlog::debug("openrouter: nothing to fetch before {}", format_date(from));
  }
}

boost::asio::awaitable<OpenRouterModelIndex> OpenRouterConnector::fetch_models(PacedContext& context,
                                                                               std::optional<TimeMs>& server_time) {
  OpenRouterModelIndex index;
  std::string url = models_url();
  std::unordered_set<std::string> visited;
  for (int pages = 1;; ++pages) {
    if (!visited.insert(url).second) throw ConnectorError("openrouter: models paging loops back to " + redact_url(url));
    if (pages > kMaxModelPages)
      throw ConnectorError("openrouter: models paging goes past " + std::to_string(kMaxModelPages) + " pages");
    HttpResponse response = co_await fetch(context, url);
    if (!server_time) server_time = parse_http_date(response.header("Date"));
    OpenRouterModelsPage page = parse_openrouter_models(response.body);
    for (const auto& rejection : page.rejected)
      context.reject(kTopicOpenRouterTokens, rejection.reason, "models: " + rejection.detail);
    // Joining against half a catalogue would label open models closed: fail the poll.
    if (page.malformed)
      throw ConnectorError("openrouter: GET " + redact_url(url) + ": " + page.rejected.front().detail);
    index.merge(page.models);
    if (!page.next || page.entries == 0) break;
    url = resolve_url(url, *page.next);
  }
  if (index.size() == 0) throw ConnectorError("openrouter: GET " + redact_url(models_url()) + " listed no models");
  co_return index;
}

boost::asio::awaitable<void> OpenRouterConnector::fetch_rankings(PacedContext& context,
                                                                 const OpenRouterModelIndex& models,
                                                                 const ReferenceData& reference, DayIndex from,
                                                                 DayIndex to) {
  const std::string url = rankings_url(from, to);
  HttpResponse response = co_await fetch(context, url);
  auto date = parse_http_date(response.header("Date"));
  const TimeMs observed_at = date ? *date : wall_now();
  OpenRouterRankingsPage page = parse_rankings_daily(response.body);
  for (const auto& rejection : page.rejected) context.reject(kTopicOpenRouterTokens, rejection.reason, rejection.detail);
  // The cursor must not pass days that were never read.
  if (page.malformed) throw ConnectorError("openrouter: GET " + redact_url(url) + ": " + page.rejected.front().detail);
  for (const auto& row : page.rows) {
    OpenRouterTokens t = join_ranking_row(row, models, reference, observed_at);
    context.emit(kTopicOpenRouterTokens, tokens_key(t), encode(t));
  }
  spdlog::debug("openrouter: {}..{}: {} rows, {} rejected", format_date(from), format_date(to), page.rows.size(),
                page.rejected.size());
}

ConnectorRegistration openrouter_registration() {
  auto factory = [](const ConnectorSettings& settings) {
    OpenRouterConfig o;
    o.api_key = settings.secret("OPENROUTER_API_KEY");
    // The rankings endpoint needs a key: without one the connector stays off (no error loop).
    if (o.api_key.empty())
      return ConnectorBuild::off("disabled: OPENROUTER_API_KEY is not set",
                                 "disabled: OPENROUTER_API_KEY is not set (set it to track inference share)");
    if (!settings.base_url.empty()) o.base_url = settings.base_url;
    if (settings.interval.count() > 0) o.interval = settings.interval;
    if (auto start = settings.value("start_date")) {
      auto day = parse_date(*start);
      if (!day) throw std::invalid_argument("openrouter: start_date: expected YYYY-MM-DD, got '" + std::string(*start) + "'");
      o.start_date = *day;
    }
    o.retry = settings.retry;
    std::string message = fmt::format("daily token rankings from {} on {} every {}s", format_date(o.start_date),
                                      o.base_url, o.interval.count() / 1000);
    return ConnectorBuild::run(std::make_shared<OpenRouterConnector>(std::move(o)), "with OPENROUTER_API_KEY",
                               std::move(message));
  };
  return {"openrouter", "connectors.openrouter", factory, cursor_codec<OpenRouterConnector>(format_date, parse_date)};
}

}  // namespace atomd

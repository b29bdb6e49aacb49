#include "connectors/hf_derivatives.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <unordered_set>

#include "connectors/hf_derivatives_parse.hpp"
#include "connectors/hf_parse.hpp"
#include "core/topics.hpp"

namespace atomd {
namespace {

// Newest first; an unknown expand value makes the Hub answer 400.
constexpr const char* kListing = "/api/models?sort=createdAt&direction=-1";
constexpr const char* kExpand[] = {"createdAt", "downloads", "tags", "cardData"};
constexpr int kMaxRedirects = 5;

// Where one poll stops. Items come newest first, so the first item at which `reached` holds
// ends the poll, and everything after it was covered before.
class PollBounds {
 public:
  PollBounds(std::optional<HfDerivativesCursor> cursor, bool relist, std::chrono::milliseconds window)
      : cursor_(std::move(cursor)), relist_(relist), window_(window.count()) {}

  bool relist() const { return relist_; }

  bool reached(TimeMs created_at, const std::string& repo_id) {
    if (!newest_) {
      newest_ = HfDerivativesCursor{created_at, repo_id};
      floor_ = std::max(created_at, cursor_ ? cursor_->created_at : created_at) - window_;
    }
    // A tie on createdAt is passed unless it is the cursor's own repo: the Hub's order among
    // equal times is unknown, and re-emitting is harmless.
    bool past_cursor = !cursor_ || created_at < cursor_->created_at ||
                       (created_at == cursor_->created_at && ascii_lower(repo_id) == ascii_lower(cursor_->repo_id));
    if (!relist_) return past_cursor;
    return past_cursor && created_at < floor_;
  }

  // The first (newest) item met, before or at the stop.
  const std::optional<HfDerivativesCursor>& newest() const { return newest_; }

 private:
  std::optional<HfDerivativesCursor> cursor_;
  bool relist_;
  TimeMs window_;
  std::optional<HfDerivativesCursor> newest_;
  TimeMs floor_ = 0;
};

}  // namespace

std::string format_derivatives_cursor(const HfDerivativesCursor& cursor) {
  return std::to_string(cursor.created_at) + " " + cursor.repo_id;
}

std::optional<HfDerivativesCursor> parse_derivatives_cursor(std::string_view text) {
  auto space = text.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 == text.size()) return std::nullopt;
  HfDerivativesCursor cursor;
  auto [end, ec] = std::from_chars(text.data(), text.data() + space, cursor.created_at);
  if (ec != std::errc() || end != text.data() + space) return std::nullopt;
  cursor.repo_id = std::string(text.substr(space + 1));
  return cursor;
}

HfDerivativesConnector::HfDerivativesConnector(HfDerivativesConfig config) : config_(std::move(config)) {
  while (!config_.base_url.empty() && config_.base_url.back() == '/') config_.base_url.pop_back();
  origin_ = url_origin(config_.base_url);  // throws HttpError on a malformed base URL
  if (config_.page_limit <= 0) throw std::invalid_argument("hf_derivatives: page_limit must be positive");
  if (config_.relist_every <= 0) throw std::invalid_argument("hf_derivatives: relist_every must be positive");
  if (config_.relist_window.count() <= 0) throw std::invalid_argument("hf_derivatives: relist_window must be positive");
}

std::string HfDerivativesConnector::first_page_url() const {
  std::string url = config_.base_url + kListing;
  for (const char* field : kExpand) url.append("&expand[]=").append(field);
  url.append("&limit=").append(std::to_string(config_.page_limit));
  return url;
}

HttpRequest HfDerivativesConnector::request_for(const std::string& url) const {
  return json_request(url, config_.token, origin_, config_.request_timeout, config_.body_limit);
}

std::optional<HfDerivativesCursor> HfDerivativesConnector::cursor() const {
  std::lock_guard lock(mutex_);
  return cursor_;
}

void HfDerivativesConnector::restore_cursor(HfDerivativesCursor cursor) {
  std::lock_guard lock(mutex_);
  cursor_ = std::move(cursor);
}

boost::asio::awaitable<void> HfDerivativesConnector::poll(ConnectorContext& context) {
  PollBounds bounds = [&] {
    std::lock_guard lock(mutex_);
    bool relist = !cursor_ || polls_since_relist_ >= config_.relist_every - 1;
    return PollBounds(cursor_, relist, config_.relist_window);
  }();
  std::string url = first_page_url();
  std::unordered_set<std::string> visited;
  int redirects = 0;
  int pages = 0;
  std::size_t emitted = 0;
  bool done = false;
  while (true) {
    if (!visited.insert(url).second) throw ConnectorError("paging loops back to " + redact_url(url));
    HttpResponse response = co_await fetch_with_retry(context.http(), context, request_for(url), config_.retry);
    if (is_redirect(response.status) && !response.header("Location").empty()) {
      if (++redirects > kMaxRedirects) throw ConnectorError("too many redirects at " + redact_url(url));
      url = resolve_url(url, response.header("Location"));
      continue;
    }
    if (response.status == 401 && response.header("X-Error-Message").find("Authorization header") != std::string::npos)
      throw ConnectorError(describe_status(response) + " (check HF_TOKEN)");
    if (response.status < 200 || response.status > 299)
      throw ConnectorError("GET " + redact_url(url) + ": " + describe_status(response));

    auto date = parse_http_date(response.header("Date"));
    HfDerivativesPage page = parse_derivatives_page(response.body, date ? *date : wall_clock_now());
    ++pages;
    if (page.malformed) {
      // The items of this page are unknown: fail so that the cursor stays and a later poll reads them.
      context.reject(kTopicHfDerivatives, page.malformed->reason, page.malformed->detail);
      throw ConnectorError("GET " + redact_url(url) + ": " + page.malformed->detail);
    }
    for (const auto& model : page.models) {
      if (model.created_at && bounds.reached(*model.created_at, model.repo_id)) {
        done = true;
        break;
      }
      if (model.rejection) context.reject(kTopicHfDerivatives, model.rejection->reason, model.rejection->detail);
      if (model.derivative) {
        context.emit(kTopicHfDerivatives, model.derivative->repo_id, encode(*model.derivative));
        ++emitted;
      }
    }
    if (done) break;
    auto next = parse_link_next(response.header("Link"));
    if (!next) break;
    url = resolve_url(url, *next);
  }

  std::lock_guard lock(mutex_);
  const auto& newest = bounds.newest();
  if (newest && (!cursor_ || newest->created_at > cursor_->created_at)) cursor_ = newest;
  polls_since_relist_ = bounds.relist() ? 0 : polls_since_relist_ + 1;
  spdlog::debug("hf_derivatives: {} poll: {} pages, {} derivatives", bounds.relist() ? "relist" : "incremental",
                pages, emitted);
}

ConnectorRegistration hf_derivatives_registration() {
  auto factory = [](const ConnectorSettings& settings) {
    HfDerivativesConfig d;
    if (!settings.base_url.empty()) d.base_url = settings.base_url;
    if (settings.interval.count() > 0) d.interval = settings.interval;
    if (auto window = settings.value("relist_window")) {
      auto ms = parse_duration(*window);
      if (!ms) throw std::invalid_argument("hf_derivatives: relist_window: expected a duration, got '" + std::string(*window) + "'");
      d.relist_window = std::chrono::milliseconds(*ms);
    }
    d.retry = settings.retry;
    d.token = settings.secret("HF_TOKEN");
    std::string message = fmt::format("new models on {} every {}s, re-listing the last {} days every {} polls", d.base_url,
                                      d.interval.count() / 1000, d.relist_window.count() / kMsPerDay, d.relist_every);
    const bool anonymous = d.token.empty();
    return ConnectorBuild::run(std::make_shared<HfDerivativesConnector>(std::move(d)),
                               anonymous ? "anonymous (no HF_TOKEN)" : "authenticated", std::move(message));
  };
  return {"hf_derivatives", "connectors.hf_derivatives", factory,
          cursor_codec<HfDerivativesConnector>(format_derivatives_cursor, parse_derivatives_cursor)};
}

}  // namespace atomd

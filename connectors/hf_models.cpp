#include "connectors/hf_models.hpp"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "connectors/hf_parse.hpp"
#include "core/topics.hpp"

namespace atomd {
namespace {

// The listing's fields beyond id; an unknown expand value makes the Hub answer 400.
constexpr const char* kExpand[] = {"downloads", "downloadsAllTime", "createdAt",    "likes",        "safetensors",
                                   "gguf",      "tags",             "pipeline_tag", "library_name", "gated"};
constexpr int kMaxRedirects = 5;
constexpr int kStaleAfterPolls = 3;

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

HfModelsConnector::HfModelsConnector(HfModelsConfig config) : config_(std::move(config)) {
  while (!config_.base_url.empty() && config_.base_url.back() == '/') config_.base_url.pop_back();
  origin_ = url_origin(config_.base_url);  // throws HttpError on a malformed base URL
  if (config_.page_limit <= 0) throw std::invalid_argument("hf_models: page_limit must be positive");
}

std::string HfModelsConnector::first_page_url(std::string_view org) const {
  std::string url = config_.base_url + "/api/models?author=" + percent_encode(org);
  for (const char* field : kExpand) url.append("&expand[]=").append(field);
  url.append("&limit=").append(std::to_string(config_.page_limit));
  return url;
}

HttpRequest HfModelsConnector::request_for(const std::string& url) const {
  return json_request(url, config_.token, origin_, config_.request_timeout, config_.body_limit);
}

boost::asio::awaitable<void> HfModelsConnector::poll(ConnectorContext& context) {
  auto reference = context.reference();
  if (!reference) throw ConnectorError("hf_models: no reference data loaded");
  std::vector<std::string> seen;
  for (const auto& org : reference->tracked_orgs()) co_await poll_org(context, *reference, org, seen);
  record_successful_poll(*reference, seen);
}

boost::asio::awaitable<void> HfModelsConnector::poll_org(ConnectorContext& context, const ReferenceData& reference,
                                                         const std::string& org, std::vector<std::string>& seen) {
  std::string url = first_page_url(org);
  std::unordered_set<std::string> visited;
  int redirects = 0;
  int pages = 0;
  while (true) {
    if (!visited.insert(url).second)
      throw ConnectorError("org " + org + ": paging loops back to " + redact_url(url));
    HttpResponse response = co_await fetch_with_retry(context.http(), context, request_for(url), config_.retry);
    if (is_redirect(response.status) && !response.header("Location").empty()) {
      if (++redirects > kMaxRedirects) throw ConnectorError("org " + org + ": too many redirects at " + redact_url(url));
      url = resolve_url(url, response.header("Location"));
      continue;
    }
    // A rejected token fails every org alike: the poll as a whole failed.
    if (response.status == 401 && response.header("X-Error-Message").find("Authorization header") != std::string::npos)
      throw ConnectorError("org " + org + ": " + describe_status(response) + " (check HF_TOKEN)");
    if (response.status == 401 || response.status == 404) {
      // The Hub answers 401 for an unknown or private namespace when anonymous, 404 otherwise.
      context.partial_error("org " + org + ": " + describe_status(response));
      co_return;
    }
    if (response.status < 200 || response.status > 299)
      throw ConnectorError("org " + org + ": GET " + redact_url(url) + ": " + describe_status(response));

    auto date = parse_http_date(response.header("Date"));
    HfModelsPage page = parse_models_page(response.body, date ? *date : wall_clock_now());
    ++pages;
    for (const auto& rejection : page.rejected) context.reject(kTopicHfModels, rejection.reason, rejection.detail);
    for (auto& model : page.models) {
      auto canonical = reference.canonical_repo_id(model.repo_id);
      if (!canonical) continue;  // not on the tracked list
      model.repo_id = *canonical;
      model.org = std::string(repo_org(model.repo_id));
      context.emit(kTopicHfModels, model.repo_id, encode(model));
      seen.push_back(model.repo_id);
    }
    auto next = parse_link_next(response.header("Link"));
    if (!next) break;
    url = resolve_url(url, *next);
  }
  spdlog::debug("hf_models: org {}: {} pages", org, pages);
}

void HfModelsConnector::record_successful_poll(const ReferenceData& reference, const std::vector<std::string>& seen) {
  ++successful_polls_;
  for (const auto& id : seen) last_seen_poll_[ascii_lower(id)] = successful_polls_;
  std::vector<std::string> stale;
  if (successful_polls_ >= kStaleAfterPolls) {
    for (const auto& model : reference.tracked_models()) {
      auto it = last_seen_poll_.find(ascii_lower(model.repo_id));
      std::int64_t last = it == last_seen_poll_.end() ? 0 : it->second;
      if (last <= successful_polls_ - kStaleAfterPolls) stale.push_back(model.repo_id);
    }
  }
  std::sort(stale.begin(), stale.end());
  std::lock_guard lock(stale_mutex_);
  stale_ids_ = std::move(stale);
  stale_count_ = stale_ids_.size();
}

std::vector<std::string> HfModelsConnector::stale_model_ids() const {
  std::lock_guard lock(stale_mutex_);
  return stale_ids_;
}

ConnectorRegistration hf_models_registration() {
  auto factory = [](const ConnectorSettings& settings) {
    HfModelsConfig hf;
    if (!settings.base_url.empty()) hf.base_url = settings.base_url;
    if (settings.interval.count() > 0) hf.interval = settings.interval;
    hf.retry = settings.retry;
    hf.token = settings.secret("HF_TOKEN");
    const bool anonymous = hf.token.empty();
    std::string message = fmt::format("polling {} every {}s ({})", hf.base_url, hf.interval.count() / 1000,
                                      anonymous ? "anonymous; set HF_TOKEN for higher rate limits" : "with HF_TOKEN");
    return ConnectorBuild::run(std::make_shared<HfModelsConnector>(std::move(hf)),
                               anonymous ? "anonymous (no HF_TOKEN)" : "authenticated", std::move(message));
  };
  return {"hf_models", "connectors.hf", factory, {}};
}

}  // namespace atomd

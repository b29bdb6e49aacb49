#include "operators/derivatives.hpp"

#include <algorithm>
#include <stdexcept>

namespace atomd {
namespace {

constexpr std::string_view kCountedPrefix = "ids";
constexpr std::string_view kLinksPrefix = "links";

// 32 bits of the hash of the bases' lower-cased ids, in order (relations do not change a root).
std::uint32_t bases_fingerprint(const std::vector<DerivativeBase>& bases) {
  std::string joined;
  for (const DerivativeBase& b : bases) {
    joined += b.base;
    joined += '\n';
  }
  return static_cast<std::uint32_t>(RepoIdSet::hash(joined) >> 32);
}

}  // namespace

std::string_view to_string(DerivativeAttribution a) {
  return a == DerivativeAttribution::root ? "root" : "namespace";
}

std::optional<DerivativeAttribution> parse_derivative_attribution(std::string_view s) {
  if (s == "namespace") return DerivativeAttribution::namespace_;
  if (s == "root") return DerivativeAttribution::root;
  return std::nullopt;
}

std::string_view to_string(DerivativeOutcome o) {
  switch (o) {
    case DerivativeOutcome::counted: return "counted";
    case DerivativeOutcome::below_threshold: return "below_threshold";
    case DerivativeOutcome::already_counted: return "already_counted";
  }
  return "counted";
}

std::vector<DerivativeBase> distinct_bases(const std::vector<DerivativeBase>& relations) {
  std::vector<std::pair<std::string, const DerivativeBase*>> keyed;
  keyed.reserve(relations.size());
  for (const DerivativeBase& r : relations) keyed.emplace_back(ascii_lower(r.base), &r);
  // Stable: among spellings of one base, the first listed is kept.
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<DerivativeBase> out;
  out.reserve(keyed.size());
  for (std::size_t i = 0; i < keyed.size(); ++i)
    if (i == 0 || keyed[i].first != keyed[i - 1].first) out.push_back(*keyed[i].second);
  return out;
}

DerivativeResult DerivativeDedupe::process(const HfDerivative& d) {
  DerivativeContribution c;
  c.repo_id = d.repo_id;
  c.observed_at = d.observed_at;
  c.created_at = d.created_at;
  c.bases = distinct_bases(d.relations);

  if (config_.attribution == DerivativeAttribution::root) c.link = links_.assign_tag(d.repo_id, bases_fingerprint(c.bases));

  DerivativeOutcome outcome = DerivativeOutcome::below_threshold;
  if (counted_.contains(d.repo_id)) {
    outcome = DerivativeOutcome::already_counted;
  } else if (d.downloads_30d > config_.min_downloads && !c.bases.empty()) {
    counted_.insert(d.repo_id);
    outcome = DerivativeOutcome::counted;
    c.counted = true;
  }
  if (!c.counted && !c.link) return {outcome, std::nullopt};
  return {outcome, std::move(c)};
}

void DerivativeDedupe::save_state(const std::function<void(std::string_view, std::string_view)>& sink) const {
  counted_.save(kCountedPrefix, sink);
  links_.save(kLinksPrefix, sink);
}

void DerivativeDedupe::save_changed_state(const std::function<void(std::string_view, std::string_view)>& sink) {
  counted_.save_changed(kCountedPrefix, sink);
  links_.save_changed(kLinksPrefix, sink);
}

void DerivativeDedupe::restore_state(std::string_view key, std::string_view value) {
  const auto slash = key.find('/');
  const std::string_view prefix = key.substr(0, slash);
  const std::string_view chunk = slash == std::string_view::npos ? std::string_view() : key.substr(slash + 1);
  if (prefix == kCountedPrefix)
    counted_.restore(chunk, value);
  else if (prefix == kLinksPrefix)
    links_.restore(chunk, value);
  else
    throw std::runtime_error(std::string(key) + ": bad state key for derivatives");
}

void DerivativeDedupe::clear_state() {
  counted_.clear();
  links_.clear();
}

}  // namespace atomd

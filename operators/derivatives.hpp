#pragma once
// Stage 1 of the derivatives family (DESIGN §4 "Derivatives"), partitioned by derivative repo
// id: turns sightings of a repo into at most one count, plus lineage links for `root` mode.
//
// State, all in RepoIdSet (hashes, not ids, so it stays bounded at Hub scale):
// - counted: the ids already counted, under keys "ids/<chunk>";
// - links (root mode only): per id, a 32-bit fingerprint of its current bases, under keys
//   "links/<chunk>". A sighting sends a link only when its bases differ from the last ones
//   sent, so stage 2 sees O(repos + base changes) links, not one per poll. A change whose
//   fingerprint equals the old one (probability 2^-32) goes unsent.
// Switching namespace → root starts with no links: they arrive as the pollers re-list repos.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/records.hpp"
#include "operators/operator.hpp"
#include "operators/repo_id_set.hpp"

namespace atomd {

enum class DerivativeAttribution {
  namespace_,  // the base's HF org after aliases (ATOM's rule); config value "namespace"
  root         // the root ancestor through known derivative → base links
};
std::string_view to_string(DerivativeAttribution a);
std::optional<DerivativeAttribution> parse_derivative_attribution(std::string_view s);

struct DerivativesConfig {
  std::int64_t min_downloads = 5;  // counted once downloads_30d > this
  DerivativeAttribution attribution = DerivativeAttribution::namespace_;
};

// What stage 1 sends to stage 2 about one repo. Stage 2 applies it idempotently: a count per
// repo id once, a link per repo id when newer than the one it holds.
struct DerivativeContribution {
  std::string repo_id;
  TimeMs observed_at = 0;
  TimeMs created_at = 0;
  bool counted = false;  // count it once, in created_at's UTC month, 1/k to each base
  bool link = false;     // root mode: its bases are new or changed (lineage for other repos' roots)
  std::vector<DerivativeBase> bases;  // distinct (case-insensitively), ordered by base id
  bool operator==(const DerivativeContribution&) const = default;
};

enum class DerivativeOutcome {
  counted,          // first sighting above the threshold: counted now
  below_threshold,  // not counted yet: downloads_30d <= min_downloads
  already_counted   // counted before (a re-poll, a redelivery, a restart)
};
std::string_view to_string(DerivativeOutcome o);

struct DerivativeResult {
  DerivativeOutcome outcome;
  std::optional<DerivativeContribution> contribution;  // present when counted or a link changed
};

class DerivativeDedupe final : public StatefulOperator {
 public:
  explicit DerivativeDedupe(DerivativesConfig config) : config_(config), links_(4) {}

  DerivativeResult process(const HfDerivative& derivative);

  const DerivativesConfig& config() const { return config_; }
  std::size_t counted_count() const { return counted_.size(); }
  std::size_t linked_count() const { return links_.size(); }
  std::size_t state_bytes() const { return counted_.allocated_bytes() + links_.allocated_bytes(); }

  std::string_view name() const override { return "derivatives"; }
  void save_state(const std::function<void(std::string_view, std::string_view)>& sink) const override;
  // Only the chunks changed since the last restore or save_changed_state (incremental checkpoints).
  void save_changed_state(const std::function<void(std::string_view, std::string_view)>& sink) override;
  bool reports_changes() const override { return true; }
  void restore_state(std::string_view key, std::string_view value) override;
  void clear_state() override;

 private:
  DerivativesConfig config_;
  RepoIdSet counted_;
  RepoIdSet links_;
};

// The distinct bases of a sighting (case-insensitively; first spelling kept), ordered by the
// lower-cased base id so every consumer splits and sums in one order.
std::vector<DerivativeBase> distinct_bases(const std::vector<DerivativeBase>& relations);

}  // namespace atomd

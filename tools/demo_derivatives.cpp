// The demo's derivative sightings (DESIGN §2 topic hf.derivatives, §4 "Derivatives"). Each
// month gets a fixed, scaled-down number of new derivative repos; their bases' labs follow the
// report's monthly derivative shares through quotas (not draws), so a lab's share of the
// derivatives counted by the daemon's rules lands on the published figure.
#include <algorithm>
#include <array>
#include <map>
#include <stdexcept>

#include "tools/demo_history.hpp"
#include "tools/demo_random.hpp"

namespace atomd {
namespace {

using demo::day_or_throw;
using demo::fnv1a64;
using demo::month_or_throw;
using demo::SplitMix64;

constexpr TimeMs kPollInterval = 15 * 60 * kMsPerSecond;  // connectors.hf_derivatives.interval
constexpr TimeMs kMsPerHour = 3'600'000;

// New derivatives per month: linear from the first month to the calibration month, and on.
constexpr double kDerivativesFirstMonth = 220;
constexpr double kDerivativesCalibrationMonth = 850;

// The labs whose models people derive from; `community` is every other base: other orgs'
// models, re-uploads (unsloth) and earlier derivatives.
constexpr std::array<std::string_view, 16> kLabs = {
    "Qwen",     "meta-llama", "mistralai",  "google",    "microsoft", "deepseek-ai", "openai",    "nvidia",
    "moonshotai", "MiniMaxAI", "zai-org", "tiiuae", "HuggingFaceTB", "allenai", "OpenGVLab", "community"};
constexpr std::size_t kLabCount = kLabs.size();
constexpr std::size_t kCommunity = kLabCount - 1;

// Each lab's percentage of the month's new derivatives, linear between anchors and held after
// the last. Atom-report-facts.md: Qwen 1 % in January 2024 and 69 % in February 2026; Llama's
// peak near 50 % in fall 2024 and 15 % in August 2025. The rest is a plausible split.
struct ShareAnchor {
  std::string_view month;
  std::array<double, kLabCount> percent;  // in kLabs order
};
// clang-format off
constexpr ShareAnchor kShareAnchors[] = {
    //          Qwen  llama mistr goog  msft  deeps oai   nvid  moon  minim zai   tiiuae HFTB alai  OGVL  comm
    {"2023-07", {0.0, 45.0, 0.0,  0.0,  0.0,  0.0,  0.0,  0.0,  0.0,  0.0,  0.0,  15.0,  0.0, 0.0,  0.0,  40.0}},
    {"2023-09", {0.3, 45.0, 5.0,  0.0,  1.0,  0.0,  0.0,  0.0,  0.0,  0.0,  0.0,  10.0,  0.0, 0.0,  0.0,  38.7}},
    {"2023-11", {0.6, 42.0, 22.0, 0.0,  2.0,  1.0,  0.0,  0.0,  0.0,  0.0,  0.5,  5.0,   0.0, 0.0,  0.0,  26.9}},
    {"2024-01", {1.0, 38.0, 28.0, 0.5,  5.0,  1.0,  0.0,  0.0,  0.0,  0.0,  0.5,  2.0,   0.0, 0.0,  0.0,  24.0}},
    {"2024-04", {3.0, 44.0, 20.0, 7.0,  5.0,  1.0,  0.0,  0.0,  0.0,  0.0,  0.5,  1.0,   0.0, 0.5,  0.0,  18.0}},
    {"2024-07", {8.0, 48.0, 12.0, 8.0,  4.0,  1.0,  0.0,  0.0,  0.0,  0.0,  1.0,  0.5,   0.0, 0.5,  0.0,  17.0}},
    {"2024-10", {16.0, 50.0, 7.0, 6.0,  3.0,  1.0,  0.0,  0.5,  0.0,  0.0,  1.0,  0.5,   0.5, 0.5,  0.5,  13.5}},
    {"2025-01", {26.0, 42.0, 5.0, 5.0,  3.0,  4.0,  0.0,  0.5,  0.0,  0.0,  1.0,  0.5,   1.0, 0.5,  0.5,  11.0}},
    {"2025-04", {40.0, 28.0, 4.0, 8.0,  2.0,  4.0,  0.0,  0.5,  0.3,  0.2,  1.0,  0.3,   1.0, 0.5,  0.7,  9.5}},
    {"2025-08", {55.0, 15.0, 3.0, 8.0,  1.5,  3.0,  3.0,  0.8,  0.4,  0.3,  1.5,  0.2,   1.0, 0.5,  0.8,  6.0}},
    {"2025-11", {63.0, 11.0, 2.5, 7.0,  1.0,  2.5,  3.0,  1.0,  0.5,  0.4,  2.0,  0.2,   0.8, 0.5,  0.8,  3.8}},
    {"2026-02", {69.0, 8.0,  2.0, 6.0,  0.8,  2.0,  2.5,  1.0,  0.6,  0.5,  2.5,  0.1,   0.7, 0.4,  0.6,  3.3}},
};
// clang-format on

// Bases outside the demo catalogue: the labs' models from before the catalogue covers them,
// renamed orgs' old spellings (THUDM → zai-org, so attribution goes through the aliases), and
// the community's popular bases.
struct ExtraBase {
  std::string_view lab;
  std::string_view repo_id;
  std::string_view release;
  double popularity;  // like DemoModel::downloads_m: the weight of a base among its lab's
};
constexpr ExtraBase kExtraBases[] = {
    {"Qwen", "Qwen/Qwen-7B-Chat", "2023-08-03", 3.0},
    {"Qwen", "Qwen/Qwen-14B-Chat", "2023-09-24", 2.0},
    {"Qwen", "Qwen/Qwen1.5-7B-Chat", "2024-02-04", 3.0},
    {"Qwen", "Qwen/Qwen1.5-0.5B-Chat", "2024-02-04", 2.0},
    {"google", "google/flan-t5-large", "2022-10-21", 3.0},
    {"google", "google/gemma-7b", "2024-02-21", 4.0},
    {"google", "google/gemma-2b-it", "2024-02-21", 3.0},
    {"microsoft", "microsoft/phi-1_5", "2023-09-10", 2.0},
    {"microsoft", "microsoft/phi-2", "2023-12-13", 4.0},
    {"zai-org", "THUDM/chatglm3-6b", "2023-10-25", 2.0},
    {"zai-org", "THUDM/glm-4-9b-chat", "2024-06-05", 2.0},
    {"allenai", "allenai/OLMo-7B", "2024-02-01", 1.0},
    {"community", "openai-community/gpt2", "2022-03-02", 4.0},
    {"community", "EleutherAI/pythia-1b", "2023-03-10", 2.0},
    {"community", "HuggingFaceH4/zephyr-7b-beta", "2023-10-26", 4.0},
    {"community", "teknium/OpenHermes-2.5-Mistral-7B", "2023-10-29", 3.0},
    {"community", "stabilityai/stablelm-zephyr-3b", "2023-11-21", 1.5},
    {"community", "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "2023-12-30", 5.0},
    {"community", "NousResearch/Hermes-3-Llama-3.1-8B", "2024-08-05", 2.0},
    {"community", "unsloth/Qwen2.5-7B-Instruct-bnb-4bit", "2024-09-19", 3.0},
    {"community", "unsloth/Llama-3.2-1B-Instruct", "2024-09-25", 2.0},
    {"community", "unsloth/gemma-3-4b-it", "2025-03-12", 2.0},
};

// How a derivative's sightings go, cycled over each lab's derivatives of a month so that every
// lab has the same share counted: 15 of 20 cross the threshold (downloads_30d > 5).
enum class Course {
  crosses_on_relist,  // first seen with 0–3 downloads, over the threshold at the relist
  over_at_first,      // a popular upload: over the threshold already at the first sighting
  never_crosses,      // re-listed with 5 or fewer downloads: never counted
  seen_once,          // not re-listed (deleted or made private): never counted
  relist_twice,       // crosses on relist, and that sighting is delivered twice (at least once)
};
constexpr Course kCourseCycle[20] = {
    Course::crosses_on_relist, Course::crosses_on_relist, Course::never_crosses,     Course::crosses_on_relist,
    Course::over_at_first,     Course::crosses_on_relist, Course::crosses_on_relist, Course::never_crosses,
    Course::crosses_on_relist, Course::relist_twice,      Course::crosses_on_relist, Course::never_crosses,
    Course::crosses_on_relist, Course::over_at_first,     Course::crosses_on_relist, Course::seen_once,
    Course::crosses_on_relist, Course::crosses_on_relist, Course::never_crosses,     Course::crosses_on_relist,
};

struct Candidate {
  std::string repo_id;
  DayIndex release;
  double popularity;
};

// Names of the community accounts that publish derivatives: adjective-noun, 24 x 16 of them.
constexpr std::string_view kOrgAdjectives[] = {
    "amber", "brisk", "cobalt", "dusty", "eager", "fuzzy", "gentle", "hollow", "ivory", "jolly", "keen", "lucid",
    "mellow", "nimble", "opal", "placid", "quiet", "rustic", "silver", "tidal", "umber", "vivid", "woolly", "zesty"};
constexpr std::string_view kOrgNouns[] = {"badger", "comet", "delta", "falcon", "grove", "harbor", "iris", "juniper",
                                          "kiln", "lantern", "meadow", "nebula", "orchard", "pixel", "quarry", "reef"};

std::string_view suffix_of(Relation relation, SplitMix64& rng) {
  static constexpr std::string_view kFinetune[] = {"sft", "dpo", "orpo", "grpo", "instruct-ft", "math", "code", "chat"};
  static constexpr std::string_view kAdapter[] = {"lora", "qlora", "lora-adapter"};
  static constexpr std::string_view kQuantized[] = {"GGUF", "AWQ", "GPTQ-Int4", "bnb-4bit", "MLX-4bit", "FP8"};
  static constexpr std::string_view kMerge[] = {"merge", "slerp", "ties", "dare-ties"};
  static constexpr std::string_view kUnspecified[] = {"ft", "v1", "custom"};
  auto pick = [&](const auto& list) { return list[rng.below(std::size(list))]; };
  switch (relation) {
    case Relation::finetune: return pick(kFinetune);
    case Relation::adapter: return pick(kAdapter);
    case Relation::quantized: return pick(kQuantized);
    case Relation::merge: return pick(kMerge);
    case Relation::unspecified: return pick(kUnspecified);
  }
  return "ft";
}

Relation draw_relation(SplitMix64& rng) {
  const double u = rng.uniform();
  if (u < 0.36) return Relation::finetune;
  if (u < 0.66) return Relation::quantized;
  if (u < 0.84) return Relation::adapter;
  if (u < 0.93) return Relation::unspecified;
  return Relation::merge;
}

// The first connector poll after t, plus the seconds the response's Date header lags.
TimeMs poll_after(TimeMs t, SplitMix64& rng) {
  return (t / kPollInterval + 1) * kPollInterval + static_cast<TimeMs>(1 + rng.below(59)) * kMsPerSecond;
}

// A heavy-tailed downloads_30d above the threshold: 6 at least, a median near 9.
std::int64_t downloads_over_threshold(SplitMix64& rng) {
  const double u = rng.uniform();
  return 6 + static_cast<std::int64_t>(std::min(3.0 * (1.0 / (1.0 - u) - 1.0), 200'000.0));
}

class DerivativeGenerator {
 public:
  DerivativeGenerator() {
    for (const auto& m : demo_catalogue()) {
      const auto lab = lab_index(repo_org(m.repo_id));
      if (lab != kCommunity) candidates_[lab].push_back({std::string(m.repo_id), day_or_throw(m.release_date), m.downloads_m});
    }
    for (const auto& e : kExtraBases)
      candidates_[lab_index(e.lab)].push_back({std::string(e.repo_id), day_or_throw(e.release), e.popularity});
    for (std::size_t lab = 0; lab < kLabCount; ++lab) {
      first_release_[lab] = kNever;
      for (const auto& c : candidates_[lab]) first_release_[lab] = std::min(first_release_[lab], c.release);
    }
  }

  // Appends the month's sightings, in generation order.
  void generate_month(MonthIndex month, std::vector<HfDerivative>& out) {
    const DayIndex first_day = month_first_day(month);
    const DayIndex last_day = month_first_day(month + 1) - 1;
    SplitMix64 rng(fnv1a64("derivatives " + format_month(month)));
    const auto quota = lab_quota(month, last_day);

    struct Slot {
      std::size_t lab;
      Course course;
    };
    std::vector<Slot> slots;
    for (std::size_t lab = 0; lab < kLabCount; ++lab) {
      const auto offset = rng.below(std::size(kCourseCycle));
      for (std::size_t i = 0; i < quota[lab]; ++i)
        slots.push_back({lab, kCourseCycle[(i + offset) % std::size(kCourseCycle)]});
    }
    for (std::size_t i = slots.size(); i > 1; --i) std::swap(slots[i - 1], slots[rng.below(i)]);  // Fisher–Yates

    std::vector<std::string> crossed_this_month;
    for (const auto& slot : slots) {
      // Created after the lab's first base appeared, so a base always exists.
      const DayIndex from = std::max(first_day, first_release_[slot.lab] + 1);
      const DayIndex day = from + static_cast<DayIndex>(rng.below(static_cast<std::uint64_t>(last_day - from + 1)));
      HfDerivative d;
      d.created_at = day_start(day) + static_cast<TimeMs>(rng.below(86'400)) * kMsPerSecond;
      const Relation relation = draw_relation(rng);
      d.relations = bases_for(slot.lab, relation, day, rng);
      const std::string& base = d.relations.front().base;
      d.repo_id = community_org(rng) + "/" + std::string(repo_name(base)) + "-" +
                  std::string(suffix_of(d.relations.front().relation, rng)) + "-" + std::to_string(++serial_);
      emit_sightings(std::move(d), slot.course, rng, out, crossed_this_month);
    }
    // Derivatives of derivatives only pick from earlier months, so a chain never points forward.
    for (auto& id : crossed_this_month) popular_derivatives_.push_back(std::move(id));
  }

 private:
  static constexpr DayIndex kNever = INT32_MAX;

  static std::size_t lab_index(std::string_view org) {
    for (std::size_t i = 0; i + 1 < kLabCount; ++i)
      if (kLabs[i] == org) return i;
    return kCommunity;
  }

  // Largest-remainder split of the month's count over the labs that have a base by then.
  std::array<std::size_t, kLabCount> lab_quota(MonthIndex month, DayIndex last_day) const {
    const MonthIndex first = month_or_throw(kDemoDerivativesFrom);
    const MonthIndex calibration = month_of_day(demo_calibration_day());
    const double count = kDerivativesFirstMonth + (kDerivativesCalibrationMonth - kDerivativesFirstMonth) *
                                                      static_cast<double>(month - first) / (calibration - first);
    const auto total = static_cast<std::size_t>(std::llround(count));

    std::array<double, kLabCount> weight{};
    const std::size_t n = std::size(kShareAnchors);
    std::size_t hi = 0;
    while (hi < n && month_or_throw(kShareAnchors[hi].month) <= month) ++hi;
    for (std::size_t lab = 0; lab < kLabCount; ++lab) {
      if (hi == 0) {
        weight[lab] = kShareAnchors[0].percent[lab];
      } else if (hi == n) {
        weight[lab] = kShareAnchors[n - 1].percent[lab];
      } else {
        const auto& a = kShareAnchors[hi - 1];
        const auto& b = kShareAnchors[hi];
        const double f = static_cast<double>(month - month_or_throw(a.month)) /
                         (month_or_throw(b.month) - month_or_throw(a.month));
        weight[lab] = a.percent[lab] + f * (b.percent[lab] - a.percent[lab]);
      }
      if (first_release_[lab] >= last_day) weight[lab] = 0;
    }
    double sum = 0;
    for (double w : weight) sum += w;
    std::array<std::size_t, kLabCount> quota{};
    std::array<double, kLabCount> remainder{};
    std::size_t given = 0;
    for (std::size_t lab = 0; lab < kLabCount; ++lab) {
      const double exact = static_cast<double>(total) * weight[lab] / sum;
      quota[lab] = static_cast<std::size_t>(exact);
      remainder[lab] = exact - static_cast<double>(quota[lab]);
      given += quota[lab];
    }
    for (; given < total; ++given) {
      const auto best = std::max_element(remainder.begin(), remainder.end()) - remainder.begin();
      ++quota[static_cast<std::size_t>(best)];
      remainder[static_cast<std::size_t>(best)] = -1;
    }
    return quota;
  }

  // A base of the lab released before `day`: popular and recent bases are picked more.
  const std::string& pick_base(std::size_t lab, DayIndex day, SplitMix64& rng, std::string_view unlike = {}) const {
    double total = 0;
    for (const auto& c : candidates_[lab])
      if (c.release < day && c.repo_id != unlike) total += weight_of(c, day);
    double u = rng.uniform() * total;
    const Candidate* chosen = nullptr;
    for (const auto& c : candidates_[lab]) {
      if (c.release >= day || c.repo_id == unlike) continue;
      chosen = &c;
      u -= weight_of(c, day);
      if (u < 0) break;
    }
    if (!chosen) throw std::logic_error("demo derivatives: no base for " + std::string(kLabs[lab]));
    return chosen->repo_id;
  }

  static double weight_of(const Candidate& c, DayIndex day) { return c.popularity / (1.0 + (day - c.release) / 180.0); }

  std::size_t available(std::size_t lab, DayIndex day) const {
    return static_cast<std::size_t>(std::count_if(candidates_[lab].begin(), candidates_[lab].end(),
                                                  [&](const Candidate& c) { return c.release < day; }));
  }

  std::vector<DerivativeBase> bases_for(std::size_t lab, Relation relation, DayIndex day, SplitMix64& rng) const {
    // A third of the community's derivatives build on an earlier popular derivative (a chain
    // that `root` attribution follows back to a lab).
    if (lab == kCommunity && !popular_derivatives_.empty() && rng.uniform() < 0.35) {
      const std::size_t recent = std::min<std::size_t>(popular_derivatives_.size(), 2000);
      const auto& base = popular_derivatives_[popular_derivatives_.size() - 1 - rng.below(recent)];
      return {{relation == Relation::merge ? Relation::finetune : relation, base}};
    }
    const std::string& first = pick_base(lab, day, rng);
    if (relation != Relation::merge) return {{relation, first}};
    // A merge has two bases, mostly of one lab; one in five mixes in a base of another lab.
    std::size_t other_lab = lab;
    if (rng.uniform() < 0.2) {
      static constexpr std::size_t kMergePartners[] = {0, 1, 2, 3};  // Qwen, meta-llama, mistralai, google
      other_lab = kMergePartners[rng.below(std::size(kMergePartners))];
      if (other_lab == lab || available(other_lab, day) == 0) other_lab = lab;
    }
    if (other_lab == lab && available(lab, day) < 2) return {{Relation::finetune, first}};
    const std::string& second = pick_base(other_lab, day, rng, first);
    return {{Relation::merge, first}, {Relation::merge, second}};
  }

  std::string community_org(SplitMix64& rng) const {
    const auto& adjective = kOrgAdjectives[rng.below(std::size(kOrgAdjectives))];
    const auto& noun = kOrgNouns[rng.below(std::size(kOrgNouns))];
    return std::string(adjective) + "-" + std::string(noun);
  }

  // The connector sees a new repo at its next poll, and the 30-day relist sees it again.
  static void emit_sightings(HfDerivative d, Course course, SplitMix64& rng, std::vector<HfDerivative>& out,
                             std::vector<std::string>& crossed) {
    HfDerivative first = d;
    const TimeMs first_delay = course == Course::over_at_first
                                   ? static_cast<TimeMs>(2 + rng.below(10)) * kMsPerHour
                                   : static_cast<TimeMs>(rng.below(3)) * kPollInterval;
    first.observed_at = poll_after(d.created_at + first_delay, rng);
    first.downloads_30d = course == Course::over_at_first ? 6 + static_cast<std::int64_t>(rng.below(40))
                                                          : static_cast<std::int64_t>(rng.below(4));
    HfDerivative relist = d;
    relist.observed_at = poll_after(d.created_at + static_cast<TimeMs>(2 + rng.below(27)) * kMsPerDay, rng);
    switch (course) {
      case Course::crosses_on_relist:
      case Course::relist_twice: relist.downloads_30d = downloads_over_threshold(rng); break;
      case Course::over_at_first: relist.downloads_30d = first.downloads_30d + 10 + static_cast<std::int64_t>(rng.below(500)); break;
      case Course::never_crosses: relist.downloads_30d = 2 + static_cast<std::int64_t>(rng.below(4)); break;  // 5 at most
      case Course::seen_once: break;
    }
    out.push_back(first);
    if (course == Course::seen_once) return;
    out.push_back(relist);
    if (course == Course::relist_twice) out.push_back(relist);
    if (course != Course::never_crosses) crossed.push_back(d.repo_id);
  }

  std::array<std::vector<Candidate>, kLabCount> candidates_;
  std::array<DayIndex, kLabCount> first_release_{};
  std::vector<std::string> popular_derivatives_;
  std::uint64_t serial_ = 0;
};

}  // namespace

std::vector<HfDerivative> demo_derivative_sightings(DayIndex until) {
  const TimeMs end = demo_history_end(until);
  const MonthIndex last = month_of_day(std::max(until, demo_calibration_day()));
  DerivativeGenerator generator;
  std::vector<HfDerivative> all;
  for (MonthIndex m = month_or_throw(kDemoDerivativesFrom); m <= last; ++m) generator.generate_month(m, all);
  std::stable_sort(all.begin(), all.end(),
                   [](const HfDerivative& a, const HfDerivative& b) { return a.observed_at < b.observed_at; });
  all.erase(std::find_if(all.begin(), all.end(), [&](const HfDerivative& d) { return d.observed_at > end; }), all.end());
  return all;
}

}  // namespace atomd

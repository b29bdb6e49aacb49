// The demo's OpenRouter rankings (DESIGN §2 topic openrouter.tokens, §4 "Inference share"). Each
// day's tokens are split over closed models, the long tail and open models by region along
// anchored shares; within a group, over the models listed that day by launch curves. The day's
// top 50 rows are written, everything else goes to the `other` row.
#include <algorithm>
#include <array>

#include "tools/demo_history.hpp"
#include "tools/demo_random.hpp"

namespace atomd {
namespace {

using demo::day_or_throw;
using demo::fnv1a64;
using demo::portable_exp;
using demo::SplitMix64;

constexpr TimeMs kMsPerHour = 3'600'000;
constexpr TimeMs kObservedHour = 2;       // the daily poll reads the previous day at 02:00 UTC
constexpr std::size_t kRankedRows = 50;   // the endpoint's top 50, then `other`
constexpr double kTokensFirstDay = 3.0e11;
constexpr double kGrowthPerYear = 2.0;    // continuous: x7.4 a year
constexpr double kWeekendFactor = 0.88;
constexpr double kRowNoise = 0.08;        // ±8 % per row and day
constexpr std::uint64_t kCorrectedDayEvery = 23;
constexpr DayIndex kCorrectionDelayDays = 2;

enum class Group { closed, china, us, eu };
constexpr std::size_t kGroupCount = 4;

// Percent of all tokens on closed models and on the tail outside the named models, and the
// split of the open models' tokens by region, linear between anchors. Atom-report-facts.md:
// Chinese open models rose from 2.8 % to over 70 % (of open tokens, here) in 14 months; they
// pass US open models in June 2025. Closed models stay the larger part throughout.
struct GroupAnchor {
  std::string_view date;
  double closed, tail;     // percent of all tokens
  double china, us, eu;    // percent of the open models' tokens
};
constexpr GroupAnchor kGroupAnchors[] = {
    {"2025-01-01", 70, 10, 2, 73, 25},  {"2025-02-01", 68, 10, 20, 60, 20}, {"2025-04-01", 66, 10, 30, 52, 18},
    {"2025-06-01", 65, 10, 42, 44, 14}, {"2025-07-01", 64, 10, 50, 38, 12}, {"2025-08-15", 63, 10, 54, 38, 8},
    {"2025-11-01", 62, 9, 62, 31, 7},   {"2026-02-01", 61, 9, 66, 27, 7},   {"2026-03-31", 60, 9, 68, 25, 7},
};

// A model's weight within its group, by days since it was listed: a ramp-up, then a decay from
// launch interest to a plateau (free variants fade fastest).
struct UsageCurve {
  double ramp_days;
  double decay_days;
  double plateau;
};
constexpr UsageCurve kWorkhorse{7, 120, 0.7};
constexpr UsageCurve kLaunch{4, 45, 0.35};
constexpr UsageCurve kFree{2, 20, 0.25};

struct RankedModel {
  std::string_view slug;   // model_permaslug, variant included
  std::string_view hf_id;  // empty for a closed model
  std::string_view org;    // closed: the slug's author through config/org_aliases.csv
  Group group;
  std::string_view listed;    // first day with tokens
  std::string_view delisted;  // last day with tokens; empty: still listed
  double popularity;          // weight at launch, relative to its group
  const UsageCurve* curve;
};

// clang-format off
constexpr RankedModel kModels[] = {
    // Closed models: no Hugging Face id; org from the author.
    {"openai/gpt-4o-mini", "", "openai", Group::closed, "2024-07-18", "", 6, &kWorkhorse},
    {"openai/gpt-4o-2024-11-20", "", "openai", Group::closed, "2024-11-20", "", 4, &kWorkhorse},
    {"openai/o3-mini-2025-01-31", "", "openai", Group::closed, "2025-01-31", "", 3, &kLaunch},
    {"openai/gpt-4.1-2025-04-14", "", "openai", Group::closed, "2025-04-14", "", 5, &kWorkhorse},
    {"openai/gpt-4.1-mini-2025-04-14", "", "openai", Group::closed, "2025-04-14", "", 5, &kWorkhorse},
    {"openai/o4-mini-2025-04-16", "", "openai", Group::closed, "2025-04-16", "", 3, &kLaunch},
    {"openai/gpt-5-2025-08-07", "", "openai", Group::closed, "2025-08-07", "", 7, &kWorkhorse},
    {"openai/gpt-5-mini-2025-08-07", "", "openai", Group::closed, "2025-08-07", "", 5, &kWorkhorse},
    {"openai/gpt-5.1-20251113", "", "openai", Group::closed, "2025-11-13", "", 6, &kWorkhorse},
    {"openai/gpt-5.2-20251211", "", "openai", Group::closed, "2025-12-11", "", 6, &kWorkhorse},
    {"anthropic/claude-3.5-sonnet", "", "anthropic", Group::closed, "2024-10-22", "2025-10-22", 12, &kWorkhorse},
    {"anthropic/claude-3.5-haiku-20241022", "", "anthropic", Group::closed, "2024-11-04", "", 3, &kWorkhorse},
    {"anthropic/claude-3.7-sonnet-20250219", "", "anthropic", Group::closed, "2025-02-24", "", 14, &kWorkhorse},
    {"anthropic/claude-4-sonnet-20250522", "", "anthropic", Group::closed, "2025-05-22", "", 16, &kWorkhorse},
    {"anthropic/claude-4-opus-20250522", "", "anthropic", Group::closed, "2025-05-22", "", 3, &kLaunch},
    {"anthropic/claude-4.5-sonnet-20250929", "", "anthropic", Group::closed, "2025-09-29", "", 16, &kWorkhorse},
    {"anthropic/claude-4.5-haiku-20251001", "", "anthropic", Group::closed, "2025-10-15", "", 5, &kWorkhorse},
    {"anthropic/claude-4.5-opus-20251124", "", "anthropic", Group::closed, "2025-11-24", "", 8, &kWorkhorse},
    {"google/gemini-flash-1.5", "", "google", Group::closed, "2024-05-14", "2025-09-24", 6, &kWorkhorse},
    {"google/gemini-2.0-flash-exp:free", "", "google", Group::closed, "2024-12-11", "2025-06-30", 4, &kFree},
    {"google/gemini-2.0-flash-001", "", "google", Group::closed, "2025-02-05", "", 10, &kWorkhorse},
    {"google/gemini-2.5-pro-preview-03-25", "", "google", Group::closed, "2025-03-25", "2025-06-30", 6, &kLaunch},
    {"google/gemini-2.5-pro", "", "google", Group::closed, "2025-06-17", "", 8, &kWorkhorse},
    {"google/gemini-2.5-flash", "", "google", Group::closed, "2025-06-17", "", 14, &kWorkhorse},
    {"google/gemini-2.5-flash-lite", "", "google", Group::closed, "2025-07-22", "", 6, &kWorkhorse},
    {"google/gemini-3-pro-preview-20251117", "", "google", Group::closed, "2025-11-18", "", 8, &kWorkhorse},
    {"google/gemini-3-flash-preview-20251217", "", "google", Group::closed, "2025-12-17", "", 10, &kWorkhorse},
    {"x-ai/grok-3-beta", "", "xai-org", Group::closed, "2025-04-09", "", 2, &kLaunch},
    {"x-ai/grok-3-mini-beta", "", "xai-org", Group::closed, "2025-04-09", "", 2, &kWorkhorse},
    {"x-ai/grok-code-fast-1", "", "xai-org", Group::closed, "2025-08-26", "", 12, &kWorkhorse},
    {"x-ai/grok-4-fast", "", "xai-org", Group::closed, "2025-09-19", "", 10, &kLaunch},
    {"x-ai/grok-4.1-fast", "", "xai-org", Group::closed, "2025-11-19", "", 10, &kWorkhorse},
    {"mistralai/mistral-medium-3", "", "mistralai", Group::closed, "2025-05-07", "", 2, &kWorkhorse},
    {"qwen/qwen-max-2025-01-25", "", "Qwen", Group::closed, "2025-01-28", "", 1, &kWorkhorse},
    {"qwen/qwen-plus-2025-07-28", "", "Qwen", Group::closed, "2025-07-28", "", 1.5, &kWorkhorse},
    // Chinese open models.
    {"deepseek/deepseek-chat-v3", "deepseek-ai/DeepSeek-V3", "", Group::china, "2024-12-26", "", 10, &kLaunch},
    {"deepseek/deepseek-chat-v3:free", "deepseek-ai/DeepSeek-V3", "", Group::china, "2025-01-10", "2025-08-31", 4, &kFree},
    {"deepseek/deepseek-r1", "deepseek-ai/DeepSeek-R1", "", Group::china, "2025-01-20", "", 12, &kLaunch},
    {"deepseek/deepseek-r1:free", "deepseek-ai/DeepSeek-R1", "", Group::china, "2025-01-20", "", 10, &kFree},
    {"deepseek/deepseek-r1-distill-llama-70b", "deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "", Group::china, "2025-01-23", "", 2, &kWorkhorse},
    {"deepseek/deepseek-r1-distill-qwen-32b", "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", "", Group::china, "2025-01-29", "", 1, &kWorkhorse},
    {"deepseek/deepseek-chat-v3-0324", "deepseek-ai/DeepSeek-V3-0324", "", Group::china, "2025-03-24", "", 12, &kWorkhorse},
    {"deepseek/deepseek-chat-v3-0324:free", "deepseek-ai/DeepSeek-V3-0324", "", Group::china, "2025-03-24", "", 10, &kFree},
    {"deepseek/deepseek-r1-0528", "deepseek-ai/DeepSeek-R1-0528", "", Group::china, "2025-05-28", "", 8, &kLaunch},
    {"deepseek/deepseek-r1-0528:free", "deepseek-ai/DeepSeek-R1-0528", "", Group::china, "2025-05-28", "", 6, &kFree},
    {"deepseek/deepseek-chat-v3.1", "deepseek-ai/DeepSeek-V3.1", "", Group::china, "2025-08-21", "", 10, &kWorkhorse},
    {"deepseek/deepseek-v3.1-terminus", "deepseek-ai/DeepSeek-V3.1-Terminus", "", Group::china, "2025-09-22", "", 6, &kWorkhorse},
    {"deepseek/deepseek-v3.2-20251201", "deepseek-ai/DeepSeek-V3.2", "", Group::china, "2025-12-01", "", 12, &kWorkhorse},
    {"qwen/qwen-2.5-72b-instruct", "Qwen/Qwen2.5-72B-Instruct", "", Group::china, "2024-09-19", "", 3, &kWorkhorse},
    {"qwen/qwen-2.5-7b-instruct", "Qwen/Qwen2.5-7B-Instruct", "", Group::china, "2024-10-16", "", 1.5, &kWorkhorse},
    {"qwen/qwen2.5-vl-72b-instruct", "Qwen/Qwen2.5-VL-72B-Instruct", "", Group::china, "2025-02-01", "", 1.5, &kWorkhorse},
    {"qwen/qwq-32b", "Qwen/QwQ-32B", "", Group::china, "2025-03-05", "", 3, &kLaunch},
    {"qwen/qwen3-235b-a22b-04-28", "Qwen/Qwen3-235B-A22B", "", Group::china, "2025-04-28", "", 6, &kWorkhorse},
    {"qwen/qwen3-235b-a22b-04-28:free", "Qwen/Qwen3-235B-A22B", "", Group::china, "2025-04-28", "", 4, &kFree},
    {"qwen/qwen3-32b-04-28", "Qwen/Qwen3-32B", "", Group::china, "2025-04-28", "", 4, &kWorkhorse},
    {"qwen/qwen3-30b-a3b-04-28", "Qwen/Qwen3-30B-A3B", "", Group::china, "2025-04-28", "", 3, &kWorkhorse},
    {"qwen/qwen3-14b-04-28", "Qwen/Qwen3-14B", "", Group::china, "2025-04-28", "", 2, &kWorkhorse},
    {"qwen/qwen3-8b-04-28", "Qwen/Qwen3-8B", "", Group::china, "2025-04-28", "", 2, &kWorkhorse},
    {"qwen/qwen3-30b-a3b-instruct-2507", "Qwen/Qwen3-30B-A3B-Instruct-2507", "", Group::china, "2025-07-29", "", 4, &kWorkhorse},
    {"qwen/qwen3-coder-30b-a3b-instruct", "Qwen/Qwen3-Coder-30B-A3B-Instruct", "", Group::china, "2025-07-31", "", 5, &kWorkhorse},
    {"qwen/qwen3-next-80b-a3b-instruct-2509", "Qwen/Qwen3-Next-80B-A3B-Instruct", "", Group::china, "2025-09-11", "", 5, &kWorkhorse},
    {"qwen/qwen3-vl-235b-a22b-thinking", "Qwen/Qwen3-VL-235B-A22B-Thinking", "", Group::china, "2025-09-23", "", 3, &kWorkhorse},
    {"qwen/qwen3-vl-8b-instruct", "Qwen/Qwen3-VL-8B-Instruct", "", Group::china, "2025-10-15", "", 5, &kLaunch},
    {"qwen/qwen3.5-397b-a17b-20260216", "Qwen/Qwen3.5-397B-A17B", "", Group::china, "2026-02-16", "", 10, &kWorkhorse},
    {"moonshotai/moonlight-16b-a3b-instruct:free", "moonshotai/Moonlight-16B-A3B-Instruct", "", Group::china, "2025-02-25", "2025-07-31", 0.5, &kFree},
    {"moonshotai/kimi-k2", "moonshotai/Kimi-K2-Instruct", "", Group::china, "2025-07-11", "", 12, &kLaunch},
    {"moonshotai/kimi-k2:free", "moonshotai/Kimi-K2-Instruct", "", Group::china, "2025-07-11", "", 6, &kFree},
    {"moonshotai/kimi-k2-0905", "moonshotai/Kimi-K2-Instruct-0905", "", Group::china, "2025-09-05", "", 10, &kWorkhorse},
    {"moonshotai/kimi-k2-thinking-20251106", "moonshotai/Kimi-K2-Thinking", "", Group::china, "2025-11-06", "", 8, &kWorkhorse},
    {"moonshotai/kimi-k2.5-0127", "moonshotai/Kimi-K2.5", "", Group::china, "2026-01-27", "", 14, &kWorkhorse},
    {"minimax/minimax-01", "MiniMaxAI/MiniMax-Text-01", "", Group::china, "2025-01-15", "", 1.5, &kWorkhorse},
    {"minimax/minimax-m1", "MiniMaxAI/MiniMax-M1-80k", "", Group::china, "2025-06-17", "", 2, &kWorkhorse},
    {"minimax/minimax-m2", "MiniMaxAI/MiniMax-M2", "", Group::china, "2025-10-27", "", 12, &kLaunch},
    {"minimax/minimax-m2:free", "MiniMaxAI/MiniMax-M2", "", Group::china, "2025-10-27", "", 8, &kFree},
    {"minimax/minimax-m2.1", "MiniMaxAI/MiniMax-M2.1", "", Group::china, "2025-12-23", "", 10, &kWorkhorse},
    {"minimax/minimax-m2.5", "MiniMaxAI/MiniMax-M2.5", "", Group::china, "2026-02-12", "", 12, &kWorkhorse},
    {"thudm/glm-4-32b", "THUDM/GLM-4-32B-0414", "", Group::china, "2025-04-17", "", 4, &kLaunch},
    {"z-ai/glm-4.5", "zai-org/GLM-4.5", "", Group::china, "2025-07-28", "", 8, &kWorkhorse},
    {"z-ai/glm-4.5-air", "zai-org/GLM-4.5-Air", "", Group::china, "2025-07-28", "", 4, &kWorkhorse},
    {"z-ai/glm-4.5-air:free", "zai-org/GLM-4.5-Air", "", Group::china, "2025-07-28", "", 4, &kFree},
    {"z-ai/glm-4.6", "zai-org/GLM-4.6", "", Group::china, "2025-09-30", "", 10, &kWorkhorse},
    {"z-ai/glm-4.7", "zai-org/GLM-4.7", "", Group::china, "2025-12-22", "", 12, &kWorkhorse},
    {"z-ai/glm-5-fp8", "zai-org/GLM-5-FP8", "", Group::china, "2026-02-12", "", 12, &kWorkhorse},
    // US open models.
    {"meta-llama/llama-3.1-8b-instruct", "meta-llama/Llama-3.1-8B-Instruct", "", Group::us, "2024-07-23", "", 10, &kWorkhorse},
    {"meta-llama/llama-3.1-70b-instruct", "meta-llama/Llama-3.1-70B-Instruct", "", Group::us, "2024-07-23", "", 5, &kWorkhorse},
    {"meta-llama/llama-3.1-405b-instruct", "meta-llama/Llama-3.1-405B-Instruct", "", Group::us, "2024-07-23", "", 3, &kWorkhorse},
    {"meta-llama/llama-3.2-3b-instruct", "meta-llama/Llama-3.2-3B-Instruct", "", Group::us, "2024-09-25", "", 4, &kWorkhorse},
    {"meta-llama/llama-3.2-1b-instruct", "meta-llama/Llama-3.2-1B-Instruct", "", Group::us, "2024-09-25", "", 2, &kWorkhorse},
    {"meta-llama/llama-3.2-11b-vision-instruct", "meta-llama/Llama-3.2-11B-Vision-Instruct", "", Group::us, "2024-09-25", "", 2, &kWorkhorse},
    {"meta-llama/llama-3.3-70b-instruct", "meta-llama/Llama-3.3-70B-Instruct", "", Group::us, "2024-12-06", "", 14, &kWorkhorse},
    {"meta-llama/llama-3.3-70b-instruct:free", "meta-llama/Llama-3.3-70B-Instruct", "", Group::us, "2025-01-05", "", 4, &kFree},
    {"meta-llama/llama-4-maverick-17b-128e-instruct", "meta-llama/Llama-4-Maverick-17B-128E-Instruct", "", Group::us, "2025-04-05", "", 6, &kLaunch},
    {"meta-llama/llama-4-scout-17b-16e-instruct", "meta-llama/Llama-4-Scout-17B-16E-Instruct", "", Group::us, "2025-04-05", "", 5, &kLaunch},
    {"google/gemma-2-9b-it", "google/gemma-2-9b-it", "", Group::us, "2024-06-28", "", 3, &kWorkhorse},
    {"google/gemma-3-27b-it", "google/gemma-3-27b-it", "", Group::us, "2025-03-12", "", 6, &kWorkhorse},
    {"google/gemma-3-27b-it:free", "google/gemma-3-27b-it", "", Group::us, "2025-03-12", "", 4, &kFree},
    {"google/gemma-3-12b-it", "google/gemma-3-12b-it", "", Group::us, "2025-03-13", "", 3, &kWorkhorse},
    {"google/gemma-3-4b-it", "google/gemma-3-4b-it", "", Group::us, "2025-03-13", "", 2, &kWorkhorse},
    {"microsoft/phi-4", "microsoft/phi-4", "", Group::us, "2025-01-10", "", 2, &kWorkhorse},
    {"nvidia/llama-3.1-nemotron-70b-instruct", "nvidia/Llama-3.1-Nemotron-70B-Instruct-HF", "", Group::us, "2024-10-15", "", 3, &kWorkhorse},
    {"nvidia/nemotron-nano-9b-v2", "nvidia/NVIDIA-Nemotron-Nano-9B-v2", "", Group::us, "2025-09-05", "", 5, &kWorkhorse},
    {"nvidia/nemotron-nano-9b-v2:free", "nvidia/NVIDIA-Nemotron-Nano-9B-v2", "", Group::us, "2025-09-05", "", 6, &kFree},
    {"nvidia/nemotron-3-nano-30b-a3b", "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", "", Group::us, "2025-12-15", "", 6, &kWorkhorse},
    {"openai/gpt-oss-120b", "openai/gpt-oss-120b", "", Group::us, "2025-08-05", "", 14, &kWorkhorse},
    {"openai/gpt-oss-20b", "openai/gpt-oss-20b", "", Group::us, "2025-08-05", "", 8, &kWorkhorse},
    {"openai/gpt-oss-20b:free", "openai/gpt-oss-20b", "", Group::us, "2025-08-05", "", 6, &kFree},
    // European open models.
    {"mistralai/mixtral-8x7b-instruct", "mistralai/Mixtral-8x7B-Instruct-v0.1", "", Group::eu, "2023-12-10", "", 3, &kWorkhorse},
    {"mistralai/mixtral-8x22b-instruct", "mistralai/Mixtral-8x22B-Instruct-v0.1", "", Group::eu, "2024-04-17", "", 1.5, &kWorkhorse},
    {"mistralai/mistral-7b-instruct-v0.3", "mistralai/Mistral-7B-Instruct-v0.3", "", Group::eu, "2024-05-27", "", 3, &kWorkhorse},
    {"mistralai/mistral-nemo", "mistralai/Mistral-Nemo-Instruct-2407", "", Group::eu, "2024-07-19", "", 8, &kWorkhorse},
    {"mistralai/ministral-8b", "mistralai/Ministral-8B-Instruct-2410", "", Group::eu, "2024-10-17", "", 2, &kWorkhorse},
    {"mistralai/mistral-large-2411", "mistralai/Mistral-Large-Instruct-2411", "", Group::eu, "2024-11-18", "", 2, &kWorkhorse},
    {"mistralai/mistral-small-24b-instruct-2501", "mistralai/Mistral-Small-24B-Instruct-2501", "", Group::eu, "2025-01-30", "", 5, &kWorkhorse},
    {"mistralai/mistral-small-3.2-24b-instruct-2506", "mistralai/Mistral-Small-3.2-24B-Instruct-2506", "", Group::eu, "2025-06-20", "", 6, &kWorkhorse},
    {"mistralai/ministral-8b-2512", "mistralai/Ministral-3-8B-Instruct-2512", "", Group::eu, "2025-12-02", "", 6, &kWorkhorse},
};
// clang-format on

// Percent shares of one day: closed, tail, and the open models' split by region.
GroupAnchor shares_on(DayIndex day) {
  constexpr std::size_t n = std::size(kGroupAnchors);
  std::size_t hi = 0;
  while (hi < n && day_or_throw(kGroupAnchors[hi].date) <= day) ++hi;
  if (hi == 0) return kGroupAnchors[0];
  if (hi == n) return kGroupAnchors[n - 1];
  const auto& a = kGroupAnchors[hi - 1];
  const auto& b = kGroupAnchors[hi];
  const double f = static_cast<double>(day - day_or_throw(a.date)) / (day_or_throw(b.date) - day_or_throw(a.date));
  auto mix = [f](double x, double y) { return x + f * (y - x); };
  return {a.date, mix(a.closed, b.closed), mix(a.tail, b.tail), mix(a.china, b.china), mix(a.us, b.us), mix(a.eu, b.eu)};
}

bool is_weekend(DayIndex d) {
  const int weekday = ((d % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday == 0 || weekday == 6;
}

double usage_weight(const RankedModel& m, DayIndex day) {
  const DayIndex listed = day_or_throw(m.listed);
  if (day < listed || (!m.delisted.empty() && day > day_or_throw(m.delisted))) return 0;
  const double age = day - listed;
  const UsageCurve& c = *m.curve;
  const double ramp = 1.0 - portable_exp(-(age + 1.0) / c.ramp_days);
  const double life = c.plateau + (1.0 - c.plateau) * portable_exp(-age / c.decay_days);
  return m.popularity * ramp * life;
}

OpenRouterTokens row_of(const RankedModel& m, DayIndex day, std::int64_t tokens) {
  OpenRouterTokens row;
  row.date = day;
  row.slug = std::string(m.slug);
  row.observed_at = day_start(day + 1) + kObservedHour * kMsPerHour;
  row.tokens = tokens;
  if (!m.hf_id.empty()) {
    row.hf_id = std::string(m.hf_id);
    row.org = std::string(repo_org(m.hf_id));  // DESIGN §4: the namespace of hugging_face_id
  } else {
    row.org = std::string(m.org);
  }
  return row;
}

// One day's rows as the endpoint ranks them: the top 50 by tokens, then `other`.
std::vector<OpenRouterTokens> rank_day(DayIndex day) {
  const DayIndex origin = day_or_throw(kDemoOpenRouterFrom);
  SplitMix64 rng(fnv1a64("openrouter " + format_date(day)));
  const double total = kTokensFirstDay * portable_exp(kGrowthPerYear * (day - origin) / 365.0) *
                       (is_weekend(day) ? kWeekendFactor : 1.0) * (1.0 + 0.03 * (2.0 * rng.uniform() - 1.0));
  const GroupAnchor s = shares_on(day);
  const double open = 100.0 - s.closed - s.tail;
  const std::array<double, kGroupCount> group_percent = {s.closed, open * s.china / 100.0, open * s.us / 100.0,
                                                         open * s.eu / 100.0};
  std::array<double, kGroupCount> group_weight{};
  std::vector<double> weight(std::size(kModels));
  for (std::size_t i = 0; i < std::size(kModels); ++i) {
    weight[i] = usage_weight(kModels[i], day) * (1.0 + kRowNoise * (2.0 * rng.uniform() - 1.0));
    group_weight[static_cast<std::size_t>(kModels[i].group)] += weight[i];
  }
  struct Ranked {
    std::int64_t tokens;
    std::size_t model;
  };
  std::vector<Ranked> ranked;
  double tail = total * s.tail / 100.0;
  for (std::size_t g = 0; g < kGroupCount; ++g)
    if (group_weight[g] == 0) tail += total * group_percent[g] / 100.0;
  for (std::size_t i = 0; i < std::size(kModels); ++i) {
    if (weight[i] <= 0) continue;
    const auto g = static_cast<std::size_t>(kModels[i].group);
    ranked.push_back({std::llround(total * group_percent[g] / 100.0 * weight[i] / group_weight[g]), i});
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) { return a.tokens > b.tokens; });
  std::vector<OpenRouterTokens> rows;
  std::int64_t other = std::llround(tail);
  for (std::size_t r = 0; r < ranked.size(); ++r) {
    if (r < kRankedRows) {
      rows.push_back(row_of(kModels[ranked[r].model], day, ranked[r].tokens));
    } else {
      other += ranked[r].tokens;
    }
  }
  OpenRouterTokens other_row;
  other_row.date = day;
  other_row.slug = std::string(kOtherSlug);
  other_row.org = std::string(kOtherSlug);
  other_row.observed_at = day_start(day + 1) + kObservedHour * kMsPerHour;
  other_row.tokens = other;
  rows.push_back(std::move(other_row));
  return rows;
}

// Some days are delivered again two days later with a few counts raised (late usage reports),
// so the daemon's upsert by (slug, date) has something to replace.
std::vector<OpenRouterTokens> corrections_of(const std::vector<OpenRouterTokens>& day_rows) {
  if (day_rows.empty() || fnv1a64("correct " + format_date(day_rows.front().date)) % kCorrectedDayEvery != 0) return {};
  SplitMix64 rng(fnv1a64("correction " + format_date(day_rows.front().date)));
  std::vector<OpenRouterTokens> out;
  std::vector<std::size_t> picked;
  for (int k = 0; k < 3; ++k) {
    const auto i = rng.below(day_rows.size());
    if (std::find(picked.begin(), picked.end(), i) != picked.end()) continue;
    picked.push_back(i);
  }
  std::sort(picked.begin(), picked.end());
  for (auto i : picked) {
    OpenRouterTokens row = day_rows[i];
    row.observed_at += kCorrectionDelayDays * kMsPerDay;
    row.tokens += std::llround(static_cast<double>(row.tokens) * (0.005 + 0.025 * rng.uniform()));
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

std::vector<OpenRouterTokens> demo_token_rows(DayIndex until) {
  const TimeMs end = demo_history_end(until);
  std::vector<OpenRouterTokens> rows;
  for (DayIndex day = day_or_throw(kDemoOpenRouterFrom); day_end(day) - 1 <= end; ++day) {
    auto day_rows = rank_day(day);
    auto corrections = corrections_of(day_rows);
    for (auto& r : day_rows) rows.push_back(std::move(r));
    for (auto& r : corrections) rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace atomd

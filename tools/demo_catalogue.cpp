// The demo catalogue: the tracked models of the main labs, with approximately real repo ids,
// release days and sizes. Every model of the report's top-10-per-size table carries its
// published cumulative downloads; the other models are sized so that lab and region totals
// match the report while staying below the 10th model of their size bucket.
#include <array>

#include "tools/demo_history.hpp"

namespace atomd {
namespace {

// Curves per lab and era. Growth is what moves the group totals over time: Qwen's plateau
// keeps growing fast (it overtakes Llama in September 2025), Llama's slower, Mistral's and
// the early models' barely; launch spikes (DeepSeek R1, Kimi, MiniMax) decay within weeks.
constexpr DownloadCurve kQwen2{14, 90, 0.35, 1.6};
constexpr DownloadCurve kQwen25{14, 120, 0.55, 1.9};
constexpr DownloadCurve kQwen3{10, 60, 0.6, 1.9};
constexpr DownloadCurve kLlama2{10, 120, 0.35, 0.9};
constexpr DownloadCurve kLlama3{7, 90, 0.4, 0.9};
constexpr DownloadCurve kLlama31{7, 120, 0.5, 0.9};
constexpr DownloadCurve kLlama32{10, 120, 0.55, 0.9};
constexpr DownloadCurve kLlama4{5, 40, 0.2, 0.5};
constexpr DownloadCurve kGemma2{10, 90, 0.4, 1.0};
constexpr DownloadCurve kGemma3{10, 90, 0.5, 1.2};
constexpr DownloadCurve kT5Gemma{20, 120, 0.9, 1.2};
constexpr DownloadCurve kFlorence{14, 120, 0.5, 0.8};
constexpr DownloadCurve kPhi{10, 90, 0.3, 0.6};
constexpr DownloadCurve kGptOss{5, 60, 0.9, 0.6};
constexpr DownloadCurve kNemotron{10, 60, 0.4, 0.8};
constexpr DownloadCurve kAllenAi{10, 60, 0.4, 0.6};
constexpr DownloadCurve kSmolLm{14, 90, 0.5, 1.0};
constexpr DownloadCurve kLlava{14, 120, 0.4, 0.8};
constexpr DownloadCurve kMistral{10, 120, 0.3, 0.0};
constexpr DownloadCurve kDeepSeekDistill{5, 45, 0.35, 0.4};
constexpr DownloadCurve kDeepSeekFrontier{3, 30, 0.25, 0.5};
constexpr DownloadCurve kDeepSeekEarly{10, 120, 0.3, 0.5};
constexpr DownloadCurve kKimi{4, 30, 0.3, 0.5};
constexpr DownloadCurve kMiniMax{4, 30, 0.3, 0.5};
constexpr DownloadCurve kGlm{5, 45, 0.35, 0.6};
constexpr DownloadCurve kGlmEarly{10, 90, 0.35, 0.6};
constexpr DownloadCurve kInternVl{10, 90, 0.4, 0.9};
constexpr DownloadCurve kFalcon{10, 150, 0.3, 0.3};

constexpr std::string_view kText = "text-generation";
constexpr std::string_view kVision = "image-text-to-text";
constexpr std::string_view kText2Text = "text2text-generation";
constexpr std::string_view kAnyToAny = "any-to-any";

// repo id, release, params (B), downloads at 2026-03-31 (M), curve, pipeline, licence, base, traits
constexpr auto kCatalogue = std::to_array<DemoModel>({
    // Qwen: in the report's top-10 tables
    {"Qwen/Qwen3-0.6B", "2025-04-29", 0.752, 72.8, &kQwen3, kText, "apache-2.0",
      "finetune:Qwen/Qwen3-0.6B-Base", kChat},
    {"Qwen/Qwen2.5-0.5B-Instruct", "2024-09-19", 0.494, 32.3, &kQwen25, kText, "apache-2.0",
      "finetune:Qwen/Qwen2.5-0.5B", kChat},
    {"Qwen/Qwen2.5-0.5B", "2024-09-19", 0.494, 17.1, &kQwen25, kText, "apache-2.0", "", 0},
    {"Qwen/Qwen2.5-Coder-0.5B-Instruct", "2024-11-12", 0.494, 13.5, &kQwen25, kText, "apache-2.0",
      "finetune:Qwen/Qwen2.5-Coder-0.5B", kChat},
    {"Qwen/Qwen2-0.5B", "2024-06-07", 0.494, 10.7, &kQwen2, kText, "apache-2.0", "", 0},
    {"Qwen/Qwen2.5-1.5B-Instruct", "2024-09-19", 1.544, 150.6, &kQwen25, kText, "apache-2.0",
      "finetune:Qwen/Qwen2.5-1.5B", kChat},
    {"Qwen/Qwen2.5-VL-3B-Instruct", "2025-01-28", 3.755, 70.7, &kQwen25, kVision, "other", "", kChat},
    {"Qwen/Qwen2.5-3B-Instruct", "2024-09-19", 3.086, 70.1, &kQwen25, kText, "other",
      "finetune:Qwen/Qwen2.5-3B", kChat},
    {"Qwen/Qwen2-VL-2B-Instruct", "2024-08-29", 2.209, 30.0, &kQwen2, kVision, "apache-2.0",
      "finetune:Qwen/Qwen2-VL-2B", kChat},
    {"Qwen/Qwen3-4B", "2025-04-29", 4.022, 29.7, &kQwen3, kText, "apache-2.0", "finetune:Qwen/Qwen3-4B-Base", kChat},
    {"Qwen/Qwen3-1.7B", "2025-04-29", 2.032, 29.2, &kQwen3, kText, "apache-2.0",
      "finetune:Qwen/Qwen3-1.7B-Base", kChat},
    {"Qwen/Qwen2.5-7B-Instruct", "2024-09-19", 7.616, 109.0, &kQwen25, kText, "apache-2.0",
      "finetune:Qwen/Qwen2.5-7B", kChat},
    {"Qwen/Qwen2.5-VL-7B-Instruct", "2025-01-28", 8.292, 51.2, &kQwen25, kVision, "apache-2.0", "", kChat},
    {"Qwen/Qwen3-8B", "2025-04-29", 8.191, 42.5, &kQwen3, kText, "apache-2.0", "finetune:Qwen/Qwen3-8B-Base", kChat},
    {"Qwen/Qwen2.5-14B-Instruct", "2024-09-19", 14.77, 33.3, &kQwen25, kText, "apache-2.0",
      "finetune:Qwen/Qwen2.5-14B", kChat},
    {"Qwen/Qwen3-32B", "2025-04-29", 32.76, 24.6, &kQwen3, kText, "apache-2.0", "", kChat},
    {"Qwen/Qwen2.5-32B-Instruct", "2024-09-19", 32.76, 18.5, &kQwen25, kText, "apache-2.0",
      "finetune:Qwen/Qwen2.5-32B", kChat},
    {"Qwen/Qwen3-VL-30B-A3B-Instruct", "2025-10-03", 31.07, 13.2, &kQwen3, kVision, "apache-2.0", "", kChat},
    {"Qwen/Qwen3-Next-80B-A3B-Instruct", "2025-09-11", 81.32, 14.6, &kQwen3, kText, "apache-2.0", "", kChat},
    {"Qwen/Qwen2.5-VL-72B-Instruct", "2025-01-28", 73.41, 5.7, &kQwen25, kVision, "other", "", kChat},
    {"Qwen/Qwen2.5-72B-Instruct", "2024-09-19", 72.71, 5.4, &kQwen25, kText, "other",
      "finetune:Qwen/Qwen2.5-72B", kChat},
    {"Qwen/Qwen3-235B-A22B", "2025-04-29", 235.1, 3.4, &kQwen3, kText, "apache-2.0", "", kChat},
    {"Qwen/Qwen3-VL-235B-A22B-Thinking", "2025-09-23", 235.7, 3.3, &kQwen3, kVision, "apache-2.0", "", kChat},
    {"Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", "2025-07-25", 235.1, 2.7, &kQwen3, kText, "apache-2.0",
      "quantized:Qwen/Qwen3-235B-A22B-Instruct-2507", kChat},
    {"Qwen/Qwen3.5-397B-A17B", "2026-02-16", 397.0, 2.1, &kQwen3, kVision, "apache-2.0", "", kChat},
    // Qwen: other models
    {"Qwen/Qwen2.5-7B", "2024-09-19", 7.616, 5.0, &kQwen25, kText, "apache-2.0", "", 0},
    {"Qwen/Qwen2.5-1.5B", "2024-09-19", 1.544, 8.0, &kQwen25, kText, "apache-2.0", "", 0},
    {"Qwen/Qwen2.5-3B", "2024-09-19", 3.086, 5.0, &kQwen25, kText, "other", "", 0},
    {"Qwen/Qwen2.5-Coder-7B-Instruct", "2024-09-19", 7.616, 7.0, &kQwen25, kText, "apache-2.0",
      "finetune:Qwen/Qwen2.5-Coder-7B", kChat},
    {"Qwen/Qwen2.5-Coder-1.5B-Instruct", "2024-09-19", 1.544, 5.5, &kQwen25, kText, "apache-2.0",
      "finetune:Qwen/Qwen2.5-Coder-1.5B", kChat},
    {"Qwen/Qwen2-7B-Instruct", "2024-06-07", 7.616, 6.0, &kQwen2, kText, "apache-2.0",
      "finetune:Qwen/Qwen2-7B", kChat},
    {"Qwen/Qwen2-1.5B-Instruct", "2024-06-07", 1.544, 3.5, &kQwen2, kText, "apache-2.0",
      "finetune:Qwen/Qwen2-1.5B", kChat},
    {"Qwen/Qwen3-0.6B-Base", "2025-04-29", 0.596, 3.0, &kQwen3, kText, "apache-2.0", "", 0},
    {"Qwen/Qwen3-4B-Instruct-2507", "2025-08-06", 4.022, 6.0, &kQwen3, kText, "apache-2.0", "", kChat},
    {"Qwen/Qwen3-30B-A3B", "2025-04-29", 30.53, 9.0, &kQwen3, kText, "apache-2.0",
      "finetune:Qwen/Qwen3-30B-A3B-Base", kChat},
    {"Qwen/Qwen3-30B-A3B-Instruct-2507", "2025-07-30", 30.53, 6.5, &kQwen3, kText, "apache-2.0", "", kChat},
    {"Qwen/Qwen3-14B", "2025-04-29", 14.77, 6.0, &kQwen3, kText, "apache-2.0", "finetune:Qwen/Qwen3-14B-Base", kChat},
    {"Qwen/Qwen3-Coder-30B-A3B-Instruct", "2025-07-31", 30.53, 4.0, &kQwen3, kText, "apache-2.0", "", kChat},
    {"Qwen/Qwen3-VL-8B-Instruct", "2025-10-15", 8.767, 5.0, &kQwen3, kVision, "apache-2.0", "", kChat},
    {"Qwen/Qwen3-VL-2B-Instruct", "2025-10-21", 2.127, 3.0, &kQwen3, kVision, "apache-2.0", "", kChat},
    {"Qwen/QwQ-32B", "2025-03-05", 32.76, 4.0, &kQwen25, kText, "apache-2.0", "finetune:Qwen/Qwen2.5-32B", kChat},
    {"Qwen/Qwen3.5-9B", "2026-02-24", 9.65, 1.0, &kQwen3, kVision, "apache-2.0", "", kChat},
    // meta-llama: in the report's top-10 tables
    {"meta-llama/Llama-3.2-1B-Instruct", "2024-09-25", 1.236, 55.7, &kLlama32, kText, "llama3.2",
      "finetune:meta-llama/Llama-3.2-1B", kChat | kGated},
    {"meta-llama/Llama-3.2-1B", "2024-09-25", 1.236, 49.2, &kLlama32, kText, "llama3.2", "", kGated},
    {"meta-llama/Llama-3.2-3B-Instruct", "2024-09-25", 3.213, 37.0, &kLlama32, kText, "llama3.2",
      "finetune:meta-llama/Llama-3.2-3B", kChat | kGated},
    {"meta-llama/Llama-3.1-8B-Instruct", "2024-07-23", 8.03, 133.0, &kLlama31, kText, "llama3.1",
      "finetune:meta-llama/Llama-3.1-8B", kChat | kGated},
    {"meta-llama/Meta-Llama-3-8B-Instruct", "2024-04-18", 8.03, 38.9, &kLlama3, kText, "llama3", "", kChat | kGated},
    {"meta-llama/Meta-Llama-3-8B", "2024-04-18", 8.03, 36.6, &kLlama3, kText, "llama3", "", kGated},
    {"meta-llama/Llama-2-7b-chat-hf", "2023-07-18", 6.738, 29.2, &kLlama2, kText, "llama2", "", kChat | kGated},
    {"meta-llama/Llama-2-7b-hf", "2023-07-18", 6.738, 28.4, &kLlama2, kText, "llama2", "", kGated},
    {"meta-llama/Llama-3.2-11B-Vision-Instruct", "2024-09-25", 10.67, 17.6, &kLlama32, kVision, "llama3.2",
      "finetune:meta-llama/Llama-3.2-11B-Vision", kChat | kGated},
    {"meta-llama/Llama-2-13b-chat-hf", "2023-07-18", 13.02, 15.2, &kLlama2, kText, "llama2", "", kChat | kGated},
    {"meta-llama/Llama-3.1-70B-Instruct", "2024-07-23", 70.55, 20.2, &kLlama31, kText, "llama3.1",
      "finetune:meta-llama/Llama-3.1-70B", kChat | kGated},
    {"meta-llama/Llama-3.3-70B-Instruct", "2024-12-06", 70.55, 10.3, &kLlama31, kText, "llama3.3",
      "finetune:meta-llama/Llama-3.1-70B", kChat | kGated},
    {"meta-llama/Meta-Llama-3-70B-Instruct", "2024-04-18", 70.55, 5.9, &kLlama3, kText, "llama3", "", kChat | kGated},
    {"meta-llama/Llama-2-70b-chat-hf", "2023-07-18", 68.98, 4.6, &kLlama2, kText, "llama2", "", kChat | kGated},
    {"meta-llama/Meta-Llama-3-70B", "2024-04-18", 70.55, 3.2, &kLlama3, kText, "llama3", "", kGated},
    {"meta-llama/Llama-3.1-405B", "2024-07-23", 405.9, 20.3, &kLlama31, kText, "llama3.1", "", kGated},
    {"meta-llama/Llama-3.1-405B-Instruct", "2024-07-23", 405.9, 3.4, &kLlama31, kText, "llama3.1",
      "finetune:meta-llama/Llama-3.1-405B", kChat | kGated},
    // meta-llama: other models
    {"meta-llama/Llama-3.1-8B", "2024-07-23", 8.03, 4.5, &kLlama31, kText, "llama3.1", "", kGated},
    {"meta-llama/Llama-3.2-3B", "2024-09-25", 3.213, 3.5, &kLlama32, kText, "llama3.2", "", kGated},
    {"meta-llama/Llama-4-Scout-17B-16E-Instruct", "2025-04-05", 108.6, 1.5, &kLlama4, kVision, "other",
      "finetune:meta-llama/Llama-4-Scout-17B-16E", kChat | kGated},
    {"meta-llama/Llama-4-Maverick-17B-128E-Instruct", "2025-04-05", 401.6, 0.7, &kLlama4, kVision, "other",
      "finetune:meta-llama/Llama-4-Maverick-17B-128E", kChat | kGated},
    // google: in the report's top-10 tables
    {"google/t5gemma-b-b-prefixlm", "2025-07-09", 0.591, 17.5, &kT5Gemma, kText2Text, "gemma", "", kGated},
    {"google/gemma-3-1b-it", "2025-03-12", 0.9999, 34.9, &kGemma3, kText, "gemma",
      "finetune:google/gemma-3-1b-pt", kChat | kGated},
    {"google/gemma-3-27b-it", "2025-03-12", 27.43, 12.3, &kGemma3, kVision, "gemma",
      "finetune:google/gemma-3-27b-pt", kChat | kGated},
    // google: other models
    {"google/gemma-3-4b-it", "2025-03-12", 4.3, 4.0, &kGemma3, kVision, "gemma",
      "finetune:google/gemma-3-4b-pt", kChat | kGated},
    {"google/gemma-2-2b-it", "2024-07-31", 2.614, 3.0, &kGemma2, kText, "gemma",
      "finetune:google/gemma-2-2b", kChat | kGated},
    {"google/gemma-3-270m-it", "2025-08-14", 0.268, 2.0, &kGemma3, kText, "gemma",
      "finetune:google/gemma-3-270m", kChat | kGated},
    {"google/gemma-2-9b-it", "2024-06-27", 9.242, 1.5, &kGemma2, kText, "gemma",
      "finetune:google/gemma-2-9b", kChat | kGated},
    {"google/gemma-3-12b-it", "2025-03-12", 12.19, 1.5, &kGemma3, kVision, "gemma",
      "finetune:google/gemma-3-12b-pt", kChat | kGated},
    // microsoft: in the report's top-10 tables
    {"microsoft/Florence-2-large", "2024-06-15", 0.777, 19.4, &kFlorence, kVision, "mit", "", kCustomCode},
    {"microsoft/Florence-2-base", "2024-06-15", 0.232, 8.8, &kFlorence, kVision, "mit", "", kCustomCode},
    // microsoft: other models
    {"microsoft/Phi-3-mini-4k-instruct", "2024-04-23", 3.821, 3.0, &kPhi, kText, "mit", "", kChat},
    {"microsoft/phi-4", "2024-12-12", 14.66, 2.5, &kPhi, kText, "mit", "", kChat},
    {"microsoft/Phi-3.5-mini-instruct", "2024-08-20", 3.821, 2.0, &kPhi, kText, "mit", "", kChat},
    {"microsoft/Phi-4-mini-instruct", "2025-02-26", 3.836, 1.5, &kPhi, kText, "mit", "", kChat},
    // openai: in the report's top-10 tables
    {"openai/gpt-oss-20b", "2025-08-05", 21.51, 54.0, &kGptOss, kText, "apache-2.0", "", kChat},
    {"openai/gpt-oss-120b", "2025-08-05", 116.8, 29.2, &kGptOss, kText, "apache-2.0", "", kChat},
    // nvidia: other models
    {"nvidia/Llama-3.1-Nemotron-70B-Instruct-HF", "2024-10-15", 70.55, 1.2, &kNemotron, kText, "llama3.1",
      "finetune:meta-llama/Llama-3.1-70B-Instruct", kChat},
    {"nvidia/Llama-3.1-Nemotron-Nano-8B-v1", "2025-03-18", 8.03, 1.3, &kNemotron, kText, "other",
      "finetune:meta-llama/Llama-3.1-8B-Instruct", kChat},
    {"nvidia/NVIDIA-Nemotron-Nano-9B-v2", "2025-08-18", 8.889, 2.0, &kNemotron, kText, "other", "", kChat},
    {"nvidia/OpenReasoning-Nemotron-7B", "2025-07-18", 7.616, 0.8, &kNemotron, kText, "cc-by-4.0",
      "finetune:Qwen/Qwen2.5-7B", kChat},
    {"nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", "2025-12-15", 31.58, 1.0, &kNemotron, kText, "other", "", kChat},
    // allenai: other models
    {"allenai/Molmo-7B-D-0924", "2024-09-25", 8.021, 1.5, &kAllenAi, kVision, "apache-2.0",
      "finetune:Qwen/Qwen2-7B", kChat | kCustomCode},
    {"allenai/OLMo-2-1124-7B-Instruct", "2024-11-26", 7.299, 0.8, &kAllenAi, kText, "apache-2.0",
      "finetune:allenai/OLMo-2-1124-7B", kChat},
    {"allenai/OLMo-2-0425-1B", "2025-04-17", 1.485, 0.7, &kAllenAi, kText, "apache-2.0", "", kChat},
    {"allenai/Olmo-3-7B-Instruct", "2025-11-20", 7.298, 0.5, &kAllenAi, kText, "apache-2.0", "", kChat},
    // HuggingFaceTB: in the report's top-10 tables
    {"HuggingFaceTB/SmolLM2-135M", "2024-10-31", 0.1345, 10.5, &kSmolLm, kText, "apache-2.0", "", 0},
    // HuggingFaceTB: other models
    {"HuggingFaceTB/SmolLM2-1.7B-Instruct", "2024-10-31", 1.711, 1.5, &kSmolLm, kText, "apache-2.0",
      "finetune:HuggingFaceTB/SmolLM2-1.7B", kChat},
    {"HuggingFaceTB/SmolLM2-360M-Instruct", "2024-10-31", 0.3618, 1.2, &kSmolLm, kText, "apache-2.0",
      "finetune:HuggingFaceTB/SmolLM2-360M", kChat},
    {"HuggingFaceTB/SmolLM3-3B", "2025-07-08", 3.075, 0.8, &kSmolLm, kText, "apache-2.0",
      "finetune:HuggingFaceTB/SmolLM3-3B-Base", kChat},
    // llava-hf: in the report's top-10 tables
    {"llava-hf/llava-onevision-qwen2-0.5b-ov-hf", "2024-08-13", 0.894, 8.4, &kLlava, kVision, "apache-2.0",
      "finetune:Qwen/Qwen2-0.5B-Instruct", kChat},
    // llava-hf: other models
    {"llava-hf/llava-1.5-7b-hf", "2023-12-05", 7.063, 1.5, &kLlava, kVision, "llama2", "", kChat},
    {"llava-hf/llava-v1.6-mistral-7b-hf", "2024-03-20", 7.566, 1.0, &kLlava, kVision, "apache-2.0",
      "finetune:mistralai/Mistral-7B-Instruct-v0.2", kChat},
    // mistralai: in the report's top-10 tables
    {"mistralai/Mistral-7B-Instruct-v0.2", "2023-12-11", 7.242, 53.5, &kMistral, kText, "apache-2.0", "", kChat},
    {"mistralai/Mixtral-8x7B-Instruct-v0.1", "2023-12-11", 46.7, 20.0, &kMistral, kText, "apache-2.0",
      "finetune:mistralai/Mixtral-8x7B-v0.1", kChat},
    {"mistralai/Mixtral-8x22B-Instruct-v0.1", "2024-04-17", 140.6, 6.0, &kMistral, kText, "apache-2.0",
      "finetune:mistralai/Mixtral-8x22B-v0.1", kChat},
    {"mistralai/Mistral-Large-Instruct-2407", "2024-07-24", 122.6, 5.0, &kMistral, kText, "other", "", kChat},
    {"mistralai/Mistral-Large-Instruct-2411", "2024-11-18", 122.6, 4.9, &kMistral, kText, "other", "", kChat},
    {"mistralai/Mixtral-8x22B-v0.1", "2024-04-17", 140.6, 4.8, &kMistral, kText, "apache-2.0", "", 0},
    // mistralai: other models
    {"mistralai/Mistral-7B-Instruct-v0.3", "2024-05-22", 7.248, 9.0, &kMistral, kText, "apache-2.0",
      "finetune:mistralai/Mistral-7B-v0.3", kChat},
    {"mistralai/Mistral-7B-v0.1", "2023-09-27", 7.242, 6.0, &kMistral, kText, "apache-2.0", "", 0},
    {"mistralai/Mistral-7B-Instruct-v0.1", "2023-09-27", 7.242, 4.0, &kMistral, kText, "apache-2.0",
      "finetune:mistralai/Mistral-7B-v0.1", kChat},
    {"mistralai/Mistral-Nemo-Instruct-2407", "2024-07-18", 12.25, 5.0, &kMistral, kText, "apache-2.0",
      "finetune:mistralai/Mistral-Nemo-Base-2407", kChat},
    {"mistralai/Mixtral-8x7B-v0.1", "2023-12-11", 46.7, 3.0, &kMistral, kText, "apache-2.0", "", 0},
    {"mistralai/Mistral-Small-24B-Instruct-2501", "2025-01-30", 23.57, 2.5, &kMistral, kText, "apache-2.0",
      "finetune:mistralai/Mistral-Small-24B-Base-2501", kChat},
    {"mistralai/Mistral-Small-3.2-24B-Instruct-2506", "2025-06-20", 24.01, 1.5, &kMistral, kVision, "apache-2.0",
      "", kChat},
    {"mistralai/Ministral-8B-Instruct-2410", "2024-10-16", 8.02, 1.0, &kMistral, kText, "apache-2.0", "", kChat},
    {"mistralai/Ministral-3-8B-Instruct-2512", "2025-12-02", 8.9, 0.4, &kMistral, kVision, "apache-2.0", "", kChat},
    // deepseek-ai: in the report's top-10 tables
    {"deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", "2025-01-20", 32.76, 23.0, &kDeepSeekDistill, kText, "mit",
      "finetune:Qwen/Qwen2.5-32B", kChat},
    {"deepseek-ai/DeepSeek-R1-Distill-Llama-70B", "2025-01-20", 70.55, 4.3, &kDeepSeekDistill, kText, "mit",
      "finetune:meta-llama/Llama-3.3-70B-Instruct", kChat},
    {"deepseek-ai/DeepSeek-R1", "2025-01-20", 671.0, 16.7, &kDeepSeekFrontier, kText, "mit",
      "finetune:deepseek-ai/DeepSeek-V3-Base", kChat | kCustomCode},
    {"deepseek-ai/DeepSeek-V3", "2024-12-26", 671.0, 14.3, &kDeepSeekFrontier, kText, "mit", "", kChat | kCustomCode},
    {"deepseek-ai/DeepSeek-R1-0528", "2025-05-28", 671.0, 5.9, &kDeepSeekFrontier, kText, "mit",
      "", kChat | kCustomCode},
    {"deepseek-ai/DeepSeek-V3-0324", "2025-03-25", 671.0, 4.0, &kDeepSeekFrontier, kText, "mit",
      "", kChat | kCustomCode},
    // deepseek-ai: other models
    {"deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "2025-01-20", 1.777, 24.0, &kDeepSeekDistill, kText, "mit",
      "finetune:Qwen/Qwen2.5-Math-1.5B", kChat},
    {"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "2025-01-20", 7.616, 14.0, &kDeepSeekDistill, kText, "mit",
      "finetune:Qwen/Qwen2.5-Math-7B", kChat},
    {"deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "2025-01-20", 8.03, 9.0, &kDeepSeekDistill, kText, "mit",
      "finetune:meta-llama/Llama-3.1-8B", kChat},
    {"deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", "2025-01-20", 14.77, 7.5, &kDeepSeekDistill, kText, "mit",
      "finetune:Qwen/Qwen2.5-14B", kChat},
    {"deepseek-ai/DeepSeek-R1-0528-Qwen3-8B", "2025-05-29", 8.191, 7.0, &kDeepSeekDistill, kText, "mit",
      "finetune:Qwen/Qwen3-8B-Base", kChat},
    {"deepseek-ai/DeepSeek-OCR", "2025-10-20", 3.336, 6.0, &kDeepSeekDistill, kVision, "mit", "", kChat | kCustomCode},
    {"deepseek-ai/Janus-Pro-7B", "2025-01-27", 7.42, 3.0, &kDeepSeekDistill, kAnyToAny, "mit", "", kChat},
    {"deepseek-ai/deepseek-coder-6.7b-instruct", "2023-10-30", 6.74, 3.0, &kDeepSeekEarly, kText, "other", "", kChat},
    {"deepseek-ai/deepseek-llm-7b-chat", "2023-11-29", 6.91, 2.0, &kDeepSeekEarly, kText, "other", "", kChat},
    {"deepseek-ai/DeepSeek-V2-Lite-Chat", "2024-05-15", 15.71, 1.5, &kDeepSeekEarly, kText, "other", "", kChat},
    {"deepseek-ai/DeepSeek-V3.1", "2025-08-21", 671.0, 1.6, &kDeepSeekFrontier, kText, "mit",
      "finetune:deepseek-ai/DeepSeek-V3.1-Base", kChat | kCustomCode},
    {"deepseek-ai/DeepSeek-V3.2", "2025-12-01", 685.0, 1.3, &kDeepSeekFrontier, kText, "mit", "", kChat | kCustomCode},
    {"deepseek-ai/DeepSeek-V3.1-Terminus", "2025-09-22", 671.0, 1.0, &kDeepSeekFrontier, kText, "mit",
      "", kChat | kCustomCode},
    // moonshotai: in the report's top-10 tables
    {"moonshotai/Kimi-K2.5", "2026-01-27", 1040.0, 5.4, &kKimi, kVision, "other", "", kChat | kCustomCode},
    {"moonshotai/Kimi-K2-Instruct", "2025-07-11", 1040.0, 1.8, &kKimi, kText, "other", "", kChat | kCustomCode},
    // moonshotai: other models
    {"moonshotai/Kimi-K2-Thinking", "2025-11-06", 1040.0, 1.7, &kKimi, kText, "other", "", kChat | kCustomCode},
    {"moonshotai/Kimi-K2-Instruct-0905", "2025-09-05", 1040.0, 1.5, &kKimi, kText, "other", "", kChat | kCustomCode},
    {"moonshotai/Kimi-VL-A3B-Instruct", "2025-04-09", 16.41, 1.5, &kKimi, kVision, "mit", "", kChat | kCustomCode},
    {"moonshotai/Kimi-Linear-48B-A3B-Instruct", "2025-10-30", 49.12, 1.2, &kKimi, kText, "mit",
      "", kChat | kCustomCode},
    {"moonshotai/Moonlight-16B-A3B-Instruct", "2025-02-22", 15.96, 0.8, &kKimi, kText, "mit", "", kChat | kCustomCode},
    // MiniMaxAI: in the report's top-10 tables
    {"MiniMaxAI/MiniMax-M2", "2025-10-27", 230.0, 1.9, &kMiniMax, kText, "mit", "", kChat | kCustomCode},
    // MiniMaxAI: other models
    {"MiniMaxAI/MiniMax-M2.1", "2025-12-23", 230.0, 1.5, &kMiniMax, kText, "mit", "", kChat | kCustomCode},
    {"MiniMaxAI/MiniMax-M2.5", "2026-02-12", 230.0, 1.2, &kMiniMax, kText, "mit", "", kChat | kCustomCode},
    {"MiniMaxAI/MiniMax-M1-80k", "2025-06-16", 456.0, 0.6, &kMiniMax, kText, "other", "", kChat | kCustomCode},
    {"MiniMaxAI/MiniMax-Text-01", "2025-01-14", 456.0, 0.5, &kMiniMax, kText, "other", "", kChat | kCustomCode},
    // zai-org: in the report's top-10 tables
    {"zai-org/GLM-5-FP8", "2026-02-12", 744.0, 4.9, &kGlm, kText, "mit", "quantized:zai-org/GLM-5", kChat},
    // zai-org: other models
    {"zai-org/glm-4-9b-chat", "2024-06-05", 9.4, 4.0, &kGlmEarly, kText, "other", "", kChat},
    {"zai-org/GLM-4.5-Air", "2025-07-28", 110.5, 1.6, &kGlm, kText, "mit", "", kChat},
    {"zai-org/GLM-4.5", "2025-07-28", 358.3, 1.5, &kGlm, kText, "mit", "", kChat},
    {"zai-org/GLM-4.6", "2025-09-30", 356.8, 1.6, &kGlm, kText, "mit", "", kChat},
    {"zai-org/GLM-4.7", "2025-12-22", 358.3, 1.5, &kGlm, kText, "mit", "", kChat},
    {"zai-org/GLM-4.1V-9B-Thinking", "2025-07-01", 10.29, 2.0, &kGlm, kVision, "mit", "", kChat},
    {"zai-org/GLM-4.6V-Flash", "2025-12-08", 10.29, 1.5, &kGlm, kVision, "mit", "", kChat},
    // OpenGVLab: in the report's top-10 tables
    {"OpenGVLab/InternVL3-78B", "2025-04-11", 78.41, 6.2, &kInternVl, kVision, "mit", "", kChat | kCustomCode},
    {"OpenGVLab/InternVL3_5-241B-A28B-Instruct", "2025-08-25", 240.7, 4.1, &kInternVl, kVision, "mit",
      "", kChat | kCustomCode},
    // OpenGVLab: other models
    {"OpenGVLab/InternVL3-8B", "2025-04-11", 7.944, 3.5, &kInternVl, kVision, "mit", "", kChat | kCustomCode},
    {"OpenGVLab/InternVL3-1B", "2025-04-11", 0.938, 3.0, &kInternVl, kVision, "mit", "", kChat | kCustomCode},
    {"OpenGVLab/InternVL3-2B", "2025-04-11", 2.09, 2.5, &kInternVl, kVision, "mit", "", kChat | kCustomCode},
    {"OpenGVLab/InternVL2-8B", "2024-07-04", 8.075, 3.0, &kInternVl, kVision, "mit", "", kChat | kCustomCode},
    {"OpenGVLab/InternVL2_5-8B", "2024-12-05", 8.075, 2.0, &kInternVl, kVision, "mit", "", kChat | kCustomCode},
    {"OpenGVLab/InternVL3_5-8B", "2025-08-25", 8.528, 2.0, &kInternVl, kVision, "mit", "", kChat | kCustomCode},
    // tiiuae: in the report's top-10 tables
    {"tiiuae/falcon-7b-instruct", "2023-04-25", 6.922, 26.7, &kFalcon, kText, "apache-2.0",
      "finetune:tiiuae/falcon-7b", kChat},
    // tiiuae: other models
    {"tiiuae/falcon-7b", "2023-04-24", 6.922, 6.0, &kFalcon, kText, "apache-2.0", "", 0},
    {"tiiuae/falcon-40b-instruct", "2023-05-25", 41.8, 1.5, &kFalcon, kText, "apache-2.0",
      "finetune:tiiuae/falcon-40b", kChat},
    {"tiiuae/Falcon3-7B-Instruct", "2024-12-17", 7.456, 1.5, &kFalcon, kText, "other", "", kChat},
    {"tiiuae/Falcon3-1B-Instruct", "2024-12-17", 1.669, 1.5, &kFalcon, kText, "other", "", kChat},
});

}  // namespace

std::span<const DemoModel> demo_catalogue() { return kCatalogue; }

}  // namespace atomd

// atomd-demo-history --out FILE [--until YYYY-MM-DD]: writes the demo's replay file.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "tools/demo_history.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: atomd-demo-history --out FILE [--until YYYY-MM-DD]\n"
    "  Writes the calibrated demo history to FILE, a JSON Lines replay file in event-time order:\n"
    "    hf.models          one snapshot per tracked model and day, at 06:00 UTC\n"
    "    hf.derivatives     derivative repos' sightings (first poll and the 30-day relist), from 2023-07\n"
    "    openrouter.tokens  each day's top-50 models plus `other`, from 2025-01-01\n"
    "  through --until's 06:00 UTC snapshots (default 2026-03-31); a day's token rows, whose event\n"
    "  time is the day's end, come with the next day. An earlier --until writes a prefix of the\n"
    "  file. FILE '-' is stdout.\n";

int usage_error(std::string_view message) {
  std::cerr << "atomd-demo-history: " << message << "\n" << kUsage;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<std::string> out_path;
  atomd::DayIndex until = atomd::demo_calibration_day();
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg != "--out" && arg != "--until") return usage_error("unknown argument '" + std::string(arg) + "'");
    if (i + 1 == argc) return usage_error(std::string(arg) + " needs a value");
    const std::string_view value = argv[++i];
    if (arg == "--out") {
      out_path = std::string(value);
    } else if (auto day = atomd::parse_date(value)) {
      until = *day;
    } else {
      return usage_error("--until: not a YYYY-MM-DD date: '" + std::string(value) + "'");
    }
  }
  if (!out_path) return usage_error("--out is required");

  if (*out_path == "-") {
    atomd::write_demo_history(std::cout, until);
    return std::cout.flush() ? 0 : 1;
  }
  // Written beside the target and renamed, so a reader never sees half a file.
  const std::filesystem::path target(*out_path);
  std::filesystem::path partial = target;
  partial += ".partial";
  const auto started = std::chrono::steady_clock::now();
  atomd::DemoHistoryCounts counts;
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "atomd-demo-history: open " << partial << " for writing failed\n";
      return 1;
    }
    counts = atomd::write_demo_history(file, until);
    file.close();
    if (!file) {
      std::cerr << "atomd-demo-history: write " << partial << " failed\n";
      std::filesystem::remove(partial);
      return 1;
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, target, ec);
  if (ec) {
    std::cerr << "atomd-demo-history: rename " << partial << " to " << target << " failed: " << ec.message() << "\n";
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr,
               "atomd-demo-history: wrote %zu lines through %s to %s in %.2f s: hf.models %zu (%zu models), "
               "hf.derivatives %zu, openrouter.tokens %zu\n",
               counts.total(), atomd::format_date(until).c_str(), target.string().c_str(), seconds, counts.hf_models,
               atomd::demo_catalogue().size(), counts.hf_derivatives, counts.openrouter_tokens);
  return 0;
}

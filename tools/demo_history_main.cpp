// atomd-demo-history --out FILE [--until YYYY-MM-DD]: writes the demo's replay file.
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
    "  Writes the calibrated demo history (JSON Lines replay file, topic hf.models) to FILE,\n"
    "  one snapshot per model and day through --until (default 2026-03-31). FILE '-' is stdout.\n";

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
  std::size_t lines = 0;
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "atomd-demo-history: open " << partial << " for writing failed\n";
      return 1;
    }
    lines = atomd::write_demo_history(file, until);
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
  std::cerr << "atomd-demo-history: wrote " << lines << " snapshots of " << atomd::demo_catalogue().size()
            << " models through " << atomd::format_date(until) << " to " << target.string() << "\n";
  return 0;
}

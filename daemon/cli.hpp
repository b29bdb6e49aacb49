#pragma once
// Command line (DESIGN §2b): flags become config overrides; `atomd broker` is a sub-command.
#include <optional>
#include <string>
#include <vector>

namespace atomd {

struct CommandLine {
  std::string config_path;               // empty → built-in defaults
  std::vector<std::string> overrides;    // "key=value", in order
  std::optional<std::string> replay_path;
  bool exit_after_replay = false;
  bool reset_state = false;
  bool check_config = false;
  bool broker = false;  // sub-command: run the embedded broker alone
  int broker_partitions = 16;
};

// Parses argv. Returns an exit code when the program should stop now (help, usage error).
std::optional<int> parse_command_line(int argc, char** argv, CommandLine& out);

}  // namespace atomd

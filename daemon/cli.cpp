#include "daemon/cli.hpp"

#include <CLI/CLI.hpp>

namespace atomd {

std::optional<int> parse_command_line(int argc, char** argv, CommandLine& out) {
  CLI::App app{"atomd: live adoption metrics of open language models (The ATOM Report, kept live)"};
  std::string http_listen, state_dir, brokers;
  app.add_option("--config", out.config_path, "YAML config file")->check(CLI::ExistingFile);
  app.add_option("--set", out.overrides, "Override a config key: key=value (repeatable)");
  app.add_option("--replay", out.replay_path, "Produce a recorded history (JSON Lines) onto the input topics");
  app.add_flag("--exit-after-replay", out.exit_after_replay, "Print the replay summary and exit 0");
  app.add_option("--http-listen", http_listen, "Same as --set http.listen=HOST:PORT");
  app.add_option("--state-dir", state_dir, "Same as --set state.dir=DIR");
  app.add_option("--brokers", brokers, "Same as --set kafka.brokers=HOST:PORT,...");
  app.add_flag("--reset-state", out.reset_state, "Wipe the state store, then start");
  app.add_flag("--check-config", out.check_config, "Validate the configuration and exit (0 valid, 2 invalid)");
  auto* broker = app.add_subcommand("broker", "Run the embedded Kafka-protocol broker alone and print its address");
  broker->add_option("--partitions", out.broker_partitions, "Partitions of the topics it creates")
      ->check(CLI::Range(1, 1024));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  out.broker = broker->parsed();
  if (out.exit_after_replay && !out.replay_path) {
    std::fprintf(stderr, "--exit-after-replay needs --replay FILE\n");
    return 2;
  }
  // Flags apply after --set, as the more specific spelling.
  if (!http_listen.empty()) out.overrides.push_back("http.listen=" + http_listen);
  if (!state_dir.empty()) out.overrides.push_back("state.dir=" + state_dir);
  if (!brokers.empty()) out.overrides.push_back("kafka.brokers=" + brokers);
  return std::nullopt;
}

}  // namespace atomd

#include "daemon/app.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "connectors/fetch_url.hpp"
#include "daemon/daemon.hpp"
#include "daemon/logging.hpp"
#include "daemon/reference_loader.hpp"
#include "kafka/kafka.hpp"

namespace atomd {

int run_broker(int partitions) {
  kafka::EmbeddedBroker broker(partitions);
  TopicNames topics;
  for (const auto& t : topic_layout(topics, partitions)) broker.create_topic(t.name, t.partitions);
  std::printf("%s\n", broker.bootstrap().c_str());
  std::fflush(stdout);
  spdlog::info("embedded broker listening on {} ({} partitions per topic); Ctrl-C stops it", broker.bootstrap(),
               partitions);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("broker stopping on signal {}", sig);
  return 0;
}

int atomd_main(int argc, char** argv, ComponentList parts) {
  // Logs go to stderr; stdout carries only results (the replay summary, the broker address).
  setup_logging("text", "info");
  CommandLine cli;
  if (auto code = parse_command_line(argc, argv, cli)) return *code;
  if (cli.broker) return run_broker(cli.broker_partitions);
  Config config;
  try {
    std::string text = cli.config_path.empty() ? std::string() : read_text_file(cli.config_path);
    config = load_config(text, cli.overrides, cli.config_path.empty() ? "config" : cli.config_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "atomd: invalid configuration: %s\n", e.what());
    return 2;
  }
  setup_logging(config.log.format, config.log.level);
  if (cli.check_config) {
    // The reference files are part of the configuration: a bad row is an invalid config.
    try {
      auto reference = load_reference(config.reference, fetch_url_blocking);
      std::printf("configuration is valid (%zu tracked models in %zu orgs)\n", reference.tracked_models().size(),
                  reference.tracked_orgs().size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "atomd: invalid configuration: reference: %s\n", e.what());
      return 2;
    }
    return 0;
  }
  try {
    return Daemon(config, cli, std::move(parts)).run();
  } catch (const std::exception& e) {
    spdlog::critical("atomd failed: {}", e.what());
    return 1;
  }
}

}  // namespace atomd

#pragma once
// Wires the parts of one atomd process: reference data, Kafka (embedded or external),
// connectors, the stream pipeline, the HTTP server, signals and orderly shutdown.
#include <memory>

#include "daemon/cli.hpp"
#include "daemon/config.hpp"
#include "daemon/version.hpp"

namespace atomd {

// Runs the daemon until SIGINT/SIGTERM (or the end of a replay with --exit-after-replay).
// Returns the process exit code.
int run_daemon(const Config& config, const CommandLine& cli);

// `atomd broker`: the embedded broker alone, printing its bootstrap address.
int run_broker(int partitions);

// Parses the command line and the config, then runs the daemon or the broker.
int atomd_main(int argc, char** argv);

}  // namespace atomd

#pragma once
// One atomd process: builds the parts main() listed, starts them, waits for SIGINT/SIGTERM,
// a failure or the end of a replay (--exit-after-replay), then stops them in reverse order.
#include "daemon/cli.hpp"
#include "daemon/component.hpp"
#include "daemon/config.hpp"
#include "daemon/metrics.hpp"

namespace atomd {

class Daemon {
 public:
  Daemon(const Config& config, const CommandLine& cli, ComponentList parts);
  // The process exit code: 0, or 1 when a part failed. Throws when a part cannot be built
  // (bad reference data, an unusable state store, a port in use).
  int run();

 private:
  Config config_;
  CommandLine cli_;
  ComponentList list_;
  Metrics metrics_;
  StopRequest stop_;
};

}  // namespace atomd

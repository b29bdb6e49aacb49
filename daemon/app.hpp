#pragma once
// The command line of the atomd executable: parses it and the config, then runs the daemon
// with the parts main() listed, the embedded broker alone (`atomd broker`), or the config
// check (--check-config).
#include "daemon/component.hpp"

namespace atomd {

// `atomd broker`: the embedded broker alone, printing its bootstrap address.
int run_broker(int partitions);

// Returns the process exit code.
int atomd_main(int argc, char** argv, ComponentList parts);

}  // namespace atomd

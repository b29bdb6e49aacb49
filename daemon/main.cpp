// atomd: the parts of one process, in start order (each finds the ones before it).
#include "daemon/app.hpp"
#include "daemon/checkpoint_coordinator.hpp"
#include "daemon/http_routes.hpp"
#include "daemon/kafka_bootstrap.hpp"
#include "daemon/pollers.hpp"
#include "daemon/reference_refresh.hpp"
#include "daemon/replay_driver.hpp"
#include "daemon/stage2_ownership.hpp"
#include "daemon/state_restore.hpp"
#include "daemon/stream_task.hpp"
#include "daemon/stream_topology.hpp"

int main(int argc, char** argv) {
  using namespace atomd;
  ComponentList parts;
  parts.append<ReferenceRefresh>()       // reference data, reloaded every reference.refresh
      .append<StreamTopology>()          // processors and their state stores
      .append<StateRestore>()            // the RocksDB store, restored
      .append<HttpRoutes>()              // /metrics, health, API, landing page
      .append<KafkaBootstrap>()          // embedded broker or cluster, topics, producer
      .append<Stage2Ownership>()         // who runs stage 2; changelogs and the aggregates mirror
      .append<CheckpointCoordinator>()   // checkpoints and the event outbox
      .append<StreamTask>()              // the stream thread
      .append<Pollers>()                 // Hugging Face and OpenRouter pollers
      .append<ReplayDriver>();           // --replay FILE
  return atomd_main(argc, argv, std::move(parts));
}

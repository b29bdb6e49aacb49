#!/usr/bin/env bash
# A real Apache Kafka cluster (KRaft, combined broker+controller nodes on 127.0.0.1) for tests
# and local use, run from jars that Debian's `mvn` fetches from Maven Central into a cache
# outside the repository. Nothing downloaded is ever committed.
#
#   scripts/kafka.sh fetch            fetch the broker's jars (does nothing when cached)
#   scripts/kafka.sh start N DIR      format and start N (1 or 3) nodes; writes DIR/bootstrap
#   scripts/kafka.sh stop DIR         SIGTERM every node, SIGKILL after a timeout
#   scripts/kafka.sh kill DIR I       SIGKILL node I (1-based), for fault tests
#   scripts/kafka.sh restart DIR I    SIGKILL node I if running, start it again, wait for it
#   scripts/kafka.sh status DIR       each node's pid and whether it answers metadata
#   scripts/kafka.sh libs             print the jar folder (exit 1 when not fetched)
#
# Environment:
#   ATOMD_KAFKA_VERSION        org.apache.kafka:kafka_2.13 version (default below)
#   ATOMD_KAFKA_CACHE          cache folder (default ${XDG_CACHE_HOME:-$HOME/.cache}/atomd/kafka-<version>)
#   ATOMD_KAFKA_HEAP           the nodes' -Xmx (default 384m)
#   ATOMD_KAFKA_START_TIMEOUT  seconds to wait for every node to answer metadata (default 120)
#   ATOMD_KAFKA_STOP_TIMEOUT   seconds between SIGTERM and SIGKILL on stop (default 20)
#   ATOMD_KAFKA_WATCH_PID      with start: stop the cluster once this process is gone (tests
#                              pass their own pid, so a crashed or timed-out test leaves no JVMs)
set -euo pipefail

SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
KAFKA_VERSION="${ATOMD_KAFKA_VERSION:-4.2.0}"
# The log4j2 binding for SLF4J 2 (Kafka 4.x logs through log4j2; its poms leave the binding to
# the distribution). Its version follows the log4j-core that kafka-server 4.2.0 depends on.
SLF4J_VERSION=2.0.17
LOG4J_VERSION=2.25.3
CACHE="${ATOMD_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atomd/kafka-${KAFKA_VERSION}}"
LIBS="$CACHE/libs"
MARKER="$LIBS/.complete"
HEAP="${ATOMD_KAFKA_HEAP:-384m}"
START_TIMEOUT="${ATOMD_KAFKA_START_TIMEOUT:-120}"
STOP_TIMEOUT="${ATOMD_KAFKA_STOP_TIMEOUT:-20}"

die() { echo "kafka.sh: $*" >&2; exit 1; }
log() { echo "kafka.sh: $*" >&2; }

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF" >&2
  exit 2
}

cache_complete() { [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$KAFKA_VERSION" ]; }

cmd_fetch() {
  if cache_complete; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (scripts/install-deps.sh installs Debian's maven)"
  command -v java >/dev/null || die "java not found (scripts/install-deps.sh installs a Java 17 runtime)"
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  cat >"$tmp/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>atomd</groupId>
  <artifactId>atomd-kafka-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <!-- kafka.Kafka (the broker and controller) and kafka.tools.StorageTool (format) -->
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>${SLF4J_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j2-impl</artifactId><version>${LOG4J_VERSION}</version></dependency>
  </dependencies>
</project>
EOF
  log "fetching org.apache.kafka:kafka_2.13:${KAFKA_VERSION} and its runtime dependencies into $LIBS"
  rm -rf "$LIBS"
  mkdir -p "$LIBS"
  # mvn's output (ANSI resets even with -q -B) only when it fails.
  if ! (cd "$tmp" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIBS") >"$tmp/mvn.txt" 2>&1; then
    cat "$tmp/mvn.txt" >&2
    die "mvn could not fetch kafka_2.13:${KAFKA_VERSION} (try another ATOMD_KAFKA_VERSION)"
  fi
  [ -f "$LIBS/kafka_2.13-${KAFKA_VERSION}.jar" ] || die "kafka_2.13-${KAFKA_VERSION}.jar missing from $LIBS"
  echo "$KAFKA_VERSION" >"$MARKER"
  log "fetched $(ls "$LIBS" | wc -l) jars ($(du -sh "$LIBS" | cut -f1))"
}

require_libs() {
  cache_complete || die "Kafka ${KAFKA_VERSION} is not fetched (run: scripts/kafka.sh fetch)"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pid_of() { cat "$1/node-$2.pid" 2>/dev/null || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
node_count() { cat "$1/nodes" 2>/dev/null || die "$1 holds no cluster (no $1/nodes)"; }
broker_address() { sed -n 's/^advertised.listeners=PLAINTEXT:\/\///p' "$1/node-$2/server.properties"; }

# How many brokers node I's metadata lists (0 when it does not answer).
metadata_brokers() {
  local out
  out="$(kcat -b "$(broker_address "$1" "$2")" -L -m 5 2>/dev/null)" || { echo 0; return; }
  sed -n 's/^ *\([0-9]*\) brokers:.*/\1/p' <<<"$out" | head -1 | grep . || echo 0
}

log_tail() {
  local dir="$1" i="$2"
  echo "---- node $i: tail of $dir/node-$i/server.log ----" >&2
  tail -n 40 "$dir/node-$i/server.log" >&2 2>/dev/null || true
  echo "---- node $i: tail of $dir/node-$i/stdout.txt ----" >&2
  tail -n 20 "$dir/node-$i/stdout.txt" >&2 2>/dev/null || true
}

launch_node() {
  local dir="$1" i="$2" node="$1/node-$2"
  # setsid: the node outlives the shell that started it and takes no terminal signals.
  setsid java -Xms64m "-Xmx$HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true -Dkafka.logs.dir="$node" -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$node/server.properties" >"$node/stdout.txt" 2>&1 </dev/null &
  echo $! >"$dir/node-$i.pid"
}

# Waits until every node in "$@" lists all N brokers in its metadata; on timeout or a dead
# node prints the logs' tails and fails.
wait_nodes() {
  local dir="$1" n="$2"
  shift 2
  local deadline=$((SECONDS + START_TIMEOUT)) i pending
  while :; do
    pending=()
    for i in "$@"; do
      alive "$(pid_of "$dir" "$i")" || { log "node $i exited during start"; log_tail "$dir" "$i"; return 1; }
      [ "$(metadata_brokers "$dir" "$i")" -ge "$n" ] || pending+=("$i")
    done
    [ ${#pending[@]} -eq 0 ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      log "nodes ${pending[*]} did not list $n brokers within ${START_TIMEOUT}s"
      for i in "${pending[@]}"; do log_tail "$dir" "$i"; done
      return 1
    fi
    sleep 0.5
  done
}

write_configs() {
  local dir="$1" n="$2" i voters="" bootstrap=""
  local -a broker_ports controller_ports
  for i in $(seq 1 "$n"); do
    broker_ports[i]="$(free_port)"
    controller_ports[i]="$(free_port)"
    voters+="${voters:+,}$i@127.0.0.1:${controller_ports[i]}"
    bootstrap+="${bootstrap:+,}127.0.0.1:${broker_ports[i]}"
  done
  local rf=$((n < 3 ? n : 3)) min_isr=$((n > 1 ? 2 : 1))
  for i in $(seq 1 "$n"); do
    mkdir -p "$dir/node-$i/data"
    cat >"$dir/node-$i/server.properties" <<EOF
process.roles=broker,controller
node.id=$i
listeners=PLAINTEXT://127.0.0.1:${broker_ports[i]},CONTROLLER://127.0.0.1:${controller_ports[i]}
advertised.listeners=PLAINTEXT://127.0.0.1:${broker_ports[i]}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.voters=$voters
log.dirs=$dir/node-$i/data
num.partitions=1
auto.create.topics.enable=false
default.replication.factor=$n
min.insync.replicas=1
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
log.segment.bytes=16777216
log.retention.hours=-1
EOF
  done
  cat >"$dir/log4j2.properties" <<'EOF'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
EOF
  echo "$n" >"$dir/nodes"
  echo "$bootstrap" >"$dir/bootstrap.tmp"
}

# Stops the cluster once process $2 is gone.
start_watcher() {
  local dir="$1" watched="$2"
  setsid bash -c '
    while kill -0 "$1" 2>/dev/null; do sleep 1; done
    "$0" stop "$2" >>"$2/watcher.txt" 2>&1
  ' "$SELF" "$watched" "$dir" </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/watcher.pid"
}

# One try at formatting and starting the nodes; on failure stops them and returns 1 (2 when
# a node could not bind its port: another process took it after free_port picked it).
start_nodes() {
  local dir="$1" n="$2" i cluster_id
  rm -rf "$dir"/node-* "$dir/bootstrap" "$dir/nodes"
  write_configs "$dir" "$n"
  # Kafka's Uuid text (base64url of 16 random bytes); like Uuid.randomUuid never one starting
  # with '-', which the format command's argument parser would take for an option.
  cluster_id="$(python3 -c '
import base64, uuid
while True:
    text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not text.startswith("-"):
        print(text)
        break')"
  echo "$cluster_id" >"$dir/cluster-id"
  # kafka-storage format, one JVM per node, in parallel.
  local -a formats=()
  for i in $(seq 1 "$n"); do
    java -Xmx128m -XX:TieredStopAtLevel=1 -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      -Dkafka.logs.dir="$dir/node-$i" -cp "$LIBS/*" kafka.tools.StorageTool format \
      --cluster-id="$cluster_id" --config="$dir/node-$i/server.properties" >"$dir/node-$i/format.txt" 2>&1 &
    formats[i]=$!
  done
  for i in $(seq 1 "$n"); do
    wait "${formats[i]}" || { cat "$dir/node-$i/format.txt" >&2; die "formatting node $i failed"; }
  done
  for i in $(seq 1 "$n"); do launch_node "$dir" "$i"; done
  wait_nodes "$dir" "$n" $(seq 1 "$n") && return 0
  stop_nodes "$dir" 5
  if cat "$dir"/node-*/server.log "$dir"/node-*/stdout.txt 2>/dev/null | grep -q "Address already in use"; then
    return 2
  fi
  return 1
}

cmd_start() {
  [ $# -eq 2 ] || usage
  local n="$1" dir="$2" i attempt rc
  case "$n" in 1 | 3) ;; *) die "start: N must be 1 or 3, not $n" ;; esac
  require_libs
  command -v kcat >/dev/null || die "kcat not found (scripts/install-deps.sh installs it)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  for i in $(seq 1 3); do
    alive "$(pid_of "$dir" "$i")" && die "$dir already runs node $i (pid $(pid_of "$dir" "$i")); stop it first"
  done
  if [ -n "${ATOMD_KAFKA_WATCH_PID:-}" ]; then start_watcher "$dir" "$ATOMD_KAFKA_WATCH_PID"; fi
  for attempt in 1 2 3; do
    rc=0
    start_nodes "$dir" "$n" || rc=$?
    [ $rc -eq 0 ] && break
    if [ $rc -ne 2 ] || [ $attempt -eq 3 ]; then
      cmd_stop "$dir"
      die "cluster in $dir did not start"
    fi
    log "a port was taken meanwhile; starting again on other ports"
  done
  mv "$dir/bootstrap.tmp" "$dir/bootstrap"
  log "Kafka ${KAFKA_VERSION}: $n node(s) up in $dir, bootstrap $(cat "$dir/bootstrap")"
}

# SIGTERM to every running node, SIGKILL to those still running after $2 seconds.
stop_nodes() {
  local dir="$1" timeout="$2" i pid deadline
  local -a pids=()
  for i in 1 2 3; do
    pid="$(pid_of "$dir" "$i")"
    if alive "$pid"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  deadline=$((SECONDS + timeout))
  for pid in "${pids[@]}"; do
    while alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if alive "$pid"; then
      log "pid $pid still running after ${timeout}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${pids[@]}"; do
    while alive "$pid"; do sleep 0.1; done
  done
  rm -f "$dir"/node-*.pid
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  local dir="$1" pid
  if [ -f "$dir/watcher.pid" ]; then
    pid="$(cat "$dir/watcher.pid")"
    rm -f "$dir/watcher.pid"
    # Not when stop runs inside the watcher itself.
    if [ "$pid" != "$$" ] && [ "$pid" != "${PPID:-}" ]; then kill "$pid" 2>/dev/null || true; fi
  fi
  stop_nodes "$dir" "$STOP_TIMEOUT"
}

node_arg() {
  local dir="$1" i="$2" n
  n="$(node_count "$dir")"
  [[ "$i" =~ ^[0-9]+$ ]] && [ "$i" -ge 1 ] && [ "$i" -le "$n" ] || die "node must be 1..$n, not $i"
}

cmd_kill() {
  [ $# -eq 2 ] || usage
  local dir="$1" i="$2" pid
  node_arg "$dir" "$i"
  pid="$(pid_of "$dir" "$i")"
  if alive "$pid"; then
    kill -KILL "$pid"
    while alive "$pid"; do sleep 0.1; done
  fi
}

cmd_restart() {
  [ $# -eq 2 ] || usage
  local dir="$1" i="$2"
  require_libs
  dir="$(cd "$dir" && pwd)"
  cmd_kill "$dir" "$i"
  launch_node "$dir" "$i"
  wait_nodes "$dir" "$(node_count "$dir")" "$i" || die "node $i did not come back"
}

cmd_status() {
  [ $# -eq 1 ] || usage
  local dir="$1" i n pid ok=0
  n="$(node_count "$dir")"
  echo "bootstrap $(cat "$dir/bootstrap" 2>/dev/null || echo '(not started)')"
  for i in $(seq 1 "$n"); do
    pid="$(pid_of "$dir" "$i")"
    if alive "$pid"; then
      echo "node $i: pid $pid, $(broker_address "$dir" "$i"), metadata lists $(metadata_brokers "$dir" "$i") broker(s)"
    else
      echo "node $i: not running"
      ok=1
    fi
  done
  return $ok
}

[ $# -ge 1 ] || usage
sub="$1"
shift
case "$sub" in
  fetch) cmd_fetch "$@" ;;
  libs) require_libs && echo "$LIBS" ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  kill) cmd_kill "$@" ;;
  restart) cmd_restart "$@" ;;
  status) cmd_status "$@" ;;
  -h | --help | help) usage ;;
  *) usage ;;
esac

#!/usr/bin/env bash
# Installs the Debian packages atomd needs to build, test and demo. Idempotent: does
# nothing when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  librdkafka-dev libboost-dev libboost-system-dev libssl-dev ca-certificates
  nlohmann-json3-dev libsimdjson-dev prometheus-cpp-dev libyaml-cpp-dev librocksdb-dev
  libspdlog-dev libfmt-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  kcat prometheus curl python3 time
  maven  # scripts/kafka.sh fetch: the real Kafka broker's jars from Maven Central
)

# A Java 17+ runtime for the real Kafka broker (Kafka 4.x needs 17): Debian 12's default one
# unless a 17+ `java` is already there.
java_major() { java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
if ! command -v java >/dev/null || ! [ "$(java_major)" -ge 17 ] 2>/dev/null; then
  packages+=(default-jre-headless)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

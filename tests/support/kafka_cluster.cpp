#include "tests/support/kafka_cluster.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace atomd::testing {
namespace {

const std::string kScript = std::string(ATOMD_SOURCE_DIR) + "/scripts/kafka.sh";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Exit code of a shell command (-1 when it did not exit normally).
int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string kafka_cluster_skip_reason() {
  if (shell(kScript + " libs >/dev/null 2>&1") == 0) return "";
  const char* ci = std::getenv("CI");
  if (ci != nullptr && *ci != '\0') return "";  // CI: starting the cluster fails and says why
  return std::string(kKafkaClusterSkipMarker) +
         " Apache Kafka's jars are not fetched (run `make kafka` or scripts/kafka.sh fetch; in CI this fails)";
}

void SharedKafkaCluster::start(int nodes, const std::string& dir) {
  skip_reason_ = kafka_cluster_skip_reason();
  if (!skip_reason_.empty()) return;
  try {
    cluster_ = std::make_unique<KafkaCluster>(nodes, dir);
  } catch (const std::exception& e) {
    error_ = std::string("the Kafka cluster did not start: ") + e.what();
  }
}

KafkaCluster::KafkaCluster(int nodes, std::string dir) : nodes_(nodes), dir_(std::move(dir)) {
  std::filesystem::create_directories(dir_);
  // The script's watcher stops the nodes once this process is gone (a crash, a CTest timeout).
  run("start " + std::to_string(nodes) + " " + shell_quoted(dir_));
  std::string bootstrap = slurp(dir_ + "/bootstrap");
  while (!bootstrap.empty() && (bootstrap.back() == '\n' || bootstrap.back() == ' ')) bootstrap.pop_back();
  if (bootstrap.empty()) throw std::runtime_error("scripts/kafka.sh start wrote no " + dir_ + "/bootstrap");
  bootstrap_ = bootstrap;
}

KafkaCluster::~KafkaCluster() {
  try {
    run("stop " + shell_quoted(dir_));
  } catch (...) {
    // Nothing to do in a destructor: the script's watcher stops the nodes when we exit.
  }
}

void KafkaCluster::kill(int node) { run("kill " + shell_quoted(dir_) + " " + std::to_string(node)); }
void KafkaCluster::restart(int node) { run("restart " + shell_quoted(dir_) + " " + std::to_string(node)); }

void KafkaCluster::run(const std::string& args) const {
  const std::string log = dir_ + "/kafka-sh.txt";
  const std::string command = "ATOMD_KAFKA_WATCH_PID=" + std::to_string(getpid()) + " " + kScript + " " + args +
                              " >" + shell_quoted(log) + " 2>&1";
  if (const int code = shell(command); code != 0)
    throw std::runtime_error("scripts/kafka.sh " + args + " exited " + std::to_string(code) + ":\n" + slurp(log));
}

}  // namespace atomd::testing

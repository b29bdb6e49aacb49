#pragma once
// Runs build/atomd as a child process for whole-daemon tests: arguments, captured
// stdout/stderr, HTTP GETs against it, SIGTERM and the exit code.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace atomd::testing {

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Blocking GET on 127.0.0.1:port; status 0 when the connection failed.
HttpResult http_get(unsigned short port, const std::string& target);

// Runs a shell command, returning its exit code and stdout.
int run_command(const std::string& command, std::string* output = nullptr);

// A fresh directory under the build tree for one test's files.
std::string make_temp_dir(const std::string& name);
void write_file(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

// Polls `predicate` every 100 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout);

// Whether `tool` is on PATH. A test that needs an optional tool (kcat, promtool) checks this
// first and ends with GTEST_SKIP() naming the tool, never passing its check silently.
bool tool_installed(const std::string& tool);

class DaemonProcess {
 public:
  // Starts `ATOMD_BINARY_DIR/atomd args...` with --http-listen 127.0.0.1:0 appended unless
  // `args` has --http-listen or is the broker sub-command; `dir` receives stdout.txt and
  // stderr.txt; `env` is added to the child's environment.
  DaemonProcess(std::vector<std::string> args, std::string dir,
                std::vector<std::pair<std::string, std::string>> env = {});
  ~DaemonProcess();  // SIGKILL if still running

  // Port parsed from the "serving http://…:PORT" log line (waits up to `timeout`).
  unsigned short wait_for_port(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  HttpResult get(const std::string& target) { return http_get(port_, target); }
  std::string stdout_text() const;
  std::string stderr_text() const;
  // SIGTERM, then waits up to `timeout`; returns the exit code (-1 on timeout, 128+sig if killed).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGKILL (kill -9: no shutdown code runs), then waits for the exit; returns 128+9.
  int kill_hard(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for the process to exit by itself; -1 on timeout.
  int wait_exit(std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int exit_code_ = -1;
  unsigned short port_ = 0;
};

// GET /api/v1/status says replay.done.
bool replay_done(DaemonProcess& daemon);
// Waits until replay.done; false when the process exited first or `timeout` passed.
bool wait_replay_done(DaemonProcess& daemon, std::chrono::milliseconds timeout);

// Every /api/v1/leaderboard of the contract (DESIGN §6): downloads (org|region|size_bucket ×
// cumulative|month|30d), derivatives (org|region × month|30d), inference (org|region ×
// day|7d|month × scope all|open).
std::vector<std::string> leaderboard_targets();

// The value of the first sample line `name{labels}` in a Prometheus text body that contains
// every one of `label_pairs` (e.g. {"group=\"china\"", "window=\"cumulative\""}); NaN when absent.
double metric_value(const std::string& body, const std::string& name, const std::vector<std::string>& label_pairs);

}  // namespace atomd::testing

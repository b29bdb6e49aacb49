#include "tests/integration/daemon_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace atomd::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpResult http_get(unsigned short port, const std::string& target) {
  try {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(20));
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    http::read(stream, buffer, parser);
    auto& res = parser.get();
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    return HttpResult{static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), res.body()};
  } catch (const std::exception&) {
    return HttpResult{};
  }
}

int run_command(const std::string& command, std::string* output) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return -1;
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string make_temp_dir(const std::string& name) {
  auto dir = std::filesystem::path(ATOMD_BINARY_DIR) / "test-tmp" / (name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return predicate();
}

bool tool_installed(const std::string& tool) { return run_command("command -v " + tool + " >/dev/null 2>&1") == 0; }

DaemonProcess::DaemonProcess(std::vector<std::string> args, std::string dir,
                             std::vector<std::pair<std::string, std::string>> env)
    : dir_(std::move(dir)) {
  bool has_listen = false;
  for (const auto& a : args) has_listen |= a.rfind("--http-listen", 0) == 0;
  if (!has_listen && (args.empty() || args[0] != "broker")) {
    args.push_back("--http-listen");
    args.push_back("127.0.0.1:0");
  }
  std::string binary = std::string(ATOMD_BINARY_DIR) + "/atomd";
  std::vector<char*> argv;
  argv.push_back(binary.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string out_path = dir_ + "/stdout.txt", err_path = dir_ + "/stderr.txt";
  pid_ = fork();
  if (pid_ == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    if (chdir(ATOMD_SOURCE_DIR) != 0) _exit(126);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

DaemonProcess::~DaemonProcess() {
  if (running()) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

bool DaemonProcess::running() {
  if (pid_ <= 0 || exit_code_ != -1) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

unsigned short DaemonProcess::wait_for_port(std::chrono::milliseconds timeout) {
  static const std::regex kServing(R"(serving http://[^:]+:(\d+))");
  wait_until(
      [&] {
        std::smatch m;
        auto text = stderr_text();
        if (std::regex_search(text, m, kServing)) port_ = static_cast<unsigned short>(std::stoi(m[1]));
        return port_ != 0 || !running();
      },
      timeout);
  return port_;
}

bool DaemonProcess::wait_ready(std::chrono::milliseconds timeout) {
  if (port_ == 0 && wait_for_port(timeout) == 0) return false;
  return wait_until([&] { return get("/-/ready").status == 200 || !running(); }, timeout) && running();
}

std::string DaemonProcess::stdout_text() const { return read_file(dir_ + "/stdout.txt"); }
std::string DaemonProcess::stderr_text() const { return read_file(dir_ + "/stderr.txt"); }

int DaemonProcess::wait_exit(std::chrono::milliseconds timeout) {
  wait_until([&] { return !running(); }, timeout);
  return exit_code_;
}

int DaemonProcess::terminate(std::chrono::milliseconds timeout) {
  if (!running()) return exit_code_;
  kill(pid_, SIGTERM);
  return wait_exit(timeout);
}

int DaemonProcess::kill_hard(std::chrono::milliseconds timeout) {
  if (!running()) return exit_code_;
  kill(pid_, SIGKILL);
  return wait_exit(timeout);
}

bool replay_done(DaemonProcess& daemon) {
  auto r = daemon.get("/api/v1/status");
  if (r.status != 200) return false;
  auto status = nlohmann::json::parse(r.body, nullptr, false);
  return status.is_object() && status.contains("replay") && status["replay"].value("done", false);
}

bool wait_replay_done(DaemonProcess& daemon, std::chrono::milliseconds timeout) {
  return wait_until([&] { return !daemon.running() || replay_done(daemon); }, timeout) && daemon.running();
}

std::vector<std::string> leaderboard_targets() {
  std::vector<std::string> targets;
  const std::string base = "/api/v1/leaderboard?metric=";
  for (const char* by : {"org", "region", "size_bucket"})
    for (const char* window : {"cumulative", "month", "30d"})
      targets.push_back(base + "downloads&group_by=" + by + "&window=" + window);
  for (const char* by : {"org", "region"})
    for (const char* window : {"month", "30d"})
      targets.push_back(base + "derivatives&group_by=" + by + "&window=" + window);
  for (const char* by : {"org", "region"})
    for (const char* window : {"day", "7d", "month"})
      for (const char* scope : {"all", "open"})
        targets.push_back(base + "inference&group_by=" + by + "&window=" + window + "&scope=" + scope);
  return targets;
}

double metric_value(const std::string& body, const std::string& name, const std::vector<std::string>& label_pairs) {
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0) continue;
    char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;
    bool all = true;
    for (const auto& pair : label_pairs) all &= line.find(pair) != std::string::npos;
    if (!all) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nan("");
}

}  // namespace atomd::testing

#pragma once
// A scripted HTTP/1.1 server for tests: listens on 127.0.0.1 (ephemeral port) on its own
// thread, answers each request from the first matching route's queue of responses, and
// records every request for assertions.
#include <utility>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace atomd::testing {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct FakeResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given; Content-Length is added
  std::string body;
  std::chrono::milliseconds delay{0};  // before anything is sent (client read timeouts)
  // Announce the full Content-Length, send only this many body bytes, then close.
  std::optional<std::size_t> truncate_body_at;
  bool close = false;    // Connection: close after this response
  bool chunked = false;  // Transfer-Encoding: chunked instead of Content-Length
};

struct RecordedRequest {
  std::string method;
  std::string target;  // path + query, as received
  std::string path;
  std::string query;   // without '?'
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string header(const std::string& name) const;  // "" when absent
};

class FakeHttpServer {
 public:
  using Matcher = std::function<bool(const RecordedRequest&)>;

  FakeHttpServer();   // listening and serving when constructed
  ~FakeHttpServer();  // stop()
  FakeHttpServer(const FakeHttpServer&) = delete;
  FakeHttpServer& operator=(const FakeHttpServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT"

  // Matchers for route(): the path alone (any query), or the path plus one "name=value"
  // parameter of the query, compared as sent (no percent-decoding).
  static Matcher path_is(std::string path);
  static Matcher path_and_param(std::string path, std::string param);

  // Routes are tried in the order added. Each answers from its queue; the last response of
  // a queue is kept and repeats. `target` matches path + query exactly. Matchers run under
  // the server's lock: they must not call the server.
  void route(const std::string& target, std::vector<FakeResponse> responses);
  void route(Matcher matcher, std::vector<FakeResponse> responses);
  // Appends to the queue of the route added with this exact target (adding it if needed).
  void enqueue(const std::string& target, FakeResponse response);
  // Answer when no route matches (default: 404 with body "no route").
  void set_default(FakeResponse response);

  std::vector<RecordedRequest> requests() const;
  std::size_t request_count() const;
  std::size_t connection_count() const;  // connections accepted so far

  void stop();  // closes the listener and every connection; joins the thread

 private:
  struct Route {
    std::string exact;  // used when matcher is empty
    Matcher matcher;
    std::deque<FakeResponse> queue;
  };
  struct Impl;

  FakeResponse answer(const RecordedRequest& request);

  mutable std::mutex mutex_;
  std::vector<Route> routes_;
  FakeResponse default_response_;
  std::vector<RecordedRequest> requests_;
  std::size_t connections_ = 0;

  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace atomd::testing

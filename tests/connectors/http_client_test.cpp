#include "connectors/http_client.hpp"

#include <gtest/gtest.h>

#include "tests/connectors/test_context.hpp"
#include "tests/support/fake_http_server.hpp"

namespace atomd {
namespace {

using namespace std::chrono_literals;
using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::run_task;

std::string error_of(boost::asio::io_context& ioc, HttpClient& client, HttpRequest request) {
  try {
    run_task(ioc, client.get(std::move(request)));
  } catch (const HttpError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Url, Parse) {
  auto u = parse_url("https://huggingface.co/api/models?author=Qwen&limit=2#frag");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "huggingface.co");
  EXPECT_EQ(u.port, "443");
  EXPECT_EQ(u.target, "/api/models?author=Qwen&limit=2");
  auto p = parse_url("HTTP://127.0.0.1:8080");
  EXPECT_EQ(p.scheme, "http");
  EXPECT_EQ(p.port, "8080");
  EXPECT_EQ(p.target, "/");
  auto q = parse_url("http://h?x=1");
  EXPECT_EQ(q.target, "/?x=1");
  auto v6 = parse_url("http://[::1]:9/a");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, "9");
  for (const char* bad : {"huggingface.co/api", "ftp://h/", "http://:80/", "http://h:99999/", "http://u@h/", "http://h:x/"}) {
    try {
      parse_url(bad);
      ADD_FAILURE() << bad;
    } catch (const HttpError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("parse url: ", 0), 0u) << e.what();
    }
  }
}

TEST(Url, Resolve) {
  const std::string base = "https://huggingface.co/api/models?author=Qwen&limit=1000";
  EXPECT_EQ(resolve_url(base, "https://other.example/x"), "https://other.example/x");
  EXPECT_EQ(resolve_url(base, "/api/models?cursor=abc"), "https://huggingface.co/api/models?cursor=abc");
  EXPECT_EQ(resolve_url(base, "?cursor=abc"), "https://huggingface.co/api/models?cursor=abc");
  EXPECT_EQ(resolve_url(base, "spaces?x=1"), "https://huggingface.co/api/spaces?x=1");
  EXPECT_EQ(resolve_url(base, "../v2/./m"), "https://huggingface.co/v2/m");
  EXPECT_EQ(resolve_url(base, "//cdn.example/a"), "https://cdn.example/a");
  EXPECT_EQ(resolve_url("http://127.0.0.1:81", "/p"), "http://127.0.0.1:81/p");
}

class HttpClientTest : public ::testing::Test {
 protected:
  HttpRequest request(const std::string& target) {
    HttpRequest r;
    r.url = server.base_url() + target;
    r.timeout = 2s;
    return r;
  }
  FakeHttpServer server;
  boost::asio::io_context ioc;
  HttpClient client{ioc.get_executor()};
};

TEST_F(HttpClientTest, ReturnsStatusHeadersAndBody) {
  server.route("/api/models?author=a", {FakeResponse{200,
                                                     {{"Content-Type", "application/json"},
                                                      {"Date", "Wed, 22 Jan 2025 18:24:32 GMT"},
                                                      {"Link", "</p2>; rel=\"next\""},
                                                      {"Link", "</p0>; rel=\"prev\""}},
                                                     "[1,2,3]"}});
  auto req = request("/api/models?author=a");
  req.headers = {{"Authorization", "Bearer secret"}, {"Accept", "application/json"}};
  auto response = run_task(ioc, client.get(req));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "[1,2,3]");
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.header("DATE"), "Wed, 22 Jan 2025 18:24:32 GMT");
  EXPECT_EQ(response.header("Link"), "</p2>; rel=\"next\", </p0>; rel=\"prev\"");
  EXPECT_EQ(response.header("X-Absent"), "");

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/api/models?author=a");
  EXPECT_EQ(requests[0].header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(requests[0].header("Authorization"), "Bearer secret");
  EXPECT_EQ(requests[0].header("Accept-Encoding"), "");  // no gzip support, so none asked for
}

TEST_F(HttpClientTest, AnyStatusIsReturned) {
  server.route("/gone", {FakeResponse{404, {{"X-Error-Code", "RepoNotFound"}}, "{\"error\":\"Repository not found\"}"}});
  server.route("/busy", {FakeResponse{503, {}, "try later"}});
  auto gone = run_task(ioc, client.get(request("/gone")));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.header("X-Error-Code"), "RepoNotFound");
  EXPECT_EQ(run_task(ioc, client.get(request("/busy"))).status, 503);
}

TEST_F(HttpClientTest, ReusesKeepAliveConnections) {
  server.route("/a", {FakeResponse{200, {}, "one"}});
  server.route("/close", {FakeResponse{200, {}, "closing", 0ms, std::nullopt, /*close=*/true}});
  EXPECT_EQ(run_task(ioc, client.get(request("/a"))).body, "one");
  EXPECT_EQ(run_task(ioc, client.get(request("/a"))).body, "one");
  EXPECT_EQ(server.connection_count(), 1u);
  EXPECT_EQ(run_task(ioc, client.get(request("/close"))).body, "closing");
  EXPECT_EQ(run_task(ioc, client.get(request("/a"))).body, "one");
  EXPECT_EQ(server.connection_count(), 2u);
  EXPECT_EQ(server.request_count(), 4u);
}

TEST_F(HttpClientTest, BodyLimitExceededIsAnError) {
  server.route("/big", {FakeResponse{200, {}, std::string(4096, 'x')}});
  auto req = request("/big");
  req.body_limit = 1024;
  EXPECT_EQ(error_of(ioc, client, req), "read: body limit exceeded");
  req.body_limit = 4096;
  EXPECT_EQ(run_task(ioc, client.get(req)).body.size(), 4096u);
}

TEST_F(HttpClientTest, BodyLimitAppliesToChunkedBodies) {
  FakeResponse chunked{200, {}, std::string(4096, 'x')};
  chunked.chunked = true;
  server.route("/chunked", {chunked});
  auto req = request("/chunked");
  EXPECT_EQ(run_task(ioc, client.get(req)).body.size(), 4096u);
  req.body_limit = 1024;
  EXPECT_EQ(error_of(ioc, client, req), "read: body limit exceeded");
}

TEST_F(HttpClientTest, TimeoutNamesTheOperation) {
  // The answer comes after 1.5 s; had the 200 ms deadline not fired first, the request would
  // have succeeded ("no error"). The error itself is the proof, no stopwatch needed.
  server.route("/slow", {FakeResponse{200, {}, "late", 1500ms}});
  auto req = request("/slow");
  req.timeout = 200ms;
  auto error = error_of(ioc, client, req);
  EXPECT_EQ(error.rfind("read: ", 0), 0u) << error;
  EXPECT_NE(error.find("timeout"), std::string::npos) << error;
}

TEST_F(HttpClientTest, TruncatedBodyIsAnError) {
  FakeResponse truncated{200, {{"Content-Type", "application/json"}}, R"([{"id":"a/b"},{"id":"c/d"}])"};
  truncated.truncate_body_at = 10;
  server.route("/cut", {truncated});
  auto error = error_of(ioc, client, request("/cut"));
  EXPECT_EQ(error.rfind("read: truncated body", 0), 0u) << error;
}

TEST_F(HttpClientTest, ConnectionRefusedNamesConnect) {
  auto port = [] {
    FakeHttpServer closed;
    return closed.port();
  }();  // nothing listens there any more
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  EXPECT_EQ(error_of(ioc, client, req), "connect: Connection refused");
}

TEST_F(HttpClientTest, TlsToAPlainServerFailsInTheHandshake) {
  auto req = request("/");
  req.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  auto error = error_of(ioc, client, req);
  EXPECT_EQ(error.rfind("tls handshake: ", 0), 0u) << error;
}

TEST_F(HttpClientTest, UnresolvableHostNamesResolve) {
  HttpRequest req;
  req.url = "http://no-such-host.invalid/";
  auto error = error_of(ioc, client, req);
  EXPECT_EQ(error.rfind("resolve: no-such-host.invalid: ", 0), 0u) << error;
}

}  // namespace
}  // namespace atomd

// The fake server is test infrastructure shared with the integration tests; its routing rules
// are tested here so that a wrong answer is never blamed on the code under test.
#include "tests/support/fake_http_server.hpp"

#include <gtest/gtest.h>

#include "connectors/http_client.hpp"
#include "tests/connectors/test_context.hpp"

namespace atomd {
namespace {

using testing::FakeHttpServer;
using testing::FakeResponse;
using testing::run_task;

class FakeHttpServerTest : public ::testing::Test {
 protected:
  HttpResponse get(const std::string& target, std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest request;
    request.url = server.base_url() + target;
    request.headers = std::move(headers);
    return run_task(ioc, client.get(request));
  }
  FakeHttpServer server;
  boost::asio::io_context ioc;
  HttpClient client{ioc.get_executor()};
};

TEST_F(FakeHttpServerTest, RoutesInOrderWithStickyLastResponse) {
  server.route("/a?x=1", {FakeResponse{429, {{"RateLimit", "\"api\";r=0;t=1"}}, ""}, FakeResponse{200, {}, "one"}});
  server.route(FakeHttpServer::path_and_param("/a", "y=2"), {FakeResponse{200, {}, "param"}});
  server.route(FakeHttpServer::path_is("/a"), {FakeResponse{200, {}, "path"}});
  server.enqueue("/b", FakeResponse{201, {}, "b1"});
  server.enqueue("/b", FakeResponse{202, {}, "b2"});
  server.set_default(FakeResponse{418, {}, "default"});

  auto limited = get("/a?x=1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("RateLimit"), "\"api\";r=0;t=1");
  EXPECT_EQ(get("/a?x=1").body, "one");
  EXPECT_EQ(get("/a?x=1").body, "one");
  EXPECT_EQ(get("/a?z=0&y=2").body, "param");
  EXPECT_EQ(get("/a?y=20").body, "path");
  EXPECT_EQ(get("/b").status, 201);
  EXPECT_EQ(get("/b").status, 202);
  EXPECT_EQ(get("/b").status, 202);
  EXPECT_EQ(get("/c").body, "default");
}

TEST_F(FakeHttpServerTest, RecordsRequests) {
  get("/p/q?r=s&t=u", {{"X-Trace", "abc"}});
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/p/q?r=s&t=u");
  EXPECT_EQ(requests[0].path, "/p/q");
  EXPECT_EQ(requests[0].query, "r=s&t=u");
  EXPECT_EQ(requests[0].header("x-trace"), "abc");
  EXPECT_EQ(get("/nothing").status, 404);
}

TEST_F(FakeHttpServerTest, StopsWithOpenConnections) {
  get("/keep-alive");  // leaves an idle keep-alive connection open in the client
  server.stop();
  server.stop();  // idempotent
  HttpRequest request;
  request.url = server.base_url() + "/after";
  request.timeout = std::chrono::seconds(2);
  EXPECT_THROW(run_task(ioc, client.get(request)), HttpError);
}

}  // namespace
}  // namespace atomd

#pragma once
// The one HTTP server (Boost.Beast, coroutines): metrics, health, API, landing page.
#include <utility>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>

namespace atomd {

struct ServerRequest {
  std::string method;
  std::string target;  // path + query
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using RequestHandler = std::function<ServerResponse(const ServerRequest&)>;

class HttpServer {
 public:
  // Binds `listen` ("host:port"; port 0 picks one); throws std::runtime_error naming it.
  HttpServer(boost::asio::io_context& io, const std::string& listen, RequestHandler handler);
  void start();
  void stop();
  unsigned short port() const { return port_; }

 private:
  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  RequestHandler handler_;
  unsigned short port_ = 0;
};

}  // namespace atomd

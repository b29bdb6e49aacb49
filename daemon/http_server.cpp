#include "daemon/http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

namespace atomd {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr std::size_t kRequestBodyLimit = 64 * 1024;

net::awaitable<void> serve_connection(beast::tcp_stream stream, RequestHandler& handler) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kRequestBodyLimit);
    stream.expires_after(kRequestTimeout);
    beast::error_code read_ec;
    co_await http::async_read(stream, buffer, parser, net::redirect_error(net::use_awaitable, read_ec));
    if (read_ec == http::error::end_of_stream || read_ec == beast::error::timeout ||
        read_ec == net::error::connection_reset || read_ec == net::error::operation_aborted)
      break;
    if (read_ec) {
      spdlog::debug("http read: {}", read_ec.message());
      break;
    }
    auto& req = parser.get();
    ServerResponse out;
    try {
      out = handler(ServerRequest{std::string(req.method_string()), std::string(req.target())});
    } catch (const std::exception& e) {
      spdlog::error("http handler for {}: {}", std::string(req.target()), e.what());
      out = ServerResponse{500, "application/json", R"({"error":"internal error"})"};
    }
    http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
    res.set(http::field::server, "atomd");
    res.set(http::field::content_type, out.content_type);
    res.keep_alive(req.keep_alive());
    res.body() = req.method() == http::verb::head ? std::string() : std::move(out.body);
    res.prepare_payload();
    stream.expires_after(kRequestTimeout);
    beast::error_code write_ec;
    co_await http::async_write(stream, res, net::redirect_error(net::use_awaitable, write_ec));
    if (write_ec) {
      spdlog::debug("http write: {}", write_ec.message());
      break;
    }
    if (!res.keep_alive()) break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, RequestHandler& handler) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      spdlog::warn("http accept: {}", ec.message());
      continue;
    }
    net::co_spawn(acceptor.get_executor(), serve_connection(beast::tcp_stream(std::move(socket)), handler),
                  net::detached);
  }
}

tcp::endpoint parse_listen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("http.listen: expected host:port, got '" + listen + "'");
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code ec;
  auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) throw std::runtime_error("http.listen: bad address '" + host + "'");
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) throw std::runtime_error("http.listen: bad port in '" + listen + "'");
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

HttpServer::HttpServer(net::io_context& io, const std::string& listen, RequestHandler handler)
    : io_(io), acceptor_(io), handler_(std::move(handler)) {
  auto endpoint = parse_listen(listen);
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("http.listen " + listen + ": " + ec.message());
  port_ = acceptor_.local_endpoint().port();
}

void HttpServer::start() { net::co_spawn(io_, accept_loop(acceptor_, handler_), net::detached); }

void HttpServer::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace atomd

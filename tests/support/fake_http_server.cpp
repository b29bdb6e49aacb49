#include "tests/support/fake_http_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

namespace atomd::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string status_line_reason(int status) {
  auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  return std::string(reason.data(), reason.size());
}

}  // namespace

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

std::string RecordedRequest::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string{} : it->second;
}

struct FakeHttpServer::Impl {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};

  net::awaitable<void> accept_loop(FakeHttpServer& server) {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;
      {
        std::lock_guard lock(server.mutex_);
        ++server.connections_;
      }
      net::co_spawn(ioc, session(server, std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> session(FakeHttpServer& server, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (;;) {
      beast::error_code ec;
      http::request<http::string_body> request;
      co_await http::async_read(stream, buffer, request, net::redirect_error(net::use_awaitable, ec));
      if (ec) co_return;

      RecordedRequest recorded;
      recorded.method = std::string(request.method_string());
      recorded.target = std::string(request.target());
      auto question = recorded.target.find('?');
      recorded.path = recorded.target.substr(0, question);
      if (question != std::string::npos) recorded.query = recorded.target.substr(question + 1);
      for (const auto& field : request) recorded.headers[std::string(field.name_string())] = std::string(field.value());
      FakeResponse answer = server.answer(recorded);

      if (answer.delay.count() > 0) {
        net::steady_timer timer(ioc, answer.delay);
        co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
      }
      if (answer.truncate_body_at) {
        std::string raw = "HTTP/1.1 " + std::to_string(answer.status) + " " + status_line_reason(answer.status) + "\r\n";
        for (const auto& [name, value] : answer.headers) raw += name + ": " + value + "\r\n";
        raw += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n\r\n";
        raw += answer.body.substr(0, *answer.truncate_body_at);
        co_await net::async_write(stream.socket(), net::buffer(raw), net::redirect_error(net::use_awaitable, ec));
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        co_return;
      }
      http::response<http::string_body> response{http::int_to_status(static_cast<unsigned>(answer.status)),
                                                 request.version()};
      if (response.result() == http::status::unknown) response.result(static_cast<unsigned>(answer.status));
      for (const auto& [name, value] : answer.headers) response.insert(name, value);
      response.body() = answer.body;
      if (answer.chunked) response.chunked(true);
      else response.prepare_payload();
      response.keep_alive(request.keep_alive() && !answer.close);
      co_await http::async_write(stream, response, net::redirect_error(net::use_awaitable, ec));
      if (ec || !response.keep_alive()) {
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        co_return;
      }
    }
  }
};

FakeHttpServer::FakeHttpServer() : impl_(std::make_unique<Impl>()) {
  default_response_.status = 404;
  default_response_.body = "no route";
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  net::co_spawn(impl_->ioc, impl_->accept_loop(*this), net::detached);
  thread_ = std::thread([this] { impl_->ioc.run(); });
}

FakeHttpServer::~FakeHttpServer() { stop(); }

void FakeHttpServer::stop() {
  if (!thread_.joinable()) return;
  impl_->ioc.stop();
  thread_.join();
  impl_.reset();  // destroys the sessions' frames, closing their sockets
}

std::string FakeHttpServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

FakeHttpServer::Matcher FakeHttpServer::path_is(std::string path) {
  return [path = std::move(path)](const RecordedRequest& r) { return r.path == path; };
}

FakeHttpServer::Matcher FakeHttpServer::path_and_param(std::string path, std::string param) {
  return [path = std::move(path), param = std::move(param)](const RecordedRequest& r) {
    if (r.path != path) return false;
    std::string_view query = r.query;
    while (!query.empty()) {
      auto amp = query.find('&');
      if (query.substr(0, amp) == param) return true;
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
    return false;
  };
}

void FakeHttpServer::route(const std::string& target, std::vector<FakeResponse> responses) {
  std::lock_guard lock(mutex_);
  routes_.push_back(Route{target, nullptr, {responses.begin(), responses.end()}});
}

void FakeHttpServer::route(Matcher matcher, std::vector<FakeResponse> responses) {
  std::lock_guard lock(mutex_);
  routes_.push_back(Route{{}, std::move(matcher), {responses.begin(), responses.end()}});
}

void FakeHttpServer::enqueue(const std::string& target, FakeResponse response) {
  std::lock_guard lock(mutex_);
  for (auto& route : routes_) {
    if (!route.matcher && route.exact == target) {
      route.queue.push_back(std::move(response));
      return;
    }
  }
  routes_.push_back(Route{target, nullptr, {std::move(response)}});
}

void FakeHttpServer::set_default(FakeResponse response) {
  std::lock_guard lock(mutex_);
  default_response_ = std::move(response);
}

std::vector<RecordedRequest> FakeHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t FakeHttpServer::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

std::size_t FakeHttpServer::connection_count() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

FakeResponse FakeHttpServer::answer(const RecordedRequest& request) {
  std::lock_guard lock(mutex_);
  requests_.push_back(request);
  for (auto& route : routes_) {
    bool match = route.matcher ? route.matcher(request) : route.exact == request.target;
    if (!match || route.queue.empty()) continue;
    FakeResponse response = route.queue.front();
    if (route.queue.size() > 1) route.queue.pop_front();
    return response;
  }
  return default_response_;
}

}  // namespace atomd::testing

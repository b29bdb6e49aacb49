#include "connectors/http_client.hpp"

#include "core/records.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <unordered_map>

namespace atomd {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kHeaderLimit = 64 * 1024;
// Servers close idle keep-alive connections after some seconds; older ones are not reused.
constexpr auto kMaxIdle = std::chrono::seconds(20);
constexpr std::size_t kMaxIdlePerOrigin = 4;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

[[noreturn]] void fail(const beast::error_code& ec, std::string_view operation) {
  throw HttpError(std::string(operation) + ": " + ec.message());
}

bool is_ip_literal(const std::string& host) {
  beast::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// An open connection, plain or TLS, with the bytes read past the previous response.
struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  Clock::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// Whether a failure on a reused keep-alive connection means the server had closed it; the
// request is then sent again on a fresh connection (a GET is safe to repeat).
bool is_stale_connection_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == ssl::error::stream_truncated;
}

struct StaleConnection {
  beast::error_code ec;
  std::string operation;
};

}  // namespace

bool HeaderNameLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return lower(x) < lower(y); });
}

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string{} : it->second;
}

Url parse_url(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw HttpError("parse url: no scheme in '" + url + "'");
  Url out;
  out.scheme = ascii_lower(std::string_view(url).substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") throw HttpError("parse url: unsupported scheme '" + out.scheme + "'");
  auto authority_begin = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority_begin);
  if (authority_end == std::string::npos) authority_end = url.size();
  std::string authority = url.substr(authority_begin, authority_end - authority_begin);
  if (authority.find('@') != std::string::npos) throw HttpError("parse url: user info not supported");
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) throw HttpError("parse url: unterminated IPv6 address");
    out.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') throw HttpError("parse url: bad authority '" + authority + "'");
      port_text = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw HttpError("parse url: no host in '" + url + "'");
  if (port_text.empty()) {
    out.port = out.scheme == "https" ? "443" : "80";
  } else {
    bool digits = port_text.size() <= 5 && std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(port_text) == 0 || std::stoi(port_text) > 65535)
      throw HttpError("parse url: bad port '" + port_text + "'");
    out.port = port_text;
  }
  std::string rest = url.substr(authority_end);
  rest = rest.substr(0, rest.find('#'));
  out.target = rest.empty() || rest.front() != '/' ? "/" + rest : rest;
  return out;
}

namespace {

// RFC 3986 §5.2.4, enough for the relative references servers put in Link and Location.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t pos = 1;  // path starts with '/'
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    auto segment = path.substr(pos, next - pos);
    bool last = next == path.size();
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      if (last) segments.emplace_back();
    } else if (segment == ".") {
      if (last) segments.emplace_back();
    } else {
      segments.push_back(segment);
    }
    pos = next + 1;
  }
  std::string out;
  for (auto s : segments) out.append("/").append(s);
  return out.empty() ? "/" : out;
}

}  // namespace

std::string url_origin(const std::string& url) {
  Url parsed = parse_url(url);
  return parsed.scheme + "://" + ascii_lower(parsed.host) + ":" + parsed.port;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

HttpRequest json_request(const std::string& url, const std::string& bearer_token, const std::string& token_origin,
                         std::chrono::milliseconds timeout, std::size_t body_limit) {
  HttpRequest request;
  request.url = url;
  request.timeout = timeout;
  request.body_limit = body_limit;
  request.headers.emplace_back("Accept", "application/json");
  if (!bearer_token.empty() && url_origin(url) == token_origin)
    request.headers.emplace_back("Authorization", "Bearer " + bearer_token);
  return request;
}

std::string resolve_url(const std::string& base, const std::string& reference) {
  auto scheme_end = base.find("://");
  if (scheme_end == std::string::npos) throw HttpError("parse url: no scheme in '" + base + "'");
  auto colon = reference.find(':');
  if (colon != std::string::npos && colon < reference.find_first_of("/?#") && colon > 0) return reference;
  auto authority_end = base.find_first_of("/?#", scheme_end + 3);
  if (authority_end == std::string::npos) authority_end = base.size();
  std::string origin = base.substr(0, authority_end);
  std::string base_rest = base.substr(authority_end);
  base_rest = base_rest.substr(0, base_rest.find('#'));
  std::string base_path = base_rest.substr(0, base_rest.find('?'));
  if (base_path.empty()) base_path = "/";

  if (reference.empty()) return origin + base_rest;
  if (reference.rfind("//", 0) == 0) return base.substr(0, scheme_end + 1) + reference;
  if (reference.front() == '?') return origin + base_path + reference;
  if (reference.front() == '#') return origin + base_rest + reference;
  std::string ref_path = reference.substr(0, reference.find_first_of("?#"));
  std::string ref_tail = reference.substr(ref_path.size());
  std::string merged = ref_path.front() == '/' ? ref_path : base_path.substr(0, base_path.rfind('/') + 1) + ref_path;
  return origin + remove_dot_segments(merged) + ref_tail;
}

struct HttpClient::Impl {
  explicit Impl(net::any_io_executor ex) : executor(std::move(ex)), tls_context(ssl::context::tls_client) {
    tls_context.set_default_verify_paths();
    tls_context.set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_min_proto_version(tls_context.native_handle(), TLS1_2_VERSION);
  }

  net::any_io_executor executor;
  ssl::context tls_context;  // declared before the pool: pooled TLS streams refer to it
  std::mutex pool_mutex;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  std::unique_ptr<Connection> take_idle(const std::string& origin) {
    std::lock_guard lock(pool_mutex);
    auto& list = idle[origin];
    while (!list.empty()) {
      auto connection = std::move(list.back());
      list.pop_back();
      if (Clock::now() - connection->idle_since < kMaxIdle) return connection;
    }
    return nullptr;
  }

  void put_idle(const std::string& origin, std::unique_ptr<Connection> connection) {
    connection->idle_since = Clock::now();
    std::lock_guard lock(pool_mutex);
    auto& list = idle[origin];
    if (list.size() < kMaxIdlePerOrigin) list.push_back(std::move(connection));
  }

  // tcp::resolver has no expiry of its own; a timer cancels it.
  net::awaitable<tcp::resolver::results_type> resolve(const Url& url, std::chrono::milliseconds timeout) {
    auto resolver = std::make_shared<tcp::resolver>(executor);
    auto timer = std::make_shared<net::steady_timer>(executor, timeout);
    auto timed_out = std::make_shared<bool>(false);
    timer->async_wait([resolver, timed_out](const beast::error_code& ec) {
      if (!ec) {
        *timed_out = true;
        resolver->cancel();
      }
    });
    beast::error_code ec;
    auto results = co_await resolver->async_resolve(url.host, url.port, net::redirect_error(net::use_awaitable, ec));
    timer->cancel();
    if (*timed_out) throw HttpError("resolve: " + url.host + ": timed out");
    if (ec) fail(ec, "resolve: " + url.host);
    co_return results;
  }

  net::awaitable<std::unique_ptr<Connection>> open(const Url& url, std::chrono::milliseconds timeout) {
    auto endpoints = co_await resolve(url, timeout);
    auto connection = std::make_unique<Connection>();
    beast::error_code ec;
    if (url.scheme == "https") {
      connection->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(executor, tls_context);
      auto* native = connection->tls->native_handle();
      if (!is_ip_literal(url.host) && !SSL_set_tlsext_host_name(native, url.host.c_str()))
        throw HttpError("tls: cannot set SNI host name " + url.host);
      connection->tls->set_verify_callback(ssl::host_name_verification(url.host));
    } else {
      connection->plain = std::make_unique<beast::tcp_stream>(executor);
    }
    auto& socket = connection->lowest();
    socket.expires_after(timeout);
    co_await socket.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
    if (ec) fail(ec, "connect");
    if (connection->tls) {
      socket.expires_after(timeout);
      co_await connection->tls->async_handshake(ssl::stream_base::client, net::redirect_error(net::use_awaitable, ec));
      if (ec) fail(ec, "tls handshake");
    }
    co_return connection;
  }

  template <class Stream>
  net::awaitable<bool> exchange(Stream& stream, Connection& connection, const HttpRequest& request, const Url& url,
                                HttpResponse& out, bool reused) {
    http::request<http::empty_body> message{http::verb::get, url.target, 11};
    bool default_port = (url.scheme == "https" && url.port == "443") || (url.scheme == "http" && url.port == "80");
    std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    message.set(http::field::host, default_port ? host : host + ":" + url.port);
    message.set(http::field::user_agent, "atomd/0.1");
    for (const auto& [name, value] : request.headers) message.set(name, value);

    beast::error_code ec;
    connection.lowest().expires_after(request.timeout);
    co_await http::async_write(stream, message, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (reused && is_stale_connection_error(ec)) throw StaleConnection{ec, "write"};
      fail(ec, "write");
    }

    http::response_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(request.body_limit);
    // Header first: Beast 1.74's eager parsing (http::async_read) drops the body_limit error
    // for a Content-Length body that arrives with its header. One deadline covers both reads.
    connection.lowest().expires_after(request.timeout);
    co_await http::async_read_header(stream, connection.buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (!ec) co_await http::async_read(stream, connection.buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (reused && !parser.got_some() && is_stale_connection_error(ec)) throw StaleConnection{ec, "read"};
      if (ec == http::error::partial_message) throw HttpError("read: truncated body: " + ec.message());
      fail(ec, "read");
    }
    auto& response = parser.get();
    out.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      std::string name(field.name_string());
      auto [it, inserted] = out.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second.append(", ").append(field.value().data(), field.value().size());  // RFC 9110 §5.3
    }
    out.body = std::move(response.body());
    co_return response.keep_alive();
  }
};

HttpClient::HttpClient(boost::asio::any_io_executor executor) : impl_(std::make_unique<Impl>(std::move(executor))) {}

HttpClient::~HttpClient() = default;

boost::asio::awaitable<HttpResponse> HttpClient::get(HttpRequest request) {
  Url url = parse_url(request.url);
  std::string origin = url.scheme + "://" + url.host + ":" + url.port;
  for (int round = 0;; ++round) {
    auto connection = round == 0 ? impl_->take_idle(origin) : nullptr;
    bool reused = connection != nullptr;
    if (!connection) connection = co_await impl_->open(url, request.timeout);
    HttpResponse response;
    bool keep_alive = false;
    bool stale = false;
    try {
      keep_alive = connection->tls
                       ? co_await impl_->exchange(*connection->tls, *connection, request, url, response, reused)
                       : co_await impl_->exchange(*connection->plain, *connection, request, url, response, reused);
    } catch (const StaleConnection&) {
      stale = true;
    }
    if (stale) continue;  // only a reused connection can be stale, so this happens at most once
    if (keep_alive) impl_->put_idle(origin, std::move(connection));
    co_return response;
  }
}

}  // namespace atomd

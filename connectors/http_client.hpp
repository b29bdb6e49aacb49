#pragma once
// HTTP(S) GET client on Boost.Beast with C++20 coroutines: TLS verified against the system
// CAs (plain http:// allowed), a deadline on every operation, a body limit on every request.
#include <utility>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace atomd {

struct HttpError : std::runtime_error {
  using std::runtime_error::runtime_error;  // message names the failed operation: "connect: ..."
};

// Header names compare case-insensitively.
struct HeaderNameLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using HttpHeaders = std::map<std::string, std::string, HeaderNameLess>;

struct HttpRequest {
  std::string url;  // http://host[:port]/path?query or https://...
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{30'000};
  std::size_t body_limit = 64 * 1024 * 1024;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
  std::string header(const std::string& name) const;  // "" when absent
};

struct Url {
  std::string scheme, host, port, target;  // target = path + query
};
Url parse_url(const std::string& url);  // throws HttpError("parse url: ...")
// Resolves a possibly relative reference (e.g. a Link header's) against a base URL.
std::string resolve_url(const std::string& base, const std::string& reference);
// "scheme://host:port" with the host lower-cased: where a credential may be sent.
std::string url_origin(const std::string& url);  // throws HttpError like parse_url
bool is_redirect(int status);                     // 301, 302, 303, 307, 308

// A GET asking for JSON that carries `bearer_token` (when non-empty) only if `url` has the
// origin `token_origin`: a Link, Location or links.next pointing elsewhere never gets it.
HttpRequest json_request(const std::string& url, const std::string& bearer_token, const std::string& token_origin,
                         std::chrono::milliseconds timeout, std::size_t body_limit);

class HttpClient {
 public:
  explicit HttpClient(boost::asio::any_io_executor executor);
  ~HttpClient();
  // Throws HttpError on network/TLS/timeout/truncation failures; any status is returned.
  boost::asio::awaitable<HttpResponse> get(HttpRequest request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace atomd

#include "connectors/fetch_url.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <stdexcept>

#include "connectors/http_client.hpp"

namespace atomd {

std::string fetch_url_blocking(const std::string& url) {
  boost::asio::io_context io;
  HttpClient client(io.get_executor());
  auto future = boost::asio::co_spawn(io, client.get(HttpRequest{url}), boost::asio::use_future);
  io.run();
  HttpResponse response = future.get();
  if (response.status != 200) throw std::runtime_error(url + ": HTTP " + std::to_string(response.status));
  return response.body;
}

}  // namespace atomd

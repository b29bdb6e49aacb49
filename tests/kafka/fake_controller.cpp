#include "tests/kafka/fake_controller.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace atomd::kafka::testing {
namespace {

constexpr std::int16_t kApiMetadata = 3;
constexpr std::int16_t kApiCreateTopics = 19;
constexpr std::int16_t kApiApiVersions = 18;
constexpr std::int16_t kUnsupportedVersion = 35;
constexpr std::int32_t kNodeId = 1;

// Big-endian writer and reader of the non-flexible protocol types.
struct Writer {
  std::string out;
  void i8(std::int8_t v) { out.push_back(static_cast<char>(v)); }
  void i16(std::int16_t v) { be(static_cast<std::uint16_t>(v), 2); }
  void i32(std::int32_t v) { be(static_cast<std::uint32_t>(v), 4); }
  void str(const std::string& s) {
    i16(static_cast<std::int16_t>(s.size()));
    out += s;
  }
  void null_str() { i16(-1); }
  void be(std::uint32_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
};

struct Reader {
  const std::string& in;
  std::size_t at = 0;
  std::uint32_t be(int bytes) {
    if (at + bytes > in.size()) throw std::runtime_error("fake controller: short request");
    std::uint32_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[at++]);
    return v;
  }
  std::int8_t i8() { return static_cast<std::int8_t>(be(1)); }
  std::int16_t i16() { return static_cast<std::int16_t>(be(2)); }
  std::int32_t i32() { return static_cast<std::int32_t>(be(4)); }
  std::string str() {
    const std::int16_t length = i16();
    if (length < 0) return {};
    if (at + static_cast<std::size_t>(length) > in.size())
      throw std::runtime_error("fake controller: short string");
    std::string s = in.substr(at, static_cast<std::size_t>(length));
    at += static_cast<std::size_t>(length);
    return s;
  }
};

bool read_exactly(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::recv(fd, data, size, 0);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

FakeController::FakeController() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listen_fd_, 8) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("fake controller: cannot listen");
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeController::~FakeController() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  {
    std::lock_guard lock(mutex_);
    for (const int fd : connections_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& thread : threads_) thread.join();
  for (const int fd : connections_) ::close(fd);
}

void FakeController::answer(const std::string& topic, std::int16_t error_code,
                            const std::string& message) {
  std::lock_guard lock(mutex_);
  answers_[topic] = {error_code, message};
}

std::vector<CreateTopicsRequest> FakeController::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void FakeController::accept_loop() {
  while (!stopping_.load()) {
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::lock_guard lock(mutex_);
    connections_.push_back(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

void FakeController::serve(int fd) {
  for (;;) {
    char size_bytes[4];
    if (!read_exactly(fd, size_bytes, 4)) return;
    const std::string size_field(size_bytes, 4);
    const auto size = static_cast<std::size_t>(Reader{size_field}.i32());
    std::string request(size, '\0');
    if (!read_exactly(fd, request.data(), size)) return;
    Reader header{request};
    const std::int16_t api_key = header.i16();
    const std::int16_t version = header.i16();
    const std::int32_t correlation_id = header.i32();
    header.str();  // client id
    // ApiVersions v3 is a flexible request (header tags follow); it is refused below, so
    // its body is never read.
    std::string body;
    try {
      body = respond(api_key, version, request.substr(header.at));
    } catch (const std::exception&) {
      return;  // an unexpected request closes the connection
    }
    Writer response;
    response.i32(static_cast<std::int32_t>(4 + body.size()));
    response.i32(correlation_id);
    if (!write_all(fd, response.out + body)) return;
  }
}

std::string FakeController::respond(std::int16_t api_key, std::int16_t version,
                                    const std::string& body) {
  Writer out;
  if (api_key == kApiApiVersions) {
    // Only v0: librdkafka retries a refused v3 with v0.
    const std::vector<std::array<std::int16_t, 3>> apis = {
        {kApiApiVersions, 0, 0}, {kApiMetadata, 0, 1}, {kApiCreateTopics, 0, 4}};
    out.i16(version == 0 ? 0 : kUnsupportedVersion);
    out.i32(static_cast<std::int32_t>(apis.size()));
    for (const auto& [key, min, max] : apis) {
      out.i16(key);
      out.i16(min);
      out.i16(max);
    }
    return out.out;
  }
  Reader in{body};
  if (api_key == kApiMetadata) {
    // One broker (this one), the controller; every named topic unknown.
    out.i32(1);
    out.i32(kNodeId);
    out.str("127.0.0.1");
    out.i32(port_);
    if (version >= 1) out.null_str();    // rack
    if (version >= 1) out.i32(kNodeId);  // controller
    const std::int32_t topics = in.i32();
    out.i32(std::max(topics, 0));
    for (std::int32_t i = 0; i < topics; ++i) {
      out.i16(3);  // UNKNOWN_TOPIC_OR_PARTITION
      out.str(in.str());
      if (version >= 1) out.i8(0);  // is_internal
      out.i32(0);                   // partitions
    }
    return out.out;
  }
  if (api_key != kApiCreateTopics) throw std::runtime_error("fake controller: unexpected request");

  CreateTopicsRequest request;
  request.version = version;
  const std::int32_t topics = in.i32();
  for (std::int32_t i = 0; i < topics; ++i) {
    CreateTopicRequest topic;
    topic.name = in.str();
    topic.partitions = in.i32();
    topic.replication_factor = in.i16();
    const std::int32_t assignments = in.i32();
    for (std::int32_t a = 0; a < assignments; ++a) {
      in.i32();
      const std::int32_t replicas = std::max(in.i32(), 0);
      for (std::int32_t r = 0; r < replicas; ++r) in.i32();
    }
    const std::int32_t configs = in.i32();
    for (std::int32_t c = 0; c < configs; ++c) {
      std::string key = in.str();
      topic.config[key] = in.str();
    }
    request.topics.push_back(std::move(topic));
  }
  request.timeout_ms = in.i32();

  std::lock_guard lock(mutex_);
  requests_.push_back(request);
  if (version >= 2) out.i32(0);  // throttle time
  out.i32(static_cast<std::int32_t>(request.topics.size()));
  for (const auto& topic : request.topics) {
    const auto found = answers_.find(topic.name);
    out.str(topic.name);
    out.i16(found == answers_.end() ? 0 : found->second.first);
    if (version >= 1) {
      if (found == answers_.end() || found->second.second.empty())
        out.null_str();
      else
        out.str(found->second.second);
    }
  }
  return out.out;
}

}  // namespace atomd::kafka::testing

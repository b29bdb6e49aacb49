// TLS is verified: a server presenting a certificate that no system CA signed is refused in
// the handshake, and the error says so.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <thread>

#include "connectors/http_client.hpp"
#include "tests/connectors/test_context.hpp"

namespace atomd {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

// A self-signed certificate for 127.0.0.1, made in memory (no openssl binary needed).
struct SelfSigned {
  SelfSigned() {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
  }
  ~SelfSigned() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

TEST(Tls, UntrustedCertificateFailsTheHandshake) {
  SelfSigned identity;
  ASSERT_NE(identity.key, nullptr);
  net::io_context server_ioc;
  ssl::context server_tls(ssl::context::tls_server);
  ASSERT_EQ(SSL_CTX_use_certificate(server_tls.native_handle(), identity.cert), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(server_tls.native_handle(), identity.key), 1);
  tcp::acceptor acceptor(server_ioc, {net::ip::make_address("127.0.0.1"), 0});
  auto port = acceptor.local_endpoint().port();
  std::thread server([&] {
    ssl::stream<tcp::socket> stream(server_ioc, server_tls);
    boost::system::error_code ec;
    acceptor.accept(stream.next_layer(), ec);
    if (!ec) stream.handshake(ssl::stream_base::server, ec);  // fails when the client hangs up
  });

  net::io_context ioc;
  HttpClient client(ioc.get_executor());
  HttpRequest request;
  request.url = "https://127.0.0.1:" + std::to_string(port) + "/api/models";
  request.timeout = std::chrono::seconds(5);
  std::string error = "no error";
  try {
    testing::run_task(ioc, client.get(request));
  } catch (const HttpError& e) {
    error = e.what();
  }
  server.join();
  EXPECT_EQ(error.rfind("tls handshake: ", 0), 0u) << error;
  EXPECT_NE(error.find("certificate verify failed"), std::string::npos) << error;
}

}  // namespace
}  // namespace atomd

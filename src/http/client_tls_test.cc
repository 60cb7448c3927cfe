// HttpClient over TLS against a local TLS server with a throwaway self-signed certificate for
// "localhost": the certificate chain and the host name are verified, and both failures are caught.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http/client.h"

namespace signx::http {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;

// PEM key + certificate for CN=localhost, SAN DNS:localhost, valid for a day.
std::pair<std::string, std::string> SelfSigned() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost");
  X509_add_ext(cert, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(cert, key, EVP_sha256());
  BIO* kb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cb, cert);
  auto read = [](BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<size_t>(n));
  };
  std::pair<std::string, std::string> out{read(kb), read(cb)};
  BIO_free(kb);
  BIO_free(cb);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// Serves `connections` TLS connections, answering each request with 200 "tls-ok".
class TlsServer {
 public:
  TlsServer(const std::string& key_pem, const std::string& cert_pem, int connections)
      : ctx_(ssl::context::tls_server), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_private_key(asio::buffer(key_pem), ssl::context::pem);
    ctx_.use_certificate_chain(asio::buffer(cert_pem));
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) {
        ssl::stream<asio::ip::tcp::socket> stream(ioc_, ctx_);
        boost::system::error_code ec;
        acceptor_.accept(stream.next_layer(), ec);
        if (ec) return;
        stream.handshake(ssl::stream_base::server, ec);
        if (ec) continue;  // the client refused our certificate
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          const size_t n = stream.read_some(asio::buffer(buf), ec);
          if (ec) break;
          request.append(buf, n);
        }
        const std::string answer =
            "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ntls-ok";
        asio::write(stream, asio::buffer(answer), ec);
        stream.shutdown(ec);
      }
    });
  }
  ~TlsServer() { thread_.join(); }
  uint16_t port() const { return port_; }

 private:
  asio::io_context ioc_;
  ssl::context ctx_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TEST(HttpClientTls, VerifiesTheChainAndTheHostName) {
  const auto [key, cert] = SelfSigned();
  const auto ca = std::filesystem::temp_directory_path() /
                  ("signx-client-tls-" + std::to_string(::getpid()) + ".pem");
  std::ofstream(ca) << cert;
  TlsServer server(key, cert, 4);
  const std::string port = std::to_string(server.port());
  const std::chrono::milliseconds timeout(5000);

  // Trusted CA and matching name: works.
  HttpClient trusting({.ca_file = ca.string()});
  auto ok = trusting.Send({.url = "https://localhost:" + port + "/", .timeout = timeout});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "tls-ok");

  // Unknown CA: refused.
  HttpClient strict;
  auto unknown = strict.Send({.url = "https://localhost:" + port + "/", .timeout = timeout});
  EXPECT_EQ(unknown.status().code(), ErrorCode::kUnavailable) << unknown.status().ToString();

  // Trusted CA but the certificate is not for this host name: refused.
  auto wrong_host = trusting.Send({.url = "https://127.0.0.1:" + port + "/", .timeout = timeout});
  EXPECT_EQ(wrong_host.status().code(), ErrorCode::kUnavailable) << wrong_host.status().ToString();

  // Verification off (explicit opt-in): accepted.
  HttpClient lax({.verify_tls = false});
  auto lax_ok = lax.Send({.url = "https://127.0.0.1:" + port + "/", .timeout = timeout});
  ASSERT_TRUE(lax_ok.ok()) << lax_ok.status().ToString();
  EXPECT_EQ(lax_ok->body, "tls-ok");
  std::filesystem::remove(ca);
}

}  // namespace
}  // namespace signx::http

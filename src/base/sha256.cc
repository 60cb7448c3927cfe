#include "base/sha256.h"

#include <openssl/evp.h>

#include "base/check.h"
#include "base/strings.h"

namespace signx {

std::string Sha256Hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  SIGNX_CHECK(EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) == 1,
              "SHA-256 failed");
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

}  // namespace signx

// OpenSSL's libcrypto (libssl-dev): SHA-256 and HMAC-SHA-256, for AWS Signature Version 4.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/* SHA-256 (hash.h), on OpenSSL's libcrypto. */
#include <stdio.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include "core/hash.h"

static void to_hex(const unsigned char *md, unsigned n, char hex[65])
{
    hex[0] = 0;
    for (unsigned i = 0; i < n && i < SHA256_DIGEST_LENGTH; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* SHA256() needs no allocation, so a digest of one piece cannot fail. */
void dmi_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, len, md);
    to_hex(md, SHA256_DIGEST_LENGTH, hex);
}

void dmi_sha256_begin(dmi_sha256 *h)
{
    h->ctx = EVP_MD_CTX_new();
    h->ok = h->ctx && EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void dmi_sha256_add(dmi_sha256 *h, const void *data, size_t len)
{
    if (h->ok) h->ok = EVP_DigestUpdate(h->ctx, data, len);
}

void dmi_sha256_end(dmi_sha256 *h, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    hex[0] = 0;
    if (h->ok && EVP_DigestFinal_ex(h->ctx, md, &n)) to_hex(md, n, hex);
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
    h->ok = 0;
}

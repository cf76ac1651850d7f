/* Internal: SHA-256 as 64 lowercase hex digits, the one digest of provenance (a model's
 * text, the files it reads, a sweep's texts). */
#ifndef DOMINO_CORE_HASH_H
#define DOMINO_CORE_HASH_H

#include <stddef.h>

/* SHA-256 of data. */
void dmi_sha256_hex(const void *data, size_t len, char hex[65]);

/* SHA-256 of several pieces in turn, as if concatenated: begin, add each, end. A piece
 * that could not be added (out of memory) makes the digest "" (end still frees). */
typedef struct dmi_sha256 { void *ctx; int ok; } dmi_sha256;
void dmi_sha256_begin(dmi_sha256 *h);
void dmi_sha256_add(dmi_sha256 *h, const void *data, size_t len);
void dmi_sha256_end(dmi_sha256 *h, char hex[65]);

#endif

/* domino — DM_EXPORT marks the public API. libdomino is built with -fvisibility=hidden, so
 * only the functions and objects declared with DM_EXPORT in include/ are exported from
 * libdomino.so; everything else is internal and may change between releases. */
#ifndef DOMINO_EXPORT_H
#define DOMINO_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define DM_EXPORT __attribute__((visibility("default")))
#else
#define DM_EXPORT
#endif

#endif

/* Internal: sorting node or sector indices by a key, reentrant (no file-scope key for
 * qsort's comparator, so two threads or two hosts' calls may sort at once). */
#ifndef DOMINO_SORT_H
#define DOMINO_SORT_H

#include <stddef.h>

/* Sorts items[0 .. n) by key[items[i]], ascending (descending when descending != 0), ties
 * by the item itself, ascending: the order is total, so the result never depends on
 * qsort's algorithm. Returns -1 when out of memory (items unchanged), else 0. */
int dmi_sort_by_key(int *items, size_t n, const double *key, int descending);

#endif

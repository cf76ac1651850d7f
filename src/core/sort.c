/* Reentrant index sort (sort.h): qsort on (key, item) pairs, so the comparator needs no
 * context. */
#include <stdlib.h>
#include "core/sort.h"

typedef struct keyed { double key; int item; } keyed;

static int ascending(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return (a->item > b->item) - (a->item < b->item);
}

static int descending(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;
    if (a->key != b->key) return a->key > b->key ? -1 : 1;
    return (a->item > b->item) - (a->item < b->item);
}

int dmi_sort_by_key(int *items, size_t n, const double *key, int desc)
{
    if (n < 2) return 0;
    keyed *k = malloc(n * sizeof *k);
    if (!k) return -1;
    for (size_t i = 0; i < n; i++) k[i] = (keyed){key[items[i]], items[i]};
    qsort(k, n, sizeof *k, desc ? descending : ascending);
    for (size_t i = 0; i < n; i++) items[i] = k[i].item;
    free(k);
    return 0;
}

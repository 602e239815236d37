/* arena.c - bump allocator in growing blocks, with LIFO cleanup hooks.
 *
 *   arena -> block (newest) -> block -> ... -> first block (inside the arena)
 *            [hdr|used.....|free]
 * The arena and its first, small block are one allocation, so a request
 * that needs little memory costs one malloc. Hook records come from the
 * arena too. Allocations are 16-byte aligned. A request larger than a
 * quarter of the block size gets a block of its own. */
#include "farmlive/arena.h"
#include "farmlive/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ARENA_BLOCK 8192
#define ARENA_FIRST 1536 /* the block inside the arena's own allocation */
#define ARENA_ALIGN 16
#define ARENA_DEFAULT_MAX (64u * 1024 * 1024)

struct block {
    struct block *next;
    size_t size;
    size_t used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

struct hook {
    struct hook *next;
    void (*fn)(void *);
    void *arg;
};

struct fl_arena {
    struct block *blocks;
    struct hook *hooks;
    size_t total;
    size_t max;
    struct block first; /* ARENA_FIRST bytes of data follow */
};

fl_arena *fl_arena_new(size_t max_bytes)
{
    fl_arena *a = fl_malloc(sizeof(*a) + ARENA_FIRST);
    a->hooks = NULL;
    a->total = 0;
    a->max = max_bytes ? max_bytes : ARENA_DEFAULT_MAX;
    a->first.next = NULL;
    a->first.size = ARENA_FIRST;
    a->first.used = 0;
    a->blocks = &a->first;
    return a;
}

void fl_arena_free(fl_arena *a)
{
    if (!a)
        return;
    /* Hooks may point into arena memory, so they run before blocks go. */
    struct hook *h = a->hooks;
    while (h) {
        struct hook *next = h->next;
        h->fn(h->arg);
        h = next;
    }
    struct block *b = a->blocks;
    while (b) {
        struct block *next = b->next;
        if (b != &a->first) /* the first block is part of the arena */
            fl_free(b);
        b = next;
    }
    fl_free(a);
}

void *fl_arena_alloc(fl_arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n || need > a->max - a->total)
        fl_alloc_fatal("arena_cap", "a request's arena is past its cap asking for", n);
    struct block *b = a->blocks;
    if (!b || b->size - b->used < need) {
        size_t size = need > ARENA_BLOCK / 4 ? need : ARENA_BLOCK;
        struct block *nb = fl_malloc(sizeof(*nb) + size);
        nb->size = size;
        nb->used = 0;
        if (size == need && b) {
            /* A large one-off: keep the current block first for small ones. */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->blocks = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    return p;
}

char *fl_arena_strndup(fl_arena *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = fl_arena_alloc(a, len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *fl_arena_strdup(fl_arena *a, const char *s)
{
    return s ? fl_arena_strndup(a, s, strlen(s)) : NULL;
}

char *fl_arena_vprintf(fl_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (len < 0)
        return NULL;
    char *d = fl_arena_alloc(a, (size_t)len + 1);
    vsnprintf(d, (size_t)len + 1, fmt, ap);
    return d;
}

char *fl_arena_printf(fl_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = fl_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return d;
}

void fl_arena_defer(fl_arena *a, void (*fn)(void *), void *arg)
{
    struct hook *h = fl_arena_alloc(a, sizeof(*h));
    h->fn = fn;
    h->arg = arg;
    h->next = a->hooks;
    a->hooks = h;
}

size_t fl_arena_used(const fl_arena *a)
{
    return a->total;
}

/* alloc.c - the allocator wrapper: abort on out-of-memory, once, here. */
#include "farmlive/alloc.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fl_alloc_fatal(const char *event, const char *what, size_t n)
{
    char line[160];
    int len = snprintf(line, sizeof(line), "{\"level\":\"error\",\"event\":\"%s\",\"msg\":\"%s %zu bytes\"}\n", event,
                       what, n);
    if (len > 0)
        (void)!write(2, line, (size_t)(len < (int)sizeof(line) ? len : (int)sizeof(line) - 1));
    abort();
}

static void oom(size_t n)
{
    fl_alloc_fatal("oom", "out of memory allocating", n);
}

void *fl_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *fl_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *fl_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *fl_strdup(const char *s)
{
    return fl_strndup(s, strlen(s));
}

char *fl_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = fl_malloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void fl_free(void *p)
{
    free(p);
}

/* Sizes: every request's and batch's buffers (the largest, an order
 * batch's JSON or a Redis pipeline, a few MB at most) come from the heap,
 * not from their own mmap; up to 256 MB of free heap top stays mapped; a
 * heap grows 16 MB at a time. */
void fl_alloc_keep_freed(void)
{
    mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
    mallopt(M_TOP_PAD, 16 * 1024 * 1024);
}

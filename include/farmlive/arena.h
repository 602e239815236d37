/* arena.h - per-request memory arena with cleanup hooks.
 *
 * Everything allocated from an arena lives until fl_arena_free(); cleanup hooks
 * (for MariaDB result sets, Redis replies, jansson values) run in reverse order
 * of registration before the memory is released. An arena has a maximum size
 * (64 MiB unless given): an allocation past it aborts the process like an
 * out-of-memory (alloc.h's policy), so no allocation returns NULL and no
 * caller checks. Requests stay far below it because their input is bounded
 * where it enters; the cap catches a bug, not a request. */
#ifndef FARMLIVE_ARENA_H
#define FARMLIVE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct fl_arena fl_arena;

/* max_bytes: the most the arena may hand out in total (0 = 64 MiB). */
fl_arena *fl_arena_new(size_t max_bytes);
void fl_arena_free(fl_arena *a);

void *fl_arena_alloc(fl_arena *a, size_t n);
/* NULL for s == NULL, as strdup's callers here want for nullable columns */
char *fl_arena_strdup(fl_arena *a, const char *s);
char *fl_arena_strndup(fl_arena *a, const char *s, size_t n);
char *fl_arena_printf(fl_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *fl_arena_vprintf(fl_arena *a, const char *fmt, va_list ap);

/* Run fn(arg) when the arena is freed (LIFO). */
void fl_arena_defer(fl_arena *a, void (*fn)(void *), void *arg);

size_t fl_arena_used(const fl_arena *a);

#endif

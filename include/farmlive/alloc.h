/* alloc.h - the one allocator wrapper.
 *
 * Out-of-memory policy, decided once for the whole tree: memory is never a
 * recoverable error. Every fl_* allocation aborts the process with a log
 * line when the system cannot give memory, and so does an arena asked for
 * more than its cap (arena.h), so callers never check for NULL (as Redis'
 * zmalloc does). What keeps a hostile request from reaching either is the
 * bounds on input, checked where it enters (bodies of at most 1 MiB, pages
 * of at most 100 rows, every buffer with a maximum), never a NULL test
 * deep in the code. fl_free() accepts NULL. */
#ifndef FARMLIVE_ALLOC_H
#define FARMLIVE_ALLOC_H

#include <stddef.h>

void *fl_malloc(size_t n);
void *fl_calloc(size_t count, size_t size);
void *fl_realloc(void *p, size_t n);
char *fl_strdup(const char *s);
char *fl_strndup(const char *s, size_t n);
void fl_free(void *p);

/* Logs {"event": event, "msg": "<what> <n> bytes"} on stderr and aborts:
 * the one way out when memory cannot be had (also used by arena.c). */
void fl_alloc_fatal(const char *event, const char *what, size_t n) __attribute__((noreturn));

/* For a long-running server, called once before its threads start: memory
 * freed after a burst of requests stays with the process for the next one
 * instead of going back to the system (glibc's trim and mmap thresholds
 * fixed high). On a virtual machine a page fault costs about 12 us here, so
 * returning and refaulting the same pages burst after burst cost the shop
 * about a fifth of its CPU in the flash sale (README "Performance"). The
 * price: the process's resident size stays at its high-water mark. */
void fl_alloc_keep_freed(void);

#endif

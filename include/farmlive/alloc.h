/* alloc.h - the one allocator wrapper.
 *
 * Out-of-memory policy, decided once: every fl_* allocation aborts the process
 * with a log line when the system cannot give memory, so callers never check
 * for NULL (as Redis' zmalloc does). fl_free() accepts NULL. */
#ifndef FARMLIVE_ALLOC_H
#define FARMLIVE_ALLOC_H

#include <stddef.h>

void *fl_malloc(size_t n);
void *fl_calloc(size_t count, size_t size);
void *fl_realloc(void *p, size_t n);
char *fl_strdup(const char *s);
char *fl_strndup(const char *s, size_t n);
void fl_free(void *p);

/* For a long-running server, called once before its threads start: memory
 * freed after a burst of requests stays with the process for the next one
 * instead of going back to the system (glibc's trim and mmap thresholds
 * fixed high). On a virtual machine a page fault costs about 12 us here, so
 * returning and refaulting the same pages burst after burst cost the shop
 * about a fifth of its CPU in the flash sale (README "Performance"). The
 * price: the process's resident size stays at its high-water mark. */
void fl_alloc_keep_freed(void);

#endif

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

#endif

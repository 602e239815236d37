/* shop/domain/trace_cache.h - an in-process cache of rendered trace
 * documents (GET /api/v1/trace/{lot_code}), keyed by lot code.
 *
 * Every trace write in this process (lot, event, certificate, attachment,
 * revocation) calls shop_trace_cache_invalidate(), which makes every entry
 * stale at once; other shop processes see a change when their entries
 * expire (ttl_ms: the staleness bound the catalogue cache already accepts). */
#ifndef FARMLIVE_SHOP_DOMAIN_TRACE_CACHE_H
#define FARMLIVE_SHOP_DOMAIN_TRACE_CACHE_H

#include <stddef.h>

#include "farmlive/arena.h"

/* The cached JSON of code, copied into a (*len its length), or NULL. */
const char *shop_trace_cache_get(fl_arena *a, const char *code, size_t *len);
/* Keeps body (copied) for ttl_ms when gen, read with
 * shop_trace_cache_generation() before the document was built, is still
 * current when next read. Does nothing for ttl_ms <= 0 or a large body. */
void shop_trace_cache_put(const char *code, const char *body, size_t len, unsigned long gen, int ttl_ms);
unsigned long shop_trace_cache_generation(void);
/* After any trace write. */
void shop_trace_cache_invalidate(void);
/* Frees every entry (at shutdown). */
void shop_trace_cache_free(void);

#endif

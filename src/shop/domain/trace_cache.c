/* trace_cache.c - an in-process cache of rendered trace documents
 * (contract in shop/domain/trace_cache.h).
 *
 * GET /api/v1/trace/{lot_code} is what every scanned box asks for, and a
 * document costs four queries and three signature checks. The rendered JSON
 * is kept here for the ttl its writer gives, in a direct-mapped table of
 * TRACE_CACHE_SLOTS entries keyed by lot code; a collision simply replaces
 * the older entry. Every trace write in this process (lot, event,
 * certificate, attachment, revocation) calls shop_trace_cache_invalidate(),
 * which bumps a generation so every entry is stale at once; other shop
 * processes see the change when their entries expire. /verify and the page
 * are never served from here: they always recompute. Documents larger than
 * TRACE_CACHE_DOC_MAX are not kept, so the cache holds at most
 * SLOTS x DOC_MAX bytes. */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/domain/trace_cache.h"

#define TRACE_CACHE_SLOTS 1024
#define TRACE_CACHE_DOC_MAX (64 * 1024)

typedef struct cache_slot {
    char code[SHOP_LOT_CODE_MAX + 1];
    char *body;
    size_t len;
    long long expires_ms;
    unsigned long gen;
} cache_slot;

static cache_slot slots[TRACE_CACHE_SLOTS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong generation = 1;

static size_t slot_of(const char *code)
{
    unsigned long h = 5381; /* djb2 */
    for (const unsigned char *p = (const unsigned char *)code; *p; p++)
        h = h * 33 + *p;
    return h % TRACE_CACHE_SLOTS;
}

const char *shop_trace_cache_get(fl_arena *a, const char *code, size_t *len)
{
    cache_slot *s = &slots[slot_of(code)];
    char *copy = NULL;
    pthread_mutex_lock(&slots_lock);
    if (s->body && s->gen == atomic_load(&generation) && s->expires_ms > fl_mono_ms() && strcmp(s->code, code) == 0) {
        copy = fl_arena_alloc(a, s->len);
        memcpy(copy, s->body, s->len);
        *len = s->len;
    }
    pthread_mutex_unlock(&slots_lock);
    return copy;
}

void shop_trace_cache_put(const char *code, const char *body, size_t len, unsigned long gen, int ttl)
{
    cache_slot *s = &slots[slot_of(code)];
    char *copy;
    if (ttl <= 0 || len > TRACE_CACHE_DOC_MAX || strlen(code) > SHOP_LOT_CODE_MAX)
        return;
    copy = fl_malloc(len);
    memcpy(copy, body, len);
    pthread_mutex_lock(&slots_lock);
    fl_free(s->body);
    memcpy(s->code, code, strlen(code) + 1);
    s->body = copy;
    s->len = len;
    s->gen = gen; /* the generation read before the document was built */
    s->expires_ms = fl_mono_ms() + ttl;
    pthread_mutex_unlock(&slots_lock);
}

unsigned long shop_trace_cache_generation(void)
{
    return atomic_load(&generation);
}

void shop_trace_cache_invalidate(void)
{
    atomic_fetch_add(&generation, 1);
}

void shop_trace_cache_free(void)
{
    pthread_mutex_lock(&slots_lock);
    for (size_t i = 0; i < TRACE_CACHE_SLOTS; i++) {
        fl_free(slots[i].body);
        slots[i].body = NULL;
    }
    pthread_mutex_unlock(&slots_lock);
}

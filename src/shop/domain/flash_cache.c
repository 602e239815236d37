/* flash_cache.c - a small per-process cache of flash sales (see flash_cache.h). */
#include "farmlive/shop/domain/flash_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define SALE_CACHE_MAX 64
#define SALE_CACHE_TTL_S 1

static struct cached_sale {
    shop_flash_sale s;
    time_t loaded;
    char strings[4][520]; /* name, spec, unit, coop name (UTF-8, bounded by their columns) */
} cache[SALE_CACHE_MAX];
static size_t cache_n;
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

int shop_flash_cache_get(long long id, fl_arena *a, shop_flash_sale *out)
{
    int hit = 0;
    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < cache_n && !hit; i++) {
        if (cache[i].s.id == id && time(NULL) - cache[i].loaded < SALE_CACHE_TTL_S) {
            /* strings copied: the entry may be reused */
            *out = cache[i].s;
            out->name = fl_arena_strdup(a, cache[i].strings[0]);
            out->spec = fl_arena_strdup(a, cache[i].strings[1]);
            out->unit = fl_arena_strdup(a, cache[i].strings[2]);
            out->coop_name = fl_arena_strdup(a, cache[i].strings[3]);
            hit = 1;
        }
    }
    pthread_mutex_unlock(&cache_mu);
    return hit;
}

void shop_flash_cache_put(const shop_flash_sale *s)
{
    struct cached_sale *c = NULL;
    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < cache_n && !c; i++)
        if (cache[i].s.id == s->id)
            c = &cache[i];
    if (!c) {
        if (cache_n == SALE_CACHE_MAX)
            cache_n = 0;
        c = &cache[cache_n++];
    }
    c->s = *s;
    c->loaded = time(NULL);
    snprintf(c->strings[0], sizeof(c->strings[0]), "%s", s->name);
    snprintf(c->strings[1], sizeof(c->strings[1]), "%s", s->spec);
    snprintf(c->strings[2], sizeof(c->strings[2]), "%s", s->unit);
    snprintf(c->strings[3], sizeof(c->strings[3]), "%s", s->coop_name);
    c->s.name = c->strings[0];
    c->s.spec = c->strings[1];
    c->s.unit = c->strings[2];
    c->s.coop_name = c->strings[3];
    pthread_mutex_unlock(&cache_mu);
}

/* rt_publish.c - the publisher of the realtime fan-out benchmark
 * (ops/bench-rt.sh): a live room's chat and stock messages at a steady
 * rate, each carrying the wall clock it was sent at, for bench-sse_load to
 * time.
 *
 *   bench-rt_publish shop LIVE_ID SECONDS READY_FILE [TOKEN...]
 *   bench-rt_publish nchan PUB_URL SECONDS READY_FILE
 *
 * Waits until READY_FILE exists (the subscribers are connected), then for
 * SECONDS sends message k at t0 + k * 200 ms: a chat message, and every
 * fifth one also a stock update, each with `ts=<unix µs> seq=<n>` in its
 * text (n counts every message, from 0). Against the shop (its settings
 * from the FARMLIVE_* variables, as the shop reads them):
 *   chat   POST $SHOP_URL/api/v1/live/LIVE_ID/chat {"text":"ts=... seq=..."}
 *          with Bearer TOKEN (the tokens taken in turn, so no account meets
 *          the chat's rate limit); with no TOKEN, raised on the feed
 *          directly as a "chat" event
 *   stock  raised on the room's topic through the shop's own feed code
 *          (shop_rt_publish, Redis numbering it as for every event) as a
 *          "flash.stock" event, what a live flash sale raises; without
 *          SHOP_RT_COALESCE (a live sale sets it: a subscriber that is
 *          behind then skips a level a newer one replaced), so that every
 *          message must reach every subscriber, as with nchan
 * Against nchan: both POSTed to PUB_URL (its publisher location), the
 * same JSON. Prints one JSON line: messages published, failed, and the
 * chat POSTs' p50/p99 in ms. */
#include "farmlive/config.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/kvbatch.h"
#include "farmlive/shop/rt/event.h"
#include "farmlive/shop/rt/feed.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PERIOD_US 200000
#define STOCK_EVERY 5
#define TOKENS_MAX 64
#define SAMPLES_MAX 4096

static long long wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

/* POSTs body to url (keep-alive on c); the HTTP status, 0 when none. */
static long post(CURL *c, const char *url, const char *token, const char *body)
{
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    char auth[256];
    long status = 0;
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    return status;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    fl_config cfg;
    shop_ctx ctx = {.cfg = &cfg};
    char err[512], url[1024], topic[SHOP_RT_TOPIC_MAX + 1] = "", body[256];
    const char *tokens[TOKENS_MAX];
    int ntokens = 0, nchan, secs;
    long long samples[SAMPLES_MAX];
    size_t nsamples = 0;
    long long published = 0, failed = 0;

    if (argc < 5 || (strcmp(argv[1], "shop") != 0 && strcmp(argv[1], "nchan") != 0) || (secs = atoi(argv[3])) < 1) {
        fprintf(stderr, "usage: bench-rt_publish shop LIVE_ID SECONDS READY_FILE [TOKEN...]\n"
                        "       bench-rt_publish nchan PUB_URL SECONDS READY_FILE\n");
        return 2;
    }
    nchan = strcmp(argv[1], "nchan") == 0;
    for (int i = 5; i < argc && ntokens < TOKENS_MAX; i++)
        tokens[ntokens++] = argv[i];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    if (nchan) {
        snprintf(url, sizeof(url), "%s", argv[2]);
    } else {
        if (fl_config_load(&cfg, err, sizeof(err)) != 0 || shop_rt_topic_live(topic, argv[2]) != 0) {
            fprintf(stderr, "bench-rt_publish: %s\n", shop_rt_topic_live(topic, argv[2]) ? "bad LIVE_ID" : err);
            return 2;
        }
        const char *base = getenv("SHOP_URL");
        snprintf(url, sizeof(url), "%s/api/v1/live/%s/chat", base ? base : "http://127.0.0.1:8080", argv[2]);
        ctx.kv = fl_kv_pool_new(&cfg);
        ctx.kv_batch = shop_kvbatch_start(ctx.kv, 64);
        if (!ctx.kv_batch || !(ctx.rt = shop_rt_start(&ctx))) {
            fprintf(stderr, "bench-rt_publish: cannot start the feed's publisher\n");
            return 1;
        }
    }
    while (access(argv[4], F_OK) != 0)
        usleep(20000);

    long long t0 = wall_us(), end = t0 + (long long)secs * 1000000;
    for (long long k = 0;; k++) {
        long long due = t0 + k * PERIOD_US, now = wall_us();
        if (due >= end)
            break;
        if (due > now)
            usleep((useconds_t)(due - now));
        for (int stock = 0; stock <= (k % STOCK_EVERY == 0); stock++) {
            long long seq = published++, ts = wall_us();
            int n = stock ? snprintf(body, sizeof(body), "{\"sale_id\":0,\"left\":%lld,\"note\":\"ts=%lld seq=%lld\"}",
                                     1000 - k / STOCK_EVERY, ts, seq)
                          : snprintf(body, sizeof(body), "{\"text\":\"ts=%lld seq=%lld\"}", ts, seq);
            if (nchan) {
                failed += post(c, url, NULL, body) / 100 != 2;
            } else if (stock || ntokens == 0) {
                failed += shop_rt_publish(ctx.rt, topic, stock ? "flash.stock" : "chat", 0, body, (size_t)n) != 0;
            } else {
                long status = post(c, url, tokens[k % ntokens], body);
                failed += status != 201;
                if (nsamples < SAMPLES_MAX)
                    samples[nsamples++] = wall_us() - ts;
            }
        }
    }
    qsort(samples, nsamples, sizeof(samples[0]), cmp_ll);
    printf("{\"published\":%lld,\"failed\":%lld,\"chat_posts\":%zu,\"chat_p50_ms\":%.1f,\"chat_p99_ms\":%.1f}\n",
           published, failed, nsamples, nsamples ? (double)samples[nsamples / 2] / 1000 : 0.0,
           nsamples ? (double)samples[nsamples * 99 / 100] / 1000 : 0.0);
    if (!nchan) {
        usleep(300000); /* the last events leave the Redis batch */
        shop_rt_stop(ctx.rt);
        shop_kvbatch_stop(ctx.kv_batch);
        fl_kv_pool_free(ctx.kv);
    }
    curl_easy_cleanup(c);
    curl_global_cleanup();
    return failed ? 1 : 0;
}

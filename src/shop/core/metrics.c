/* metrics.c - Prometheus counters for the shop, lock-free on the hot path.
 *
 * Counters are indexed by [route][status slot]; the histogram by [route]
 * [bucket]. Routes are the static table plus one "unmatched" row. */
#include "farmlive/shop/core/metrics.h"
#include "farmlive/shop/core/routes.h"
#include "farmlive/alloc.h"
#include "farmlive/buf.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1) /* + "other" */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKET (sizeof(buckets) / sizeof(buckets[0]))
#define METRICS_TEXT_MAX (4 * 1024 * 1024)

struct route_metrics {
    atomic_ullong count[NSTATUS];
    atomic_ullong bucket[NBUCKET + 1]; /* last is +Inf */
    atomic_ullong sum_us;
};

static struct route_metrics *metrics;
static atomic_llong inflight_now;

void shop_metrics_init(void)
{
    metrics = fl_calloc(shop_routes_count + 1, sizeof(*metrics));
}

void shop_metrics_free(void)
{
    fl_free(metrics);
    metrics = NULL;
}

void shop_metrics_inflight(int delta)
{
    atomic_fetch_add_explicit(&inflight_now, delta, memory_order_relaxed);
}

void shop_metrics_observe(size_t route_index, int status, double seconds)
{
    if (!metrics || route_index > shop_routes_count)
        return;
    struct route_metrics *m = &metrics[route_index];
    size_t slot = NSTATUS - 1;
    for (size_t i = 0; i < NSTATUS - 1; i++)
        if (statuses[i] == status)
            slot = i;
    atomic_fetch_add_explicit(&m->count[slot], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < NBUCKET && seconds > buckets[b])
        b++;
    atomic_fetch_add_explicit(&m->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (unsigned long long)(seconds * 1e6), memory_order_relaxed);
}

static void route_label(size_t i, char *out, size_t len)
{
    if (i == shop_routes_count)
        snprintf(out, len, "method=\"-\",route=\"unmatched\"");
    else
        snprintf(out, len, "method=\"%s\",route=\"%s\"", shop_routes[i].method, shop_routes[i].pattern);
}

static void free_buf(void *p)
{
    fl_free(p);
}

int shop_metrics_get(shop_req *r)
{
    fl_buf b;
    fl_buf_init(&b, 16384, METRICS_TEXT_MAX);
    char label[256];
    int size, in_use;
    unsigned long long waits;

    fl_buf_printf(&b, "# HELP farmlive_http_requests_total Requests answered, by route and status.\n"
                      "# TYPE farmlive_http_requests_total counter\n");
    for (size_t i = 0; i <= shop_routes_count; i++) {
        route_label(i, label, sizeof(label));
        for (size_t s = 0; s < NSTATUS; s++) {
            unsigned long long c = atomic_load_explicit(&metrics[i].count[s], memory_order_relaxed);
            if (!c)
                continue;
            if (s == NSTATUS - 1)
                fl_buf_printf(&b, "farmlive_http_requests_total{%s,status=\"other\"} %llu\n", label, c);
            else
                fl_buf_printf(&b, "farmlive_http_requests_total{%s,status=\"%d\"} %llu\n", label, statuses[s], c);
        }
    }
    fl_buf_printf(&b, "# HELP farmlive_http_request_duration_seconds Time from first byte to the reply being queued.\n"
                      "# TYPE farmlive_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= shop_routes_count; i++) {
        unsigned long long cum = 0;
        unsigned long long total = 0;
        for (size_t k = 0; k <= NBUCKET; k++)
            total += atomic_load_explicit(&metrics[i].bucket[k], memory_order_relaxed);
        if (!total)
            continue;
        route_label(i, label, sizeof(label));
        for (size_t k = 0; k <= NBUCKET; k++) {
            cum += atomic_load_explicit(&metrics[i].bucket[k], memory_order_relaxed);
            if (k < NBUCKET)
                fl_buf_printf(&b, "farmlive_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n", label,
                              buckets[k], cum);
            else
                fl_buf_printf(&b, "farmlive_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", label, cum);
        }
        fl_buf_printf(&b, "farmlive_http_request_duration_seconds_sum{%s} %.6f\n", label,
                      (double)atomic_load_explicit(&metrics[i].sum_us, memory_order_relaxed) / 1e6);
        fl_buf_printf(&b, "farmlive_http_request_duration_seconds_count{%s} %llu\n", label, cum);
    }
    fl_buf_printf(&b,
                  "# HELP farmlive_http_requests_in_flight Requests being processed.\n"
                  "# TYPE farmlive_http_requests_in_flight gauge\nfarmlive_http_requests_in_flight %lld\n",
                  (long long)atomic_load(&inflight_now));
    fl_db_pool_stats(r->ctx->db, &size, &in_use, &waits);
    fl_buf_printf(&b,
                  "# HELP farmlive_pool_connections Connections in each pool.\n# TYPE farmlive_pool_connections gauge\n"
                  "farmlive_pool_connections{pool=\"mariadb\"} %d\n",
                  size);
    fl_buf_printf(&b,
                  "# HELP farmlive_pool_in_use Connections handed out.\n# TYPE farmlive_pool_in_use gauge\n"
                  "farmlive_pool_in_use{pool=\"mariadb\"} %d\n",
                  in_use);
    fl_buf_printf(
        &b,
        "# HELP farmlive_pool_waits_total Acquires that had to wait.\n# TYPE farmlive_pool_waits_total counter\n"
        "farmlive_pool_waits_total{pool=\"mariadb\"} %llu\n",
        waits);
    fl_kv_pool_stats(r->ctx->kv, &size, &in_use, &waits);
    fl_buf_printf(&b,
                  "farmlive_pool_connections{pool=\"redis\"} %d\nfarmlive_pool_in_use{pool=\"redis\"} %d\n"
                  "farmlive_pool_waits_total{pool=\"redis\"} %llu\n",
                  size, in_use, waits);

    fl_arena_defer(r->arena, free_buf, b.p);
    return shop_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
}

/* live_sweep.c - live sessions the relay can no longer speak for.
 *
 * The relay reports unpublish and the end of each grace period itself. When
 * the relay is gone (crashed, its host rebooted) nobody would: sessions
 * would stay "live" or "idle" forever. shop_live_sweep, from the orders
 * jobs thread (core/jobs.h) every few seconds, does what the relay would have done:
 *
 *   1. the sessions that may need it, from MariaDB (the connection is given
 *      back before the relay is asked)
 *   2. GET FARMLIVE_RELAY_URL/api/streams (libcurl, 2 s). A refused
 *      connection means nothing listens there: the relay holds no stream.
 *      A timeout, an error status or a body that is not the list: nothing
 *      is decided this pass (a slow relay is not a dead one)
 *   3. a "live" session the relay does not list, unchanged for
 *      LIVE_LOST_AFTER_S (its publish may still be on its way to the relay's
 *      stream table) -> idle, reason "relay_lost"
 *   4. an "idle" session the relay does not list, older than
 *      FARMLIVE_LIVE_GRACE + GRACE_MARGIN_S (the relay ends it at the grace)
 *      -> ended, reason "grace_expired"
 *
 * Each change is applied only if the session is as the sweep read it (its
 * updated_at): a publisher that reconnected meanwhile is left alone.
 * Every shop process may sweep: the transitions are guarded updates, so a
 * second sweep finds nothing to change. Off when FARMLIVE_RELAY_URL is
 * empty (a shop with no relay beside it). */
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/room_counts.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LIVE_LOST_AFTER_S 10
#define GRACE_MARGIN_S 10
#define RELAY_TIMEOUT_MS 2000
#define BODY_MAX (4 << 20)

struct body {
    char *data;
    size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t k = size * n;
    if (b->len + k > BODY_MAX)
        return 0; /* too large: the transfer fails */
    b->data = fl_realloc(b->data, b->len + k + 1);
    memcpy(b->data + b->len, p, k);
    b->len += k;
    b->data[b->len] = '\0';
    return k;
}

/* The relay's streams ({"streams":[{"live_id":...}, ...]}): the list, an
 * empty list when the connection was refused (no relay there), or NULL
 * when the answer cannot be trusted either way. */
static json_t *relay_streams(const char *base)
{
    char url[600];
    struct body b = {NULL, 0};
    long status = 0;
    json_t *streams = NULL;
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    snprintf(url, sizeof(url), "%s/api/streams", base);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)RELAY_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    CURLcode cc = curl_easy_perform(c);
    long os_errno = 0;
    if (cc == CURLE_COULDNT_CONNECT) /* also "no route", "unreachable": only a refusal says nothing listens */
        curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
    if (cc == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED) {
        streams = json_array();
    } else if (cc == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200 &&
               b.data) {
        json_t *doc = json_loads(b.data, 0, NULL);
        json_t *list = json_object_get(doc, "streams");
        if (json_is_array(list))
            streams = json_incref(list);
        json_decref(doc);
    }
    if (!streams)
        fl_log(FL_LOG_WARN, "live_relay_unclear", "%s: %s (HTTP %ld): no session changed this pass", url,
               curl_easy_strerror(cc), status);
    curl_easy_cleanup(c);
    fl_free(b.data);
    return streams;
}

static int listed(const json_t *streams, const char *live_id)
{
    size_t i;
    json_t *s;
    json_array_foreach(streams, i, s)
    {
        const char *id = json_string_value(json_object_get(s, "live_id"));
        if (id && strcmp(id, live_id) == 0)
            return 1;
    }
    return 0;
}

/* Columns of the sweep's SELECT. */
enum { SC_PUBLIC_ID, SC_STATUS, SC_UPDATED };

int shop_live_sweep(const shop_ctx *ctx)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    json_t *streams = NULL;
    int changed = 0, rc;

    if (!ctx->cfg->relay_url[0])
        return 0;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    rc = fl_db_query(db, &rows,
                     "SELECT public_id, status, updated_at FROM live_sessions WHERE "
                     "(status = 'live' AND updated_at < NOW(3) - INTERVAL ? SECOND) OR "
                     "(status = 'idle' AND idle_since < NOW(3) - INTERVAL ? SECOND) LIMIT 500",
                     "ii", (long long)LIVE_LOST_AFTER_S, (long long)(ctx->cfg->live_grace_s + GRACE_MARGIN_S));
    fl_db_release(db); /* not held while the relay answers */
    db = NULL;
    if (rc != FL_DB_OK)
        return -1;
    if (fl_rows_count(rows) == 0 || !(streams = relay_streams(ctx->cfg->relay_url)))
        goto out_free;
    shop_room_relay_viewers(ctx, streams); /* the same answer's viewers, for the rooms' counts */
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK) {
        changed = -1;
        goto out_free;
    }
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        const char *id = fl_rows_str(rows, i, SC_PUBLIC_ID), *seen = fl_rows_str(rows, i, SC_UPDATED);
        int idle = strcmp(fl_rows_str(rows, i, SC_STATUS), "idle") == 0;
        if (listed(streams, id))
            continue;
        if (!idle)
            fl_log(FL_LOG_WARN, "live_relay_lost", "%s is live but the relay at %s does not hold it", id,
                   ctx->cfg->relay_url);
        if (shop_live_apply(ctx, db, idle ? SHOP_LIVE_END : SHOP_LIVE_UNPUBLISH, id,
                            idle ? "grace_expired" : "relay_lost", seen) > 0)
            changed++;
    }
    fl_db_release(db);
out_free:
    json_decref(streams);
    fl_rows_free(rows);
    return changed;
}

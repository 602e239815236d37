/* live.c - live sessions over HTTP (routes in shop/api/live.h): parse, call
 * domain/live.c or the realtime feed, answer.
 *
 * The internal routes are SHOP_ROLE_PUBLIC in the route table: the caller is
 * the relay, not an account. Each handler first checks X-Internal-Secret
 * against cfg->internal_secret (sha256 of both, compared in constant time):
 * not configured -> 503, missing -> 401, wrong -> 403.
 *
 * GET /api/v1/live/{id}/events is the feed's topic live:{id} (rt/feed.h):
 *   long-poll (default)  ?after=SEQ&wait=S: the session's events with seq >
 *                        after, waiting up to S seconds (at most
 *                        LIVE_WAIT_MAX) for one; the request is suspended
 *                        meanwhile, no thread held
 *   Server-Sent Events   with Accept: text/event-stream: the events after
 *                        Last-Event-ID (else after; else whatever the
 *                        ring holds), then each new one as it comes */
#include "farmlive/shop/api/live.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/domain/coops.h"
#include "farmlive/shop/domain/restream_targets.h"
#include "farmlive/shop/domain/room_counts.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/rt/feed.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/pages/labels.h"
#include "farmlive/crypto.h"
#include "farmlive/timefmt.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LIVE_IP_MAX 64
#define LIVE_QR_MAX (256 * 1024)
#define LIVE_PLAN_AHEAD_MAX_S (366LL * 24 * 3600)
#define LIVE_WAIT_MAX 10 /* seconds; shutdown answers waiters at once (shop_rt_quiesce) */

/* ---- internal API (the relay) ---------------------------------------------- */

/* The shared-secret check of every internal route. */
static int internal_auth(shop_req *r)
{
    const char *want = r->ctx->cfg->internal_secret;
    const char *got = shop_header(r, "X-Internal-Secret");
    unsigned char a[crypto_hash_sha256_BYTES], b[crypto_hash_sha256_BYTES];

    if (!want[0])
        return shop_fail(r, SHOP_E_UNAVAILABLE,
                         "not configured: FARMLIVE_INTERNAL_SECRET is empty, the internal API is off");
    if (!got || !got[0])
        return shop_fail(r, SHOP_E_UNAUTHORIZED, "X-Internal-Secret is missing");
    /* Hash both so the comparison takes the same time whatever the lengths. */
    crypto_hash_sha256(a, (const unsigned char *)want, strlen(want));
    crypto_hash_sha256(b, (const unsigned char *)got, strlen(got));
    if (sodium_memcmp(a, b, sizeof(a)) != 0)
        return shop_fail(r, SHOP_E_FORBIDDEN, "X-Internal-Secret does not match");
    return SHOP_OK;
}

/* Applies op to the session named by `lookup` (a stream key for publish). */
static int change(shop_req *r, enum shop_live_op op, const char *lookup, const char *ip, shop_live_change *ch)
{
    shop_fault f;
    fl_db *db = NULL;
    int rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    if (shop_live_change_status(r->ctx, db, op, lookup, ip, ch, &f) != SHOP_OK)
        return shop_fail_fault(r, &f);
    return SHOP_OK;
}

int shop_live_internal_publish(shop_req *r)
{
    const char *key = NULL, *ip = NULL;
    json_t *targets = NULL, *out;
    const char *low = NULL;
    shop_live_change ch;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = internal_auth(r)) < 0)
        return rc;
    if ((rc = shop_body_str(r, "stream_key", 1, 1, 256, &key)) < 0)
        return rc;
    if ((rc = shop_body_str(r, "client_ip", 0, 0, LIVE_IP_MAX, &ip)) < 0)
        return rc;
    if ((rc = change(r, SHOP_LIVE_PUBLISH, key, ip && ip[0] ? ip : NULL, &ch)) < 0)
        return rc;
    /* the platforms to forward it to, their keys in clear: the relay's only */
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    if (shop_restream_session_targets(r->ctx->cfg, db, ch.public_id, &targets, &f) != SHOP_OK)
        return shop_fail_fault(r, &f);
    /* the cooperative's choice of the 360p rendition, over the relay's own */
    if (shop_coop_session_low_rendition(db, ch.public_id, &low, &f) != SHOP_OK) {
        json_decref(targets);
        return shop_fail_fault(r, &f);
    }
    shop_add_header(r, "Cache-Control", "no-store");
    out = json_pack("{s:s,s:s,s:b,s:o}", "live_id", ch.public_id, "status", ch.to, "reconnect",
                    strcmp(ch.from, "created") != 0, "restream", targets);
    if (out && low)
        json_object_set_new(out, "low_rendition", json_string(low));
    return shop_reply_json(r, 200, out);
}

/* unpublish and ended: {"live_id"} -> 200 {"live_id","status","changed"}. */
static int internal_by_id(shop_req *r, enum shop_live_op op)
{
    const char *id = NULL;
    shop_live_change ch;
    int rc;

    if ((rc = internal_auth(r)) < 0)
        return rc;
    if ((rc = shop_body_str(r, "live_id", 1, 1, 64, &id)) < 0)
        return rc;
    if ((rc = change(r, op, id, NULL, &ch)) < 0)
        return rc;
    return shop_reply_json(r, 200,
                           json_pack("{s:s,s:s,s:b}", "live_id", ch.public_id, "status", ch.to, "changed",
                                     ch.changed && strcmp(ch.from, ch.to) != 0));
}

int shop_live_internal_unpublish(shop_req *r)
{
    return internal_by_id(r, SHOP_LIVE_UNPUBLISH);
}

int shop_live_internal_ended(shop_req *r)
{
    return internal_by_id(r, SHOP_LIVE_END);
}

/* ---- public API ------------------------------------------------------------ */

/* The key's answer gets its push URLs as QR codes ("qr_svg" of push_url,
 * "srt_qr_svg" of srt_url when there is one: SVG elements), for the studio
 * to show beside them. */
static void url_qr(json_t *out, const char *field, const char *qr_field)
{
    shop_html h;
    const char *url = json_string_value(json_object_get(out, field));
    if (!url)
        return;
    shop_html_init(&h, LIVE_QR_MAX);
    if (shop_qr_svg_text(&h, url, "100%") == 0 && !h.failed)
        json_object_set_new(out, qr_field, json_string(h.buf.p));
    shop_html_free(&h);
}

static void key_qr(json_t *out)
{
    url_qr(out, "push_url", "qr_svg");
    url_qr(out, "srt_url", "srt_qr_svg");
}

int shop_live_create(shop_req *r)
{
    const char *title = NULL, *planned = NULL;
    long long coop_id = 0, planned_at = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_body_str(r, "title", 1, 1, SHOP_LIVE_TITLE_MAX, &title)) < 0)
        return rc;
    if ((rc = shop_body_int(r, "coop_id", 0, 1, LLONG_MAX, &coop_id, NULL)) < 0)
        return rc;
    if ((rc = shop_body_str(r, "planned_at", 0, 1, 40, &planned)) < 0)
        return rc;
    if (planned && (fl_time_parse(planned, &planned_at) < 0 || planned_at <= 0))
        return shop_fail(r, SHOP_E_VALIDATION, "planned_at must be an RFC 3339 time with its offset");
    if (planned && planned_at > (long long)time(NULL) + LIVE_PLAN_AHEAD_MAX_S)
        return shop_fail(r, SHOP_E_VALIDATION, "planned_at is at most a year ahead");
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    if (shop_live_open(r->ctx, db, r->session->account_id, r->session->platform_admin, coop_id, title, planned_at, &out,
                       &f) != SHOP_OK)
        return shop_fail_fault(r, &f);
    key_qr(out);
    shop_add_header(r, "Cache-Control", "no-store");
    return shop_reply_json(r, 201, out);
}

int shop_live_list(shop_req *r)
{
    const char *status = shop_query(r, "status");
    long long coop = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_page pg;
    shop_fault f;
    int rc;

    if (status && !shop_live_status_valid(status))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "status must be created, live, idle or ended");
    if ((rc = shop_query_id(r, "coop", &coop)) < 0 || (rc = shop_query_page(r, 1, &pg)) < 0 ||
        (rc = shop_db(r, &db)) < 0)
        return rc;
    if (shop_live_page(r->ctx->cfg, db, status, coop, pg.after[0], pg.limit, &out, &f) != SHOP_OK)
        return shop_fail_fault(r, &f);
    return shop_reply_json(r, 200, out);
}

/* The session named by path parameter 0 must exist (404), into *out when
 * out is not NULL. */
static int find(shop_req *r, json_t **out)
{
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    if (shop_live_find(r->ctx->cfg, db, shop_param(r, 0), out, &f) != SHOP_OK)
        return shop_fail_fault(r, &f);
    return SHOP_OK;
}

int shop_live_get(shop_req *r)
{
    json_t *out = NULL;
    fl_kv *kv = NULL;
    int rc;
    if ((rc = find(r, &out)) < 0)
        return rc;
    /* what the room's viewers event last said, so a page loading late starts right */
    json_object_set_new(out, "viewers",
                        fl_kv_acquire(r->ctx->kv, &kv) == FL_KV_OK ? shop_room_viewers_now(kv, shop_param(r, 0))
                                                                   : json_null());
    fl_kv_release(kv);
    return shop_reply_json(r, 200, out);
}

/* ---- the farmer's studio -------------------------------------------------------- */

/* POST /api/v1/live/{id}/key: a new stream key, shown once. */
int shop_live_key_rotate(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    if (shop_live_rotate_key(r->ctx, db, &who, shop_param(r, 0), &out, &f) < 0)
        return shop_fail_fault(r, &f);
    key_qr(out);
    shop_add_header(r, "Cache-Control", "no-store");
    return shop_reply_json(r, 200, out);
}

/* POST /api/v1/live/{id}/cover: the body is the picture (JPEG, PNG, WebP). */
int shop_live_cover_upload(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    char dir[1100];
    int rc;
    if ((rc = shop_body_image(r)) < 0)
        return rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    snprintf(dir, sizeof(dir), "%s/media", r->ctx->cfg->var_dir);
    rc = shop_live_set_cover(r->ctx, db, &who, shop_param(r, 0), dir, r->raw_body, r->raw_body_len, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* GET /api/v1/live/{id}/health: the relay's view of the stream. */
int shop_live_health_get(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;
    if ((rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_live_health(r->ctx->cfg, db, &who, shop_param(r, 0), &out, &f);
    if (rc == SHOP_OK)
        shop_add_header(r, "Cache-Control", "no-store");
    return shop_reply_outcome(r, rc, 200, out, &f);
}

/* ---- events ------------------------------------------------------------------ */

/* A long-poll, in the request's arena. */
typedef struct events_poll {
    const char *id;
    char topic[SHOP_RT_TOPIC_MAX + 1];
    long long after;
} events_poll;

/* The long-poll's answer, first or resumed, from the feed as it is now:
 * {"id","events":[...],"last_seq","subscribed","truncated"}, each event
 * the object an SSE data: line carries with its type (SSE's event: field)
 * in front: {"type":"chat","seq":...,...}. */
static int events_answer(shop_req *r, void *arg)
{
    const events_poll *p = arg;
    shop_rt_view v;
    size_t cap = 160 + strlen(p->id), n = 0;
    char *text;

    if (shop_rt_read(r->ctx->rt, p->topic, p->after, r->arena, &v) != SHOP_OK)
        return shop_fail(r, SHOP_E_UNAVAILABLE, "too many topics followed at once; try again");
    for (size_t i = 0; i < v.n; i++)
        cap += v.events[i]->data_len + strlen(v.events[i]->type) + 12;
    text = fl_arena_alloc(r->arena, cap);
    n += (size_t)snprintf(text, cap, "{\"id\":\"%s\",\"events\":[", p->id);
    for (size_t i = 0; i < v.n; i++) {
        if (i)
            text[n++] = ',';
        /* data is an object ("{\"seq\":..."): the type goes in as its first member; a type is [a-z0-9_.] */
        n += (size_t)snprintf(text + n, cap - n, "{\"type\":\"%s\",", v.events[i]->type);
        memcpy(text + n, v.events[i]->data + 1, v.events[i]->data_len - 1);
        n += v.events[i]->data_len - 1;
    }
    n += (size_t)snprintf(text + n, cap - n, "],\"last_seq\":%lld,\"subscribed\":%s,\"truncated\":%s}", v.last_seq,
                          v.subscribed ? "true" : "false", v.truncated ? "true" : "false");
    return shop_reply_raw(r, 200, "application/json; charset=utf-8", text, n);
}

/* 1 when the client asks for Server-Sent Events. */
static int wants_sse(shop_req *r)
{
    const char *accept = shop_header(r, "Accept");
    return accept && strcasestr(accept, "text/event-stream") != NULL;
}

/* The session whose events are asked for exists: MariaDB says so, or,
 * while MariaDB does not answer, the feed does (its topic has events: every
 * session raised "created" when it was made), so that clients keep being
 * served, and reconnecting, through a database outage. SHOP_OK, or failed. */
static int events_find(shop_req *r, const char *topic)
{
    shop_fault f;
    shop_rt_view v;
    int rc = fl_db_acquire(r->ctx->db, &r->db);

    if (rc == FL_DB_OK) {
        if (shop_live_find(r->ctx->cfg, r->db, shop_param(r, 0), NULL, &f) == SHOP_OK)
            return SHOP_OK;
        if (f.err != SHOP_E_UNAVAILABLE)
            return shop_fail_fault(r, &f);
    }
    if (shop_rt_read(r->ctx->rt, topic, 0, r->arena, &v) == SHOP_OK && v.last_seq > 0)
        return SHOP_OK;
    return rc == FL_DB_OK ? shop_fail_fault(r, &f) : shop_fail_db(r, rc);
}

/* Long-poll or SSE of the session's status changes (see the top). */
int shop_live_events(shop_req *r)
{
    events_poll *p = fl_arena_alloc(r->arena, sizeof(*p));
    long long wait = 0;
    const char *v;
    fl_kv *kv = NULL;
    int rc;

    p->after = 0;
    if ((v = shop_query(r, "after")) && shop_parse_dec(v, 0, LLONG_MAX, &p->after))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "after must be a sequence number");
    if ((v = shop_query(r, "wait")) && shop_parse_dec(v, 0, LIVE_WAIT_MAX, &wait))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "wait must be 0..%d seconds", LIVE_WAIT_MAX);
    p->id = shop_param(r, 0);
    if (shop_rt_topic_live(p->topic, p->id) != 0)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no such live session");
    if ((rc = events_find(r, p->topic)) < 0)
        return rc;
    if (fl_kv_acquire(r->ctx->kv, &kv) == FL_KV_OK) /* counted among the room's unique viewers */
        shop_room_seen(kv, p->id, shop_auth_account(r), r->client_ip);
    fl_kv_release(kv);
    if (!wants_sse(r))
        return shop_rt_wait(r->ctx->rt, r, p->topic, p->after, (int)wait * 1000, events_answer, p);
    if ((v = shop_header(r, "Last-Event-ID")) && v[0] && shop_parse_dec(v, 0, LLONG_MAX, &p->after))
        return shop_fail(r, SHOP_E_BAD_REQUEST, "Last-Event-ID must be a sequence number");
    shop_release_conns(r); /* the stream may last hours */
    return shop_rt_sse(r->ctx->rt, r, p->topic, p->after);
}

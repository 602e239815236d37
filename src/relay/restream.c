/* restream.c - a stream forwarded to other platforms (contract and diagram
 * in relay_restream.h).
 *
 * Locks: the set's mu (its targets, the latest sequence headers and
 * metadata) before a target's mu (its queue, state and statistics). A
 * target's thread never holds either during I/O. */
#include "farmlive/relay_restream.h"
#include "farmlive/alloc.h"
#include "farmlive/clock.h"
#include "farmlive/log.h"

#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MASK_MIN_KEY 12
#define WAIT_SLICE_MS 500 /* a live target checks its stop flag this often without data */

/* ---- pure ------------------------------------------------------------------ */

static int id_valid(const char *id)
{
    size_t n = strlen(id);
    return n >= 1 && n <= RESTREAM_ID_MAX &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

static int url_valid(const char *url)
{
    size_t n = strlen(url);
    if (n > RESTREAM_URL_MAX || (strncmp(url, "rtmp://", 7) != 0 && strncmp(url, "rtmps://", 8) != 0))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= ' ' || (unsigned char)url[i] >= 0x7f)
            return 0;
    return 1;
}

void restream_specs_parse(const json_t *arr, restream_specs *out)
{
    size_t i;
    json_t *v;
    memset(out, 0, sizeof(*out));
    if (!json_is_array(arr))
        return;
    json_array_foreach(arr, i, v)
    {
        const char *id = json_string_value(json_object_get(v, "id"));
        const char *url = json_string_value(json_object_get(v, "url"));
        if (out->n == RESTREAM_TARGETS_MAX)
            break;
        if (!id || !url || !id_valid(id) || !url_valid(url)) {
            fl_log(FL_LOG_WARN, "restream_target_refused", "a restream target from the shop is malformed: skipped");
            continue;
        }
        snprintf(out->t[out->n].id, sizeof(out->t[out->n].id), "%s", id);
        snprintf(out->t[out->n].url, sizeof(out->t[out->n].url), "%s", url);
        out->n++;
    }
}

void restream_url_masked(const char *url, char *out, size_t outlen)
{
    const char *q = strchr(url, '?');
    size_t path_end = q ? (size_t)(q - url) : strlen(url);
    size_t key_at = 0;
    for (size_t i = 0; i < path_end; i++)
        if (url[i] == '/')
            key_at = i + 1;
    const char *key = url + key_at;
    if (strlen(key) >= MASK_MIN_KEY)
        snprintf(out, outlen, "%.*s%.4s...", (int)key_at, url, key);
    else
        snprintf(out, outlen, "%.*s...", (int)key_at, url);
}

int64_t restream_backoff_ms(uint64_t failures, uint32_t rnd)
{
    int64_t d = RESTREAM_BACKOFF_MIN_MS;
    for (uint64_t i = 1; i < failures && d < RESTREAM_BACKOFF_MAX_MS; i++)
        d *= 2;
    if (d > RESTREAM_BACKOFF_MAX_MS)
        d = RESTREAM_BACKOFF_MAX_MS;
    /* jitter: 0.8 .. 1.2, so targets that failed together do not retry together */
    return d * (800 + (int64_t)(rnd % 401)) / 1000;
}

const char *restream_state_name(int state)
{
    static const char *const names[] = {"connecting", "live", "backoff", "failed", "stopped"};
    return state >= 0 && state <= RESTREAM_STOPPED ? names[state] : "unknown";
}

/* ---- a target ---------------------------------------------------------------- */

typedef struct target target;

struct restream_set {
    char live_id[80];
    pthread_mutex_t mu;
    target *targets; /* running */
    target *retired; /* stopped by an update, joined at free */
    relay_tag *meta, *vseq, *aseq;
    int stopped;
};

struct target {
    target *next;
    restream_set *set;
    char id[RESTREAM_ID_MAX + 1];
    char url[RESTREAM_URL_MAX + 1];
    char masked[RESTREAM_MASKED_MAX + 1];
    pthread_t thread;
    int started;
    atomic_int stop;
    atomic_llong deadline_ms; /* the I/O under way gives up past this (0: none) */

    pthread_mutex_t mu;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    relay_tag *q[RESTREAM_QUEUE_TAGS];
    size_t qhead, qlen, qbytes;
    int dropping; /* the queue overflowed: nothing until the next keyframe */
    int state;
    char error[160];
    uint64_t bytes_sent, dropped, connects, failures;
    int64_t retry_at_ms;
};

static _Thread_local target *tl_target; /* the target whose thread this is */

int restream_note_av_error(const char *line)
{
    target *tg = tl_target;
    if (!tg)
        return 0;
    const char *q = strchr(tg->url, '?');
    size_t end = q ? (size_t)(q - tg->url) : strlen(tg->url), key_at = 0;
    for (size_t i = 0; i < end; i++)
        if (tg->url[i] == '/')
            key_at = i + 1;
    pthread_mutex_lock(&tg->mu);
    if (tg->url[key_at] && strstr(line, tg->url + key_at)) /* never a key in a log or an answer */
        snprintf(tg->error, sizeof(tg->error), "libav named the push URL in an error (not shown)");
    else if (line[0])
        snprintf(tg->error, sizeof(tg->error), "%s", line);
    pthread_mutex_unlock(&tg->mu);
    return 1;
}

static void set_state(target *tg, int state)
{
    pthread_mutex_lock(&tg->mu);
    tg->state = state;
    pthread_mutex_unlock(&tg->mu);
}

/* Queues t when the target is live. tg->mu held. */
static void enqueue_locked(target *tg, relay_tag *t)
{
    int seqhdr = (t->flags & RELAY_TAG_SEQHDR) || t->type == FLV_TAG_SCRIPT;
    int key = (t->flags & RELAY_TAG_KEY) && t->type == FLV_TAG_VIDEO;
    if (tg->state != RESTREAM_LIVE)
        return;
    if (tg->dropping && !seqhdr && !key) {
        tg->dropped++;
        return;
    }
    if (tg->qlen == RESTREAM_QUEUE_TAGS || (!seqhdr && tg->qbytes + t->size > RESTREAM_QUEUE_BYTES)) {
        if (!tg->dropping)
            fl_log(FL_LOG_WARN, "restream_behind",
                   "live %s: restream %s (%s) cannot keep up: dropping to the next "
                   "keyframe",
                   tg->set->live_id, tg->id, tg->masked);
        tg->dropping = 1;
        tg->dropped++;
        return;
    }
    if (key)
        tg->dropping = 0;
    tg->q[(tg->qhead + tg->qlen) % RESTREAM_QUEUE_TAGS] = relay_tag_ref(t);
    tg->qlen++;
    tg->qbytes += t->size;
    pthread_cond_signal(&tg->cond);
}

static void drain_locked(target *tg)
{
    while (tg->qlen > 0) {
        relay_tag_unref(tg->q[tg->qhead]);
        tg->qhead = (tg->qhead + 1) % RESTREAM_QUEUE_TAGS;
        tg->qlen--;
    }
    tg->qbytes = 0;
    tg->dropping = 0;
}

static void deadline_ms_from_now(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000;
    if (ts->tv_nsec >= 1000000000) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000;
    }
}

/* The next queued tag (a reference), or NULL after up to wait_ms without one
 * or once stopping. */
static relay_tag *dequeue(target *tg, int64_t wait_ms)
{
    struct timespec until;
    relay_tag *t = NULL;
    deadline_ms_from_now(&until, wait_ms);
    pthread_mutex_lock(&tg->mu);
    while (tg->qlen == 0 && !atomic_load(&tg->stop))
        if (pthread_cond_timedwait(&tg->cond, &tg->mu, &until) != 0)
            break;
    if (tg->qlen > 0 && !atomic_load(&tg->stop)) {
        t = tg->q[tg->qhead];
        tg->qhead = (tg->qhead + 1) % RESTREAM_QUEUE_TAGS;
        tg->qlen--;
        tg->qbytes -= t->size;
    }
    pthread_mutex_unlock(&tg->mu);
    return t;
}

/* Sleeps ms unless stopped first. */
static void pause_ms(target *tg, int64_t ms)
{
    struct timespec until;
    deadline_ms_from_now(&until, ms);
    pthread_mutex_lock(&tg->mu);
    while (!atomic_load(&tg->stop))
        if (pthread_cond_timedwait(&tg->cond, &tg->mu, &until) != 0)
            break;
    pthread_mutex_unlock(&tg->mu);
}

static int on_interrupt(void *arg)
{
    target *tg = arg;
    int64_t deadline = atomic_load(&tg->deadline_ms);
    return atomic_load(&tg->stop) || (deadline && fl_mono_ms() > deadline);
}

/* One FLV tag of t's type and body at ts, as the rtmp protocol reads FLV. */
static int write_tag(target *tg, AVIOContext *pb, const relay_tag *t, uint32_t ts)
{
    uint8_t hdr[FLV_TAG_HEADER_SIZE];
    size_t body = relay_tag_body_len(t);
    flv_write_tag_header(hdr, t->type, body, ts);
    atomic_store(&tg->deadline_ms, fl_mono_ms() + RESTREAM_WRITE_MS);
    avio_write(pb, hdr, sizeof(hdr));
    avio_write(pb, relay_tag_body(t), (int)body);
    avio_wb32(pb, (unsigned)(FLV_TAG_HEADER_SIZE + body));
    avio_flush(pb);
    atomic_store(&tg->deadline_ms, 0);
    if (pb->error < 0)
        return pb->error;
    pthread_mutex_lock(&tg->mu);
    tg->bytes_sent += t->size;
    pthread_mutex_unlock(&tg->mu);
    return 0;
}

/* Connected: the headers, then the queue from the next keyframe, until an
 * error (returned) or the stop (0). */
static int forward(target *tg, AVIOContext *pb)
{
    restream_set *rs = tg->set;
    uint8_t file_hdr[FLV_FILE_HEADER_SIZE];
    relay_tag *head[3] = {NULL, NULL, NULL};
    int64_t base = -1;
    int ret = 0, video;

    flv_write_file_header(file_hdr, 1, 1);
    avio_write(pb, file_hdr, sizeof(file_hdr)); /* the rtmp protocol skips it */
    pthread_mutex_lock(&tg->mu);
    drain_locked(tg);
    tg->state = RESTREAM_LIVE; /* ingest queues from now on */
    tg->failures = 0;
    tg->connects++;
    tg->error[0] = '\0';
    pthread_mutex_unlock(&tg->mu);
    pthread_mutex_lock(&rs->mu); /* after going live: a header pushed meanwhile is in both, never in neither */
    head[0] = rs->meta ? relay_tag_ref(rs->meta) : NULL;
    head[1] = rs->vseq ? relay_tag_ref(rs->vseq) : NULL;
    head[2] = rs->aseq ? relay_tag_ref(rs->aseq) : NULL;
    pthread_mutex_unlock(&rs->mu);
    video = head[1] != NULL;
    for (int i = 0; i < 3 && ret == 0; i++)
        if (head[i])
            ret = write_tag(tg, pb, head[i], 0);
    for (int i = 0; i < 3; i++)
        relay_tag_unref(head[i]);
    fl_log(FL_LOG_INFO, "restream_live", "live %s: restream %s to %s is live", rs->live_id, tg->id, tg->masked);
    while (ret == 0 && !atomic_load(&tg->stop)) {
        relay_tag *t = dequeue(tg, WAIT_SLICE_MS);
        if (!t)
            continue;
        int seqhdr = (t->flags & RELAY_TAG_SEQHDR) || t->type == FLV_TAG_SCRIPT;
        if (t->type == FLV_TAG_VIDEO && (t->flags & RELAY_TAG_SEQHDR))
            video = 1;
        if (base < 0 && !seqhdr &&
            ((t->type == FLV_TAG_VIDEO && (t->flags & RELAY_TAG_KEY)) || (!video && t->type == FLV_TAG_AUDIO)))
            base = t->ts; /* the forwarded stream starts here, at 0 */
        if (seqhdr)
            ret = write_tag(tg, pb, t, base < 0 || t->ts < base ? 0 : (uint32_t)(t->ts - base));
        else if (base >= 0 && t->ts >= base)
            ret = write_tag(tg, pb, t, (uint32_t)(t->ts - base));
        relay_tag_unref(t);
    }
    return ret;
}

/* Opens the push connection: 0, or a negative AVERROR. */
static int connect_target(target *tg, AVIOContext **pb)
{
    AVDictionary *opts = NULL;
    AVIOInterruptCB cb = {on_interrupt, tg};
    av_dict_set(&opts, "protocol_whitelist", "rtmp,rtmps,tcp,tls", 0);
    av_dict_set(&opts, "rw_timeout", "10000000", 0); /* us: one read or write */
    atomic_store(&tg->deadline_ms, fl_mono_ms() + RESTREAM_CONNECT_MS);
    int ret = avio_open2(pb, tg->url, AVIO_FLAG_WRITE, &cb, &opts);
    atomic_store(&tg->deadline_ms, 0);
    av_dict_free(&opts);
    return ret;
}

static void *target_main(void *arg)
{
    target *tg = arg;
    char why[200];
    tl_target = tg;
    while (!atomic_load(&tg->stop)) {
        AVIOContext *pb = NULL;
        set_state(tg, RESTREAM_CONNECTING);
        pthread_mutex_lock(&tg->mu);
        tg->error[0] = '\0';
        pthread_mutex_unlock(&tg->mu);
        int ret = connect_target(tg, &pb);
        if (ret >= 0) {
            ret = forward(tg, pb);
            atomic_store(&tg->deadline_ms, fl_mono_ms() + 2000); /* closing says goodbye, briefly */
            avio_closep(&pb);
            atomic_store(&tg->deadline_ms, 0);
        }
        if (atomic_load(&tg->stop))
            break;
        int64_t wait = 0;
        pthread_mutex_lock(&tg->mu);
        drain_locked(tg);
        tg->failures++;
        /* libav's own line first ("Server error: ..."), then its code */
        snprintf(why, sizeof(why), "%.100s%s%s%s", tg->error, tg->error[0] ? " (" : "",
                 ret == AVERROR_EXIT ? "timed out" : av_err2str(ret), tg->error[0] ? ")" : "");
        snprintf(tg->error, sizeof(tg->error), "%.159s", why);
        wait = restream_backoff_ms(tg->failures, randombytes_random());
        tg->state = tg->failures >= RESTREAM_FAILED_AFTER ? RESTREAM_FAILED : RESTREAM_BACKOFF;
        tg->retry_at_ms = fl_mono_ms() + wait;
        uint64_t failures = tg->failures;
        pthread_mutex_unlock(&tg->mu);
        fl_log(FL_LOG_WARN, "restream_failed", "live %s: restream %s to %s: %s (%llu in a row; retry in %.1f s)",
               tg->set->live_id, tg->id, tg->masked, why, (unsigned long long)failures, wait / 1000.0);
        pause_ms(tg, wait);
    }
    pthread_mutex_lock(&tg->mu);
    drain_locked(tg);
    tg->state = RESTREAM_STOPPED;
    pthread_mutex_unlock(&tg->mu);
    fl_log(FL_LOG_INFO, "restream_stopped", "live %s: restream %s to %s stopped", tg->set->live_id, tg->id, tg->masked);
    tl_target = NULL;
    return NULL;
}

static target *target_new(restream_set *rs, const restream_spec *spec)
{
    target *tg = fl_calloc(1, sizeof(*tg));
    pthread_condattr_t ca;
    tg->set = rs;
    snprintf(tg->id, sizeof(tg->id), "%s", spec->id);
    snprintf(tg->url, sizeof(tg->url), "%s", spec->url);
    restream_url_masked(spec->url, tg->masked, sizeof(tg->masked));
    atomic_init(&tg->stop, 0);
    atomic_init(&tg->deadline_ms, 0);
    pthread_mutex_init(&tg->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&tg->cond, &ca);
    pthread_condattr_destroy(&ca);
    tg->state = RESTREAM_CONNECTING;
    if (pthread_create(&tg->thread, NULL, target_main, tg) == 0) {
        tg->started = 1;
    } else {
        tg->state = RESTREAM_STOPPED;
        snprintf(tg->error, sizeof(tg->error), "no thread for it");
        fl_log(FL_LOG_ERROR, "restream_failed", "live %s: restream %s: cannot start its thread", rs->live_id, tg->id);
    }
    return tg;
}

static void target_stop(target *tg)
{
    atomic_store(&tg->stop, 1);
    pthread_mutex_lock(&tg->mu);
    pthread_cond_signal(&tg->cond);
    pthread_mutex_unlock(&tg->mu);
}

static void target_free(target *tg)
{
    target_stop(tg);
    if (tg->started)
        pthread_join(tg->thread, NULL);
    drain_locked(tg);
    sodium_memzero(tg->url, sizeof(tg->url));
    pthread_cond_destroy(&tg->cond);
    pthread_mutex_destroy(&tg->mu);
    fl_free(tg);
}

/* ---- the set ------------------------------------------------------------------- */

restream_set *restream_set_new(const char *live_id)
{
    restream_set *rs = fl_calloc(1, sizeof(*rs));
    snprintf(rs->live_id, sizeof(rs->live_id), "%s", live_id);
    pthread_mutex_init(&rs->mu, NULL);
    return rs;
}

static const restream_spec *spec_find(const restream_specs *specs, const target *tg)
{
    for (int i = 0; specs && i < specs->n; i++)
        if (strcmp(specs->t[i].id, tg->id) == 0 && strcmp(specs->t[i].url, tg->url) == 0)
            return &specs->t[i];
    return NULL;
}

void restream_set_update(restream_set *rs, const restream_specs *specs)
{
    pthread_mutex_lock(&rs->mu);
    if (rs->stopped) {
        pthread_mutex_unlock(&rs->mu);
        return;
    }
    /* stop those no longer named (joined at free: never wait here) */
    for (target **pp = &rs->targets; *pp;) {
        target *tg = *pp;
        if (spec_find(specs, tg)) {
            pp = &tg->next;
            continue;
        }
        *pp = tg->next;
        target_stop(tg);
        tg->next = rs->retired;
        rs->retired = tg;
    }
    for (int i = 0; specs && i < specs->n; i++) {
        int have = 0;
        for (target *tg = rs->targets; tg && !have; tg = tg->next)
            have = strcmp(tg->id, specs->t[i].id) == 0 && strcmp(tg->url, specs->t[i].url) == 0;
        if (have)
            continue;
        target *tg = target_new(rs, &specs->t[i]);
        tg->next = rs->targets;
        rs->targets = tg;
        fl_log(FL_LOG_INFO, "restream_start", "live %s: restream %s to %s", rs->live_id, tg->id, tg->masked);
    }
    pthread_mutex_unlock(&rs->mu);
}

static void keep(relay_tag **slot, relay_tag *t)
{
    relay_tag_unref(*slot);
    *slot = relay_tag_ref(t);
}

void restream_set_push(restream_set *rs, relay_tag *t)
{
    pthread_mutex_lock(&rs->mu);
    if (t->type == FLV_TAG_SCRIPT)
        keep(&rs->meta, t);
    else if (t->flags & RELAY_TAG_SEQHDR)
        keep(t->type == FLV_TAG_VIDEO ? &rs->vseq : &rs->aseq, t);
    for (target *tg = rs->targets; tg; tg = tg->next) {
        pthread_mutex_lock(&tg->mu);
        enqueue_locked(tg, t);
        pthread_mutex_unlock(&tg->mu);
    }
    pthread_mutex_unlock(&rs->mu);
}

void restream_set_stop(restream_set *rs)
{
    if (!rs)
        return;
    pthread_mutex_lock(&rs->mu);
    rs->stopped = 1;
    for (target *tg = rs->targets; tg; tg = tg->next)
        target_stop(tg);
    pthread_mutex_unlock(&rs->mu);
}

void restream_set_free(restream_set *rs)
{
    if (!rs)
        return;
    restream_set_stop(rs);
    for (target *lists[2] = {rs->targets, rs->retired}, **l = lists; l < lists + 2; l++)
        for (target *tg = *l, *next; tg; tg = next) {
            next = tg->next;
            target_free(tg);
        }
    relay_tag_unref(rs->meta);
    relay_tag_unref(rs->vseq);
    relay_tag_unref(rs->aseq);
    pthread_mutex_destroy(&rs->mu);
    fl_free(rs);
}

size_t restream_set_info(restream_set *rs, restream_info *out, size_t max)
{
    size_t n = 0;
    int64_t now = fl_mono_ms();
    pthread_mutex_lock(&rs->mu);
    for (target *tg = rs->targets; tg && n < max; tg = tg->next, n++) {
        restream_info *i = &out[n];
        memset(i, 0, sizeof(*i));
        snprintf(i->id, sizeof(i->id), "%s", tg->id);
        snprintf(i->url, sizeof(i->url), "%s", tg->masked);
        pthread_mutex_lock(&tg->mu);
        i->state = tg->state;
        snprintf(i->error, sizeof(i->error), "%s", tg->error);
        i->bytes_sent = tg->bytes_sent;
        i->dropped = tg->dropped;
        i->connects = tg->connects;
        i->failures = tg->failures;
        if ((tg->state == RESTREAM_BACKOFF || tg->state == RESTREAM_FAILED) && tg->retry_at_ms > now)
            i->retry_in_s = (double)(tg->retry_at_ms - now) / 1000;
        pthread_mutex_unlock(&tg->mu);
    }
    pthread_mutex_unlock(&rs->mu);
    return n;
}

/* ---- what /api/streams and /metrics show ------------------------------------ */

json_t *restream_info_json(const restream_info *in, size_t n)
{
    json_t *arr = json_array();
    for (size_t k = 0; k < n; k++) {
        const restream_info *i = &in[k];
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:f}", "id", i->id, "url",
                                             i->url, "state", restream_state_name(i->state), "error",
                                             i->error[0] ? json_string(i->error) : json_null(), "bytes_sent",
                                             (json_int_t)i->bytes_sent, "packets_dropped", (json_int_t)i->dropped,
                                             "connects", (json_int_t)i->connects, "failures_in_a_row",
                                             (json_int_t)i->failures, "retry_in_s", i->retry_in_s));
    }
    return arr;
}

static const char *const metric_types[RESTREAM_METRIC_FAMILIES] = {
    "# TYPE farmlive_relay_stream_restream_state gauge\n",
    "# TYPE farmlive_relay_stream_restream_bytes_total counter\n",
    "# TYPE farmlive_relay_stream_restream_dropped_total counter\n",
    "# TYPE farmlive_relay_stream_restream_connects_total counter\n",
};

const char *restream_metric_type(int family)
{
    return metric_types[family];
}

void restream_metrics(fl_buf *b, int family, const char *live_id, const restream_info *in, size_t n)
{
    static const char *const names[RESTREAM_METRIC_FAMILIES] = {NULL, "bytes_total", "dropped_total", "connects_total"};
    for (size_t k = 0; k < n; k++) {
        const restream_info *i = &in[k];
        const uint64_t v[RESTREAM_METRIC_FAMILIES] = {0, i->bytes_sent, i->dropped, i->connects};
        if (family == 0)
            for (int s = RESTREAM_CONNECTING; s <= RESTREAM_STOPPED; s++)
                fl_buf_printf(b, "farmlive_relay_stream_restream_state{live_id=\"%s\",target=\"%s\",state=\"%s\"} %d\n",
                              live_id, i->id, restream_state_name(s), i->state == s);
        else
            fl_buf_printf(b, "farmlive_relay_stream_restream_%s{live_id=\"%s\",target=\"%s\"} %llu\n", names[family],
                          live_id, i->id, (unsigned long long)v[family]);
    }
}

/* hls.c - Low-Latency HLS: fMP4 parts and segments, written by libavformat's
 * mp4 muxer into memory; the playlist is the relay's own.
 *
 *   media worker                       hls_mux (one per publish epoch)
 *   AVPacket --> cut? --> av_write_frame --> mp4 muxer (frag_custom,
 *                 |                          empty_moov, default_base_moof)
 *                 |                               | relay_membuf: bytes in m->out
 *                 +-- av_write_frame(NULL): one fragment (moof+mdat) = a part
 *                         |
 *                         v
 *   hls_store (per stream, mutex): parts of the segment in progress; at a
 *   keyframe the segment closes (its bytes = its parts concatenated) and
 *   joins the window of segments over all epochs; index.m3u8 is rendered
 *   on every change (render_playlist, a pure function); armed waiters
 *   (blocking playlist reloads, the preload-hinted part) whose request can
 *   now be answered are woken after the lock is dropped.
 *
 * Cuts: before a video keyframe (ends the part and the segment: segments
 * start with a keyframe, as the 1 s GOP clips give ~1 s segments), before
 * a video frame that would take the part past HLS_PART_TARGET_MS, and
 * before one that would take the segment past HLS_SEGMENT_MAX_MS (a long
 * GOP: the playlist is out within 2 s, not after the first GOP; such a
 * segment starts with a part that is not INDEPENDENT, and the playlist
 * then leaves out EXT-X-INDEPENDENT-SEGMENTS). Audio only: audio frames
 * time the parts, and a segment ends every HLS_AUDIO_SEGMENT_MS.
 * 200 ms: five 40 ms frames at 25 fps, so a 1 s GOP is five equal parts;
 * players hold back 3 part targets (PART-HOLD-BACK 0.6 s), well inside the
 * 3 s goal, and a viewer costs ~5 part + 5 playlist requests a second, all
 * answered from memory. Part durations are those of the video frames in
 * them (audio rides along in whichever fragment is open).
 *
 * Names: "E-init.mp4", segment "E-N.m4s", part "E-N.P.m4s" (epoch E, N-th
 * segment of the epoch, P-th part of it). Epochs start from the clock so a
 * relay restart never reuses a name a CDN may have cached for a day. The
 * media sequence number counts segments over all epochs.
 *
 * EXT-X-PROGRAM-DATE-TIME: the wall clock at the epoch's first keyframe
 * plus the segment's media time (that keyframe is media time 0; what came
 * before it is dropped).
 *
 * EXT-X-TARGETDURATION is the largest EXTINF rounded to the nearest
 * integer (RFC 8216 4.3.3.1), at least 1, and never decreases for a store
 * (6.2.1: it must not change; it can only grow when a takeover brings
 * longer segments). Non-LL players hold back a multiple of it (hls.js: 3),
 * so rounding up 1.001 s segments to 2 would double their delay.
 *
 * EXT-X-VERSION stays 7: RFC 8216bis ties no version to the LL-HLS tags
 * used here (only EXT-X-SKIP, which is not offered, needs 9). */
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libavutil/opt.h>
#include <libavutil/time.h>

#include "farmlive/alloc.h"
#include "farmlive/buf.h"
#include "farmlive/log.h"
#include "farmlive/relay_hls.h"

#define HLS_WINDOW 6 /* segments in the playlist */
#define HLS_KEEP 12  /* segments kept in memory (late fetches) */
#define HLS_PARTS 64 /* parts of one segment: a longer GOP is cut there */
#define HLS_PART_TARGET_MS 200
#define HLS_SEGMENT_MAX_MS 2000   /* without a keyframe (long GOP) */
#define HLS_AUDIO_SEGMENT_MS 1000 /* audio only */
#define HLS_PART_SPAN 3           /* parts listed for the last 3 target durations */
#define HLS_NAME 48
#define HLS_PLAYLIST_MAX (64 * 1024)   /* a window of 6 segments + 20 parts: ~3 KB */
#define HLS_OUT_MAX (32 * 1024 * 1024) /* bytes of one part */

typedef struct hls_part {
    relay_blob *data;
    int dur_ms;
    int independent; /* first video sample is a keyframe */
} hls_part;

typedef struct hls_seg {
    int epoch;
    int n;            /* within the epoch */
    relay_blob *data; /* the parts concatenated; NULL while in progress */
    int dur_ms;
    int64_t pdt_ms; /* wall clock of its first sample, ms since 1970 */
    hls_part parts[HLS_PARTS];
    int nparts;
} hls_seg;

struct hls_store {
    pthread_mutex_t lock;
    hls_seg segs[HLS_KEEP]; /* complete, oldest first */
    int nsegs;
    hls_seg cur; /* in progress: has_cur once its first part is out */
    int has_cur;
    int live_epoch;     /* epoch being muxed, 0 none */
    uint64_t first_msn; /* media sequence of segs[0] */
    uint64_t disc_seq;  /* discontinuities before segs[0] */
    relay_blob *inits[HLS_KEEP + 2];
    int init_epoch[HLS_KEEP + 2];
    int ninits;
    relay_blob *playlist; /* rendered on every change once a segment is out */
    int target;           /* EXT-X-TARGETDURATION so far, s */
    int epochs;           /* last epoch number handed out */
    uint64_t hits, published;
    hls_waiter *waiters; /* armed */
};

struct hls_mux {
    AVFormatContext *oc;
    int has_video, has_audio;
    AVIOContext *pb;
    hls_store *st;
    int epoch;
    int header_written;
    relay_membuf out; /* muxer output since the last cut */
    int started;
    int64_t base_ms;   /* first packet's dts: media time 0 */
    int64_t wall0_ms;  /* wall clock at media time 0 */
    int seg_n;         /* segment in progress */
    int nparts;        /* its parts cut so far */
    int64_t seg_start; /* media time of its first video sample */
    int part_open;     /* a video sample went into the part being written */
    int part_key;
    int64_t part_start;
    int64_t last_end; /* end of the last video sample */
};

hls_store *hls_store_new(void)
{
    hls_store *st = fl_calloc(1, sizeof(*st));
    pthread_mutex_init(&st->lock, NULL);
    st->epochs = (int)((time(NULL) - 1577836800) & 0x3fffffff);
    return st;
}

static void seg_clear(hls_seg *s)
{
    relay_blob_unref(s->data);
    for (int i = 0; i < s->nparts; i++)
        relay_blob_unref(s->parts[i].data);
    memset(s, 0, sizeof(*s));
}

void hls_store_free(hls_store *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->nsegs; i++)
        seg_clear(&st->segs[i]);
    seg_clear(&st->cur);
    for (int i = 0; i < st->ninits; i++)
        relay_blob_unref(st->inits[i]);
    relay_blob_unref(st->playlist);
    pthread_mutex_destroy(&st->lock);
    fl_free(st);
}

static const char *mime_of(const char *name)
{
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, ".m3u8") == 0)
        return "application/vnd.apple.mpegurl";
    if (n > 4 && strcmp(name + n - 4, ".m4s") == 0)
        return "video/iso.segment";
    return "video/mp4";
}

/* -- names ----------------------------------------------------------------- */

static int parse_uint(const char **p, int *out)
{
    const char *s = *p;
    long v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9' && v <= 0x3fffffff)
        v = v * 10 + (*s++ - '0');
    if (v > 0x3fffffff)
        return -1;
    *p = s;
    *out = (int)v;
    return 0;
}

enum { NAME_BAD, NAME_INIT, NAME_SEG, NAME_PART };

/* "E-init.mp4", "E-N.m4s", "E-N.P.m4s" -> kind, with the numbers. */
static int parse_name(const char *name, int *epoch, int *n, int *part)
{
    const char *p = name;
    *n = *part = -1;
    if (parse_uint(&p, epoch) < 0 || *p++ != '-')
        return NAME_BAD;
    if (strcmp(p, "init.mp4") == 0)
        return NAME_INIT;
    if (parse_uint(&p, n) < 0)
        return NAME_BAD;
    if (strcmp(p, ".m4s") == 0)
        return NAME_SEG;
    if (*p++ != '.' || parse_uint(&p, part) < 0 || strcmp(p, ".m4s") != 0)
        return NAME_BAD;
    return NAME_PART;
}

/* -- what is there (store lock held) ------------------------------------ */

static uint64_t cur_msn(const hls_store *st)
{
    return st->first_msn + (uint64_t)st->nsegs;
}

/* 1 when the playlist holds part `part` of segment msn (part < 0: all of
 * it) or anything later. */
static int has_locked(const hls_store *st, uint64_t msn, int part)
{
    if (msn < cur_msn(st))
        return 1;
    if (msn > cur_msn(st) || part < 0)
        return 0;
    return st->has_cur && part < st->cur.nparts;
}

/* Detaches the waiters whose request can be answered now (a list). */
static hls_waiter *take_ready_locked(hls_store *st)
{
    hls_waiter *ready = NULL, **pp = &st->waiters;
    while (*pp) {
        hls_waiter *w = *pp;
        if (has_locked(st, w->msn, w->part)) {
            *pp = w->next;
            w->armed = 0;
            w->next = ready;
            ready = w;
        } else {
            pp = &w->next;
        }
    }
    return ready;
}

static void wake_all(hls_waiter *w)
{
    while (w) {
        hls_waiter *next = w->next; /* w may be gone once woken */
        w->next = NULL;
        w->wake(w);
        w = next;
    }
}

static void arm_locked(hls_store *st, hls_waiter *w, uint64_t msn, int part)
{
    w->msn = msn;
    w->part = part;
    w->armed = 1;
    w->next = st->waiters;
    st->waiters = w;
}

int hls_store_cancel(hls_store *st, hls_waiter *w)
{
    int was = 0;
    pthread_mutex_lock(&st->lock);
    /* a woken or cancelled waiter is unlinked and disarmed together: only
     * an armed one needs the walk (called again at the request's end) */
    for (hls_waiter **pp = &st->waiters; w->armed && *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            w->next = NULL;
            w->armed = 0;
            was = 1;
            break;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return was;
}

/* -- reads ------------------------------------------------------------------ */

int hls_store_playlist(hls_store *st, int64_t msn, int part, hls_waiter *w, relay_blob **out)
{
    int ret;
    *out = NULL;
    pthread_mutex_lock(&st->lock);
    if (!st->playlist) {
        ret = HLS_NOT_FOUND;
    } else if (msn < 0 || has_locked(st, (uint64_t)msn, part)) {
        if (msn < 0 || part <= 0) /* a blocking player: once per segment */
            st->hits++;
        *out = relay_blob_ref(st->playlist);
        ret = HLS_READY;
    } else if ((uint64_t)msn > cur_msn(st) + 1 || /* last segment + 2 (6.2.5.2) */
               ((uint64_t)msn == cur_msn(st) && part > st->cur.nparts * st->has_cur + 2)) {
        ret = HLS_TOO_FAR;
    } else {
        if (w)
            arm_locked(st, w, (uint64_t)msn, part);
        ret = HLS_WAIT;
    }
    pthread_mutex_unlock(&st->lock);
    return ret;
}

static relay_blob *init_locked(hls_store *st, int epoch)
{
    for (int i = 0; i < st->ninits; i++)
        if (st->init_epoch[i] == epoch)
            return st->inits[i];
    return NULL;
}

static const hls_seg *seg_locked(hls_store *st, int epoch, int n)
{
    for (int i = 0; i < st->nsegs; i++)
        if (st->segs[i].epoch == epoch && st->segs[i].n == n)
            return &st->segs[i];
    if (st->has_cur && st->cur.epoch == epoch && st->cur.n == n)
        return &st->cur;
    return NULL;
}

int hls_store_media(hls_store *st, const char *name, hls_waiter *w, relay_blob **out, const char **mime)
{
    int epoch, n, part, ret = HLS_NOT_FOUND;
    relay_blob *b = NULL;
    *out = NULL;
    *mime = mime_of(name);
    int kind = parse_name(name, &epoch, &n, &part);
    if (kind == NAME_BAD)
        return HLS_NOT_FOUND;
    pthread_mutex_lock(&st->lock);
    const hls_seg *s = kind == NAME_INIT ? NULL : seg_locked(st, epoch, n);
    if (kind == NAME_INIT)
        b = init_locked(st, epoch);
    else if (s && kind == NAME_SEG)
        b = s->data; /* NULL while in progress */
    else if (s && part < s->nparts)
        b = s->parts[part].data;
    if (b) {
        *out = relay_blob_ref(b);
        ret = HLS_READY;
    } else if (kind == NAME_PART && epoch == st->live_epoch) {
        /* the preload hint: the next part of the segment in progress, or
         * the first of the next segment */
        const hls_seg *last = st->nsegs ? &st->segs[st->nsegs - 1] : NULL;
        int next_n = st->has_cur ? st->cur.n : last && last->epoch == epoch ? last->n + 1 : 0;
        int next_p = st->has_cur ? st->cur.nparts : 0;
        if (n == next_n && part == next_p) {
            if (w)
                arm_locked(st, w, cur_msn(st), part);
            ret = HLS_WAIT;
        }
    }
    pthread_mutex_unlock(&st->lock);
    return ret;
}

int hls_store_request(hls_store *st, const char *name, int64_t msn, int part, hls_waiter *w, relay_blob **out,
                      const char **mime)
{
    if (strcmp(name, "index.m3u8") == 0) {
        *mime = mime_of(name);
        return hls_store_playlist(st, msn, part, w, out);
    }
    return hls_store_media(st, name, w, out, mime);
}

relay_blob *hls_store_get(hls_store *st, const char *name, const char **mime)
{
    relay_blob *b = NULL;
    hls_store_request(st, name, -1, -1, NULL, &b, mime);
    return b;
}

int hls_store_block_ms(hls_store *st)
{
    pthread_mutex_lock(&st->lock);
    int t = st->target < 1 ? 1 : st->target;
    pthread_mutex_unlock(&st->lock);
    return 3 * t * 1000;
}

uint64_t hls_store_playlist_hits(hls_store *st)
{
    pthread_mutex_lock(&st->lock);
    uint64_t h = st->hits;
    pthread_mutex_unlock(&st->lock);
    return h;
}

uint64_t hls_store_segments(hls_store *st)
{
    pthread_mutex_lock(&st->lock);
    uint64_t n = st->published;
    pthread_mutex_unlock(&st->lock);
    return n;
}

/* -- playlist rendering ------------------------------------------------------ */

static void format_pdt(char *out, size_t size, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void render_parts(fl_buf *b, const hls_seg *s)
{
    for (int i = 0; i < s->nparts; i++)
        fl_buf_printf(b, "#EXT-X-PART:DURATION=%.3f,URI=\"%d-%d.%d.m4s\"%s\n", s->parts[i].dur_ms / 1000.0, s->epoch,
                      s->n, i, s->parts[i].independent ? ",INDEPENDENT=YES" : "");
}

/* The playlist of a store (at least one complete segment) into b: the
 * last HLS_WINDOW segments, the parts of those ending within
 * HLS_PART_SPAN target durations of the end and of the segment in
 * progress, then the preload hint. Pure: reads st, writes b. */
static void render_playlist(const hls_store *st, fl_buf *b)
{
    int first = st->nsegs > HLS_WINDOW ? st->nsegs - HLS_WINDOW : 0;
    uint64_t msn = st->first_msn + (uint64_t)first;
    uint64_t disc = st->disc_seq;
    for (int i = 1; i <= first; i++)
        if (st->segs[i].epoch != st->segs[i - 1].epoch)
            disc++;
    /* segments from parts_from on list their parts */
    int parts_from = st->nsegs, span_ms = st->has_cur ? st->cur.dur_ms : 0;
    while (parts_from > first && span_ms < HLS_PART_SPAN * st->target * 1000)
        span_ms += st->segs[--parts_from].dur_ms;
    char pdt[48];
    int independent = !st->has_cur || st->cur.nparts == 0 || st->cur.parts[0].independent;
    for (int i = first; i < st->nsegs; i++)
        independent = independent && st->segs[i].nparts > 0 && st->segs[i].parts[0].independent;
    fl_buf_printf(b,
                  "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n"
                  "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=%.3f\n"
                  "#EXT-X-PART-INF:PART-TARGET=%.3f\n"
                  "#EXT-X-MEDIA-SEQUENCE:%llu\n#EXT-X-DISCONTINUITY-SEQUENCE:%llu\n%s",
                  st->target, 3 * HLS_PART_TARGET_MS / 1000.0, HLS_PART_TARGET_MS / 1000.0, (unsigned long long)msn,
                  (unsigned long long)disc, independent ? "#EXT-X-INDEPENDENT-SEGMENTS\n" : "");
    int prev_epoch = 0;
    for (int i = first; i <= st->nsegs; i++) {
        const hls_seg *s = i < st->nsegs ? &st->segs[i] : st->has_cur ? &st->cur : NULL;
        if (!s || (i == st->nsegs && s->nparts == 0))
            break;
        if (i > first && s->epoch != prev_epoch)
            fl_buf_printf(b, "#EXT-X-DISCONTINUITY\n");
        if (i == first || s->epoch != prev_epoch)
            fl_buf_printf(b, "#EXT-X-MAP:URI=\"%d-init.mp4\"\n", s->epoch);
        prev_epoch = s->epoch;
        if (s->pdt_ms) {
            format_pdt(pdt, sizeof(pdt), s->pdt_ms);
            fl_buf_printf(b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", pdt);
        }
        if (i >= parts_from)
            render_parts(b, s);
        if (i < st->nsegs)
            fl_buf_printf(b, "#EXTINF:%.3f,\n%d-%d.m4s\n", s->dur_ms / 1000.0, s->epoch, s->n);
    }
    /* the next part, if this epoch goes on */
    if (st->has_cur && st->cur.epoch == st->live_epoch && st->cur.nparts > 0)
        fl_buf_printf(b, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"%d-%d.%d.m4s\"\n", st->cur.epoch, st->cur.n,
                      st->cur.nparts);
    else if (!st->has_cur && st->segs[st->nsegs - 1].epoch == st->live_epoch)
        fl_buf_printf(b, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"%d-%d.0.m4s\"\n", st->segs[st->nsegs - 1].epoch,
                      st->segs[st->nsegs - 1].n + 1);
}

/* After every change: the target duration, the playlist, the waiters that
 * can go. Returns those (wake them once the lock is dropped). */
static hls_waiter *changed_locked(hls_store *st)
{
    if (st->target < 1)
        st->target = 1;
    int first = st->nsegs > HLS_WINDOW ? st->nsegs - HLS_WINDOW : 0;
    for (int i = first; i < st->nsegs; i++)
        if ((st->segs[i].dur_ms + 500) / 1000 > st->target)
            st->target = (st->segs[i].dur_ms + 500) / 1000;
    if (st->nsegs > 0) {
        fl_buf b;
        fl_buf_init(&b, 2048, HLS_PLAYLIST_MAX);
        render_playlist(st, &b);
        relay_blob_unref(st->playlist);
        st->playlist = relay_blob_new(b.p, b.len);
        fl_buf_free(&b);
    }
    return take_ready_locked(st);
}

/* -- writes (media worker) --------------------------------------------------- */

static void drop_unused_inits_locked(hls_store *st)
{
    for (int i = 0; i < st->ninits;) {
        int used = st->init_epoch[i] == st->live_epoch || (st->has_cur && st->cur.epoch == st->init_epoch[i]);
        for (int j = 0; j < st->nsegs && !used; j++)
            used = st->segs[j].epoch == st->init_epoch[i];
        if (used) {
            i++;
            continue;
        }
        relay_blob_unref(st->inits[i]);
        memmove(&st->inits[i], &st->inits[i + 1], (size_t)(st->ninits - i - 1) * sizeof(st->inits[0]));
        memmove(&st->init_epoch[i], &st->init_epoch[i + 1], (size_t)(st->ninits - i - 1) * sizeof(st->init_epoch[0]));
        st->ninits--;
    }
}

/* A new epoch's init segment (takes b); the epoch is live from now on. */
static void store_init(hls_store *st, int epoch, relay_blob *b)
{
    pthread_mutex_lock(&st->lock);
    st->live_epoch = epoch;
    drop_unused_inits_locked(st);
    if (st->ninits == HLS_KEEP + 2) { /* cannot be: every kept segment from another epoch */
        relay_blob_unref(st->inits[0]);
        memmove(&st->inits[0], &st->inits[1], (HLS_KEEP + 1) * sizeof(st->inits[0]));
        memmove(&st->init_epoch[0], &st->init_epoch[1], (HLS_KEEP + 1) * sizeof(st->init_epoch[0]));
        st->ninits--;
    }
    st->inits[st->ninits] = b;
    st->init_epoch[st->ninits++] = epoch;
    pthread_mutex_unlock(&st->lock);
}

/* Closes the segment in progress: its bytes are its parts'. Lock held. */
static void close_segment_locked(hls_store *st)
{
    hls_seg *c = &st->cur;
    size_t len = 0, off = 0;
    for (int i = 0; i < c->nparts; i++)
        len += c->parts[i].data->len;
    uint8_t *bytes = fl_malloc(len ? len : 1);
    c->dur_ms = 0;
    for (int i = 0; i < c->nparts; i++) {
        memcpy(bytes + off, c->parts[i].data->data, c->parts[i].data->len);
        off += c->parts[i].data->len;
        c->dur_ms += c->parts[i].dur_ms;
    }
    c->data = relay_blob_new(bytes, len);
    fl_free(bytes);
    if (st->nsegs == HLS_KEEP) {
        if (st->segs[0].epoch != st->segs[1].epoch)
            st->disc_seq++;
        seg_clear(&st->segs[0]);
        memmove(&st->segs[0], &st->segs[1], (HLS_KEEP - 1) * sizeof(st->segs[0]));
        st->nsegs--;
        st->first_msn++;
    }
    st->segs[st->nsegs++] = *c;
    memset(c, 0, sizeof(*c));
    st->has_cur = 0;
    st->published++;
    drop_unused_inits_locked(st);
}

/* Publishes part (takes data) of segment n of epoch; a new n starts a
 * segment dated pdt_ms. last: the part ends the segment. */
static void store_part(hls_store *st, int epoch, int n, int64_t pdt_ms, relay_blob *data, int dur_ms, int independent,
                       int last)
{
    pthread_mutex_lock(&st->lock);
    hls_seg *c = &st->cur;
    if (st->has_cur && (c->epoch != epoch || c->n != n)) /* cannot be: the mux closes them */
        close_segment_locked(st);
    if (!st->has_cur) {
        memset(c, 0, sizeof(*c));
        c->epoch = epoch;
        c->n = n;
        c->pdt_ms = pdt_ms;
        st->has_cur = 1;
    }
    c->parts[c->nparts++] = (hls_part){data, dur_ms, independent};
    c->dur_ms += dur_ms;
    if (last || c->nparts == HLS_PARTS)
        close_segment_locked(st);
    hls_waiter *ready = changed_locked(st);
    pthread_mutex_unlock(&st->lock);
    wake_all(ready);
}

/* The epoch ended: no part will follow (the preload hint goes). */
static void store_epoch_end(hls_store *st, int epoch)
{
    pthread_mutex_lock(&st->lock);
    if (st->has_cur && st->cur.epoch == epoch && st->cur.nparts > 0)
        close_segment_locked(st);
    if (st->live_epoch == epoch)
        st->live_epoch = 0;
    hls_waiter *ready = changed_locked(st);
    pthread_mutex_unlock(&st->lock);
    wake_all(ready);
}

/* -- the muxer ------------------------------------------------------------------ */

/* Ends the part being written at media time end_ms: the muxer flushes its
 * fragment, whose bytes become the part. seg_end: the segment ends too. */
static int cut(hls_mux *m, int64_t end_ms, int seg_end)
{
    int ret = av_write_frame(m->oc, NULL);
    avio_flush(m->pb);
    if (ret < 0)
        return ret;
    if (m->out.overflow)
        return AVERROR(ENOMEM);
    if (m->out.len > 0) {
        int last = seg_end || m->nparts + 1 == HLS_PARTS;
        int dur = (int)(end_ms - m->part_start);
        store_part(m->st, m->epoch, m->seg_n, m->wall0_ms + m->seg_start, relay_blob_new(m->out.p, m->out.len),
                   dur > 0 ? dur : 1, m->part_key, last);
        m->out.len = 0;
        m->nparts++;
        if (last) {
            m->seg_n++;
            m->nparts = 0;
        }
    }
    m->part_open = 0;
    return 0;
}

hls_mux *hls_mux_open(hls_store *st, const relay_media_params *p, const char *live_id)
{
    int ret;
    hls_mux *m = fl_calloc(1, sizeof(*m));
    AVDictionary *opts = NULL;
    m->st = st;
    pthread_mutex_lock(&st->lock);
    m->epoch = ++st->epochs;
    pthread_mutex_unlock(&st->lock);

    if ((ret = avformat_alloc_output_context2(&m->oc, NULL, "mp4", NULL)) < 0)
        goto end;
    if (!(m->pb = relay_membuf_avio(&m->out, HLS_OUT_MAX))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    m->oc->pb = m->pb;
    m->oc->flags |= AVFMT_FLAG_CUSTOM_IO;
    if ((ret = relay_media_add_streams(m->oc, p)) < 0)
        goto end;
    m->has_video = p->avcc != NULL;
    m->has_audio = p->asc != NULL;
    av_dict_set(&opts, "movflags", "frag_custom+empty_moov+default_base_moof+skip_trailer", 0);
    if ((ret = avformat_write_header(m->oc, &opts)) < 0)
        goto end;
    m->header_written = 1;
    avio_flush(m->pb);
    if (m->out.overflow || m->out.len == 0) {
        ret = AVERROR(EIO);
        goto end;
    }
    store_init(st, m->epoch, relay_blob_new(m->out.p, m->out.len));
    m->out.len = 0;
end:
    av_dict_free(&opts);
    if (ret < 0) {
        fl_log(FL_LOG_ERROR, "hls_open", "live %s: %s", live_id, av_err2str(ret));
        hls_mux_close(m);
        return NULL;
    }
    return m;
}

int hls_mux_write(hls_mux *m, AVPacket *pkt)
{
    int ret = 0;
    int si = relay_media_stream_index(m->has_video, m->has_audio, pkt->stream_index);
    if (si < 0)
        goto out;
    const AVStream *s = m->oc->streams[si];
    int video = s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
    int lead = video || !m->has_video; /* the track whose frames time the parts */
    int key = video ? (pkt->flags & AV_PKT_FLAG_KEY) != 0 : !m->has_video;
    if (!m->started) {
        if (!key) /* the epoch starts at a keyframe */
            goto out;
        m->started = 1;
        m->base_ms = pkt->dts;
        m->wall0_ms = av_gettime() / 1000;
    }
    if (pkt->dts < m->base_ms) /* audio from before the first keyframe */
        goto out;
    int64_t t = pkt->dts - m->base_ms;
    if (lead) {
        int64_t end = t + (pkt->duration > 0 ? pkt->duration : 0);
        int seg_end = m->part_open && (video ? key || t - m->seg_start >= HLS_SEGMENT_MAX_MS
                                             : t - m->seg_start >= HLS_AUDIO_SEGMENT_MS);
        if (m->part_open && (seg_end || end - m->part_start > HLS_PART_TARGET_MS) && (ret = cut(m, t, seg_end)) < 0)
            goto out;
        if (!m->part_open) {
            m->part_open = 1;
            m->part_key = key;
            m->part_start = t;
            if (m->nparts == 0)
                m->seg_start = t;
        }
        m->last_end = end;
    }
    pkt->stream_index = si;
    pkt->dts -= m->base_ms;
    pkt->pts -= m->base_ms;
    av_packet_rescale_ts(pkt, (AVRational){1, 1000}, s->time_base);
    ret = av_write_frame(m->oc, pkt);
out:
    av_packet_unref(pkt);
    return ret;
}

void hls_mux_close(hls_mux *m)
{
    if (!m)
        return;
    if (m->header_written) {
        if (m->part_open)
            cut(m, m->last_end, 1);
        av_write_trailer(m->oc);
    }
    if (m->pb)
        store_epoch_end(m->st, m->epoch);
    relay_membuf_avio_free(&m->pb);
    avformat_free_context(m->oc);
    relay_membuf_free(&m->out);
    fl_free(m);
}

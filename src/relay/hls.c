/* hls.c - HLS with fMP4 segments, written by libavformat into memory.
 *
 * The playlist's URL is "mem:index.m3u8": an unknown protocol, so the muxer
 * does not treat it as a local file (temp file + rename).
 *
 *   media worker                      hls_mux (one per publish epoch)
 *   AVPacket --> av_interleaved_write_frame --> hls muxer (hls_time 1,
 *   fmp4, program_date_time) --io_open/io_close2--> dyn buffers
 *        |  "E-init.mp4", "E-N.m4s": staged until the muxer's own playlist
 *        |  names them, then published with its EXTINF and PROGRAM-DATE-TIME
 *        v
 *   hls_store (per stream, mutex): window of segments over all epochs;
 *   renders index.m3u8 itself, so a takeover keeps one playlist with
 *   EXT-X-DISCONTINUITY / a new EXT-X-MAP, and numbering carries on.
 *
 * Segments and playlists are relay_blobs: HTTP threads take a reference
 * and serve them without copying. The muxer's playlist is parsed, never
 * served. Nothing touches the file system.
 *
 * Latency: a segment is published inside the av_interleaved_write_frame
 * call that hands the muxer the keyframe closing it (the muxer cuts on
 * that keyframe, writes the segment, then its playlist). hls_mux_write
 * flushes the interleaving queue after each video keyframe, which would
 * otherwise keep that keyframe until a packet of the other track arrives.
 *
 * EXT-X-TARGETDURATION is the largest EXTINF rounded to the nearest
 * integer (RFC 8216 4.3.3.1), at least 1, and never decreases for a store
 * (6.2.1: it must not change; it can only grow when a takeover brings
 * longer segments). Players hold back a multiple of it (hls.js: 3), so
 * rounding up 1.001 s segments to 2 would double their delay. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/opt.h>

#include "farmlive/alloc.h"
#include "farmlive/buf.h"
#include "farmlive/log.h"
#include "farmlive/relay_hls.h"

#define HLS_WINDOW 6 /* segments in the playlist */
#define HLS_KEEP 12  /* segments kept in memory (late fetches) */
#define HLS_STAGED 8 /* closed by the muxer, not yet in its playlist */
#define HLS_OPEN 4   /* AVIOContexts open at once */
#define HLS_NAME 48
#define HLS_PLAYLIST_MAX (64 * 1024) /* a window of 6 segments needs ~1 KB */

typedef struct hls_seg {
    char name[HLS_NAME];
    relay_blob *data;
    int epoch;
    double dur;
    char pdt[48];
} hls_seg;

struct hls_store {
    pthread_mutex_t lock;
    hls_seg segs[HLS_KEEP]; /* oldest first */
    int nsegs;
    uint64_t first_msn; /* media sequence of segs[0] */
    uint64_t disc_seq;  /* discontinuities before segs[0] */
    relay_blob *inits[HLS_KEEP + 1];
    int init_epoch[HLS_KEEP + 1];
    int ninits;
    relay_blob *playlist; /* rendered on every change */
    int target;           /* EXT-X-TARGETDURATION so far, s */
    int epochs;           /* last epoch number handed out */
    uint64_t hits, published;
    /* worker only: segments written but not yet named by a playlist */
    hls_seg staged[HLS_STAGED];
    int nstaged;
};

struct hls_mux {
    AVFormatContext *oc;
    hls_store *st;
    int epoch;
    int header_written;
    struct {
        AVIOContext *pb;
        char name[HLS_NAME];
    } open[HLS_OPEN];
};

hls_store *hls_store_new(void)
{
    hls_store *st = fl_calloc(1, sizeof(*st));
    pthread_mutex_init(&st->lock, NULL);
    /* epochs name segments: start from the clock so a relay restart never
     * reuses a name a CDN may have cached for a day */
    st->epochs = (int)((time(NULL) - 1577836800) & 0x3fffffff);
    return st;
}

void hls_store_free(hls_store *st)
{
    if (!st)
        return;
    for (int i = 0; i < st->nsegs; i++)
        relay_blob_unref(st->segs[i].data);
    for (int i = 0; i < st->nstaged; i++)
        relay_blob_unref(st->staged[i].data);
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

relay_blob *hls_store_get(hls_store *st, const char *name, const char **mime)
{
    relay_blob *b = NULL;
    *mime = mime_of(name);
    pthread_mutex_lock(&st->lock);
    if (strcmp(name, "index.m3u8") == 0) {
        st->hits++;
        if (st->playlist)
            b = relay_blob_ref(st->playlist);
    } else {
        for (int i = 0; i < st->nsegs && !b; i++)
            if (strcmp(st->segs[i].name, name) == 0)
                b = relay_blob_ref(st->segs[i].data);
        char want[HLS_NAME];
        for (int i = 0; i < st->ninits && !b; i++) {
            snprintf(want, sizeof(want), "%d-init.mp4", st->init_epoch[i]);
            if (strcmp(want, name) == 0)
                b = relay_blob_ref(st->inits[i]);
        }
    }
    pthread_mutex_unlock(&st->lock);
    return b;
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

/* -- playlist rendering (store lock held) ------------------------------- */


static void render_locked(hls_store *st)
{
    int first = st->nsegs > HLS_WINDOW ? st->nsegs - HLS_WINDOW : 0;
    uint64_t msn = st->first_msn + (uint64_t)first;
    uint64_t disc = st->disc_seq;
    for (int i = 1; i <= first; i++)
        if (st->segs[i].epoch != st->segs[i - 1].epoch)
            disc++;
    if (st->target < 1)
        st->target = 1;
    for (int i = first; i < st->nsegs; i++)
        if (lround(st->segs[i].dur) > st->target)
            st->target = (int)lround(st->segs[i].dur);
    fl_buf b;
    fl_buf_init(&b, 1024, HLS_PLAYLIST_MAX);
    fl_buf_printf(&b,
              "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n"
              "#EXT-X-MEDIA-SEQUENCE:%llu\n#EXT-X-DISCONTINUITY-SEQUENCE:%llu\n"
              "#EXT-X-INDEPENDENT-SEGMENTS\n",
              st->target, (unsigned long long)msn, (unsigned long long)disc);
    for (int i = first; i < st->nsegs; i++) {
        const hls_seg *s = &st->segs[i];
        int new_epoch = i == first || s->epoch != st->segs[i - 1].epoch;
        if (i > first && new_epoch)
            fl_buf_printf(&b, "#EXT-X-DISCONTINUITY\n");
        if (new_epoch)
            fl_buf_printf(&b, "#EXT-X-MAP:URI=\"%d-init.mp4\"\n", s->epoch);
        if (s->pdt[0])
            fl_buf_printf(&b, "#EXT-X-PROGRAM-DATE-TIME:%s\n", s->pdt);
        fl_buf_printf(&b, "#EXTINF:%.3f,\n%s\n", s->dur, s->name);
    }
    relay_blob_unref(st->playlist);
    st->playlist = relay_blob_new(b.p, b.len);
    fl_buf_free(&b);
}

static void drop_unused_inits_locked(hls_store *st)
{
    for (int i = 0; i < st->ninits;) {
        int used = st->init_epoch[i] == st->epochs;
        for (int j = 0; j < st->nsegs && !used; j++)
            used = st->segs[j].epoch == st->init_epoch[i];
        if (used) {
            i++;
            continue;
        }
        relay_blob_unref(st->inits[i]);
        memmove(&st->inits[i], &st->inits[i + 1],
                (size_t)(st->ninits - i - 1) * sizeof(st->inits[0]));
        memmove(&st->init_epoch[i], &st->init_epoch[i + 1],
                (size_t)(st->ninits - i - 1) * sizeof(st->init_epoch[0]));
        st->ninits--;
    }
}

/* Moves a staged segment into the window (takes its blob). */
static void publish_segment(hls_store *st, hls_seg *seg)
{
    pthread_mutex_lock(&st->lock);
    if (st->nsegs == HLS_KEEP) {
        if (st->segs[0].epoch != st->segs[1].epoch)
            st->disc_seq++;
        relay_blob_unref(st->segs[0].data);
        memmove(&st->segs[0], &st->segs[1], (HLS_KEEP - 1) * sizeof(st->segs[0]));
        st->nsegs--;
        st->first_msn++;
    }
    st->segs[st->nsegs++] = *seg;
    st->published++;
    drop_unused_inits_locked(st);
    render_locked(st);
    pthread_mutex_unlock(&st->lock);
}

static void store_init(hls_store *st, int epoch, relay_blob *b)
{
    pthread_mutex_lock(&st->lock);
    if (st->ninits == HLS_KEEP + 1) { /* every kept segment from another epoch: cannot be */
        relay_blob_unref(st->inits[0]);
        memmove(&st->inits[0], &st->inits[1], HLS_KEEP * sizeof(st->inits[0]));
        memmove(&st->init_epoch[0], &st->init_epoch[1], HLS_KEEP * sizeof(st->init_epoch[0]));
        st->ninits--;
    }
    st->inits[st->ninits] = b;
    st->init_epoch[st->ninits++] = epoch;
    pthread_mutex_unlock(&st->lock);
}

/* The muxer rewrote its playlist: every staged segment it names gets its
 * duration and date and goes live. Lines: [#EXT-X-DISCONTINUITY]
 * #EXTINF:d, [#EXT-X-PROGRAM-DATE-TIME:t] uri. */
static void on_muxer_playlist(hls_store *st, const char *text, size_t len)
{
    double dur = 0;
    char pdt[48] = "";
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        char line[256];
        if (n >= sizeof(line))
            n = sizeof(line) - 1;
        memcpy(line, p, n);
        line[n] = 0;
        p = nl ? nl + 1 : end;
        if (strncmp(line, "#EXTINF:", 8) == 0) {
            dur = strtod(line + 8, NULL);
        } else if (strncmp(line, "#EXT-X-PROGRAM-DATE-TIME:", 25) == 0) {
            size_t k = strnlen(line + 25, sizeof(pdt) - 1);
            memcpy(pdt, line + 25, k);
            pdt[k] = 0;
        } else if (line[0] && line[0] != '#') {
            for (int i = 0; i < st->nstaged; i++) {
                if (strcmp(st->staged[i].name, line) != 0)
                    continue;
                hls_seg seg = st->staged[i];
                seg.dur = dur;
                snprintf(seg.pdt, sizeof(seg.pdt), "%s", pdt);
                memmove(&st->staged[i], &st->staged[i + 1],
                        (size_t)(st->nstaged - i - 1) * sizeof(st->staged[0]));
                st->nstaged--;
                publish_segment(st, &seg);
                break;
            }
            dur = 0;
            pdt[0] = 0;
        }
    }
}

/* -- the muxer's I/O ----------------------------------------------------- */

static const char *base_name(const char *url)
{
    const char *s = strrchr(url, '/');
    if (s)
        return s + 1;
    return strncmp(url, "mem:", 4) == 0 ? url + 4 : url;
}

static int io_open(AVFormatContext *s, AVIOContext **pb, const char *url, int flags,
                   AVDictionary **options)
{
    (void)options;
    hls_mux *m = s->opaque;
    if (!(flags & AVIO_FLAG_WRITE))
        return AVERROR(EPERM);
    for (int i = 0; i < HLS_OPEN; i++) {
        if (m->open[i].pb)
            continue;
        int ret = avio_open_dyn_buf(pb);
        if (ret < 0)
            return ret;
        m->open[i].pb = *pb;
        snprintf(m->open[i].name, sizeof(m->open[i].name), "%s", base_name(url));
        return 0;
    }
    return AVERROR(EMFILE);
}

static int io_close2(AVFormatContext *s, AVIOContext *pb)
{
    hls_mux *m = s->opaque;
    hls_store *st = m->st;
    int slot = -1;
    for (int i = 0; i < HLS_OPEN; i++)
        if (m->open[i].pb == pb)
            slot = i;
    uint8_t *buf = NULL;
    int len = avio_close_dyn_buf(pb, &buf);
    if (slot < 0 || len < 0) {
        av_free(buf);
        return 0;
    }
    const char *name = m->open[slot].name;
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, ".m3u8") == 0) {
        on_muxer_playlist(st, (const char *)buf, (size_t)len);
    } else if (n > 9 && strcmp(name + n - 9, "-init.mp4") == 0) {
        store_init(st, m->epoch, relay_blob_new(buf, (size_t)len));
    } else if (len > 0) {
        if (st->nstaged == HLS_STAGED) { /* never named: drop the oldest */
            relay_blob_unref(st->staged[0].data);
            memmove(&st->staged[0], &st->staged[1], (HLS_STAGED - 1) * sizeof(st->staged[0]));
            st->nstaged--;
        }
        hls_seg *seg = &st->staged[st->nstaged++];
        memset(seg, 0, sizeof(*seg));
        snprintf(seg->name, sizeof(seg->name), "%s", name);
        seg->data = relay_blob_new(buf, (size_t)len);
        seg->epoch = m->epoch;
    }
    av_free(buf);
    m->open[slot].pb = NULL;
    return 0;
}

/* -- the muxer ----------------------------------------------------------- */

hls_mux *hls_mux_open(hls_store *st, const relay_media_params *p, const char *live_id)
{
    int ret;
    hls_mux *m = fl_calloc(1, sizeof(*m));
    AVDictionary *opts = NULL;
    char name[64];
    m->st = st;
    pthread_mutex_lock(&st->lock);
    m->epoch = ++st->epochs;
    pthread_mutex_unlock(&st->lock);

    if ((ret = avformat_alloc_output_context2(&m->oc, NULL, "hls", "mem:index.m3u8")) < 0)
        goto end;
    m->oc->opaque = m;
    m->oc->io_open = io_open;
    m->oc->io_close2 = io_close2;
    if ((ret = relay_media_add_streams(m->oc, p)) < 0)
        goto end;
    av_dict_set(&opts, "hls_time", "1", 0);
    av_dict_set(&opts, "hls_list_size", "6", 0);
    av_dict_set(&opts, "hls_segment_type", "fmp4", 0);
    av_dict_set(&opts, "hls_flags", "program_date_time+independent_segments", 0);
    snprintf(name, sizeof(name), "%d-init.mp4", m->epoch);
    av_dict_set(&opts, "hls_fmp4_init_filename", name, 0);
    snprintf(name, sizeof(name), "%d-%%d.m4s", m->epoch);
    av_dict_set(&opts, "hls_segment_filename", name, 0);
    if ((ret = avformat_write_header(m->oc, &opts)) < 0)
        goto end;
    m->header_written = 1;
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
    if (pkt->stream_index >= (int)m->oc->nb_streams) {
        av_packet_unref(pkt);
        return 0;
    }
    const AVStream *vs = m->oc->streams[pkt->stream_index];
    int key = vs->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && (pkt->flags & AV_PKT_FLAG_KEY);
    av_packet_rescale_ts(pkt, (AVRational){1, 1000}, vs->time_base);
    int ret = av_interleaved_write_frame(m->oc, pkt);
    if (ret >= 0 && key) /* to the muxer now: it closes the segment */
        ret = av_interleaved_write_frame(m->oc, NULL);
    return ret;
}

void hls_mux_close(hls_mux *m)
{
    if (!m)
        return;
    if (m->oc) {
        if (m->header_written)
            av_write_trailer(m->oc);
        for (int i = 0; i < HLS_OPEN; i++)
            if (m->open[i].pb)
                io_close2(m->oc, m->open[i].pb);
        avformat_free_context(m->oc);
    }
    fl_free(m);
}

/* record.c - one recording per live session (fragmented MP4 segments and
 * a VOD playlist, relay_record.h), its listing, and retention.
 *
 *   media worker                  relay_rec (one per session)
 *   relay_rec_write(p, pkt) --> new codecs? (at a keyframe) --> new muxer:
 *                                 |  init-K.mp4, EXT-X-DISCONTINUITY next
 *                                 v
 *                         keyframe after RELAY_REC_SEGMENT_MS? --> cut:
 *                                 |  av_write_frame(NULL) = one fragment
 *                                 |  = seg-N.m4s; index.m3u8 + info.json
 *                                 v  rewritten (write beside, rename)
 *                         av_write_frame --> mp4 muxer (frag_custom,
 *                                 empty_moov, default_base_moof) --> memory
 *
 * Start: until both tracks' codecs are known, or REC_WAIT_MS of media went
 * by, packets are held, so that an audio header 2 s after the video does
 * not make a video-only first init (players keep the tracks of the first).
 *
 * Times: packets carry the session's normalized times (tsnorm.c: from 0,
 * on across reconnects), so one muxer lasts while the codecs do; each
 * muxer's media time starts at its first packet, and each of its segments
 * is as long as its packets say, so the playlist's duration is the
 * content's, with no empty edit. A write that fails stops the recording
 * (the disk is full, most likely): logged once, and nothing more is tried.
 *
 * Retention: a thread sweeping every RETENTION_EVERY_S seconds, and when
 * a recording finishes (relay_rec_close kicks it). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "farmlive/alloc.h"
#include "farmlive/buf.h"
#include "farmlive/log.h"
#include "farmlive/relay_record.h"

#define REC_PATH 1100
#define REC_OUT_MAX (64u << 20) /* bytes of one segment held in memory */
#define REC_PLAYLIST_MAX (8u << 20)
#define RETENTION_EVERY_S 60
#define REC_WAIT_MS 3000 /* a new recording waits this long for a track's codec to come late */
#define REC_PENDING_MAX 256

struct relay_rec {
    char dir[REC_PATH];
    char live_id[65];
    char started[32]; /* UTC, ISO 8601 */
    int stopped;
    /* the muxer of the current codecs */
    AVFormatContext *oc;
    AVIOContext *pb;
    relay_media_params params;          /* its codecs (a copy) */
    relay_membuf out;                   /* its output since the last cut */
    int64_t base;                       /* its media time 0, session ms */
    int64_t seg_start;                  /* first packet of the open segment, session ms; -1 none */
    int64_t seg_end;                    /* end of its last packet */
    int new_init;                       /* the next segment is the first of init ninit - 1 */
    int inband;                         /* its first keyframe is yet to come: SPS / PPS go in-band */
    int waited;                         /* a first muxer was opened (no more waiting) */
    AVPacket *pending[REC_PENDING_MAX]; /* held while waiting */
    int npending;
    relay_media_params wait_params; /* their codecs */
    /* what is written */
    int ninit, nseg;
    double duration, target; /* s: sum, longest (rounded up) */
    uint64_t size;
    fl_buf body; /* the playlist after its header */
};

int relay_live_id_valid(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return n > 0 && n <= 64;
}

static int make_dir(const char *path)
{
    return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* -- files (write beside, rename) ------------------------------------------ */

static int write_file(const char *dir, const char *name, const void *p, size_t len)
{
    char tmp[REC_PATH + 80], path[REC_PATH + 80];
    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), ret = 0;
    if (fd < 0)
        return -1;
    for (const uint8_t *b = p; len > 0 && ret == 0;) {
        ssize_t w = write(fd, b, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ret = -1;
            break;
        }
        b += w;
        len -= (size_t)w;
    }
    if (close(fd) < 0)
        ret = -1;
    if (ret == 0 && rename(tmp, path) < 0)
        ret = -1;
    if (ret < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
    }
    return ret;
}

static void stop(relay_rec *r, const char *what)
{
    if (!r->stopped)
        fl_log(FL_LOG_ERROR, "record_stopped", "live %s: recording stopped (%s: %s); the live outputs go on",
               r->live_id, what, strerror(errno));
    r->stopped = 1;
}

/* index.m3u8 and info.json as they stand. finished: the session ended. */
static int write_index(relay_rec *r, int finished)
{
    fl_buf b;
    char *info;
    int ret;
    fl_buf_init(&b, 512 + r->body.len, REC_PLAYLIST_MAX);
    fl_buf_printf(&b,
                  "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n"
                  "#EXT-X-PLAYLIST-TYPE:%s\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n",
                  r->target > 0 ? (int)r->target : RELAY_REC_SEGMENT_MS / 1000, finished ? "VOD" : "EVENT");
    fl_buf_printf(&b, "%.*s", (int)r->body.len, r->body.p ? r->body.p : "");
    if (finished)
        fl_buf_printf(&b, "#EXT-X-ENDLIST\n");
    ret = b.truncated ? -1 : write_file(r->dir, "index.m3u8", b.p, b.len);
    fl_buf_free(&b);
    json_t *j = json_pack("{s:s, s:s, s:f, s:I, s:i, s:i, s:b}", "live_id", r->live_id, "started", r->started,
                          "duration_s", r->duration, "size", (json_int_t)r->size, "segments", r->nseg, "inits",
                          r->ninit, "finished", finished);
    info = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (ret == 0 && (!info || write_file(r->dir, "info.json", info, strlen(info)) < 0))
        ret = -1;
    free(info);
    return ret;
}

/* A recording of an earlier relay run for this session: carry it on. */
static void resume(relay_rec *r)
{
    char path[REC_PATH + 32];
    snprintf(path, sizeof(path), "%s/info.json", r->dir);
    json_t *j = json_load_file(path, 0, NULL);
    const char *started = json_string_value(json_object_get(j, "started"));
    if (!j || !started)
        goto out;
    snprintf(r->started, sizeof(r->started), "%s", started);
    r->duration = json_number_value(json_object_get(j, "duration_s"));
    r->size = (uint64_t)json_integer_value(json_object_get(j, "size"));
    r->nseg = (int)json_integer_value(json_object_get(j, "segments"));
    r->ninit = (int)json_integer_value(json_object_get(j, "inits"));
    snprintf(path, sizeof(path), "%s/index.m3u8", r->dir);
    FILE *f = fopen(path, "r");
    char line[512];
    int in_body = 0;
    while (f && fgets(line, sizeof(line), f)) {
        int d = 0;
        in_body |= strncmp(line, "#EXT-X-MAP:", 11) == 0;
        if (strncmp(line, "#EXTINF:", 8) == 0 && sscanf(line + 8, "%d", &d) == 1 && d + 1 > r->target)
            r->target = d + 1;
        if (in_body && strcmp(line, "#EXT-X-ENDLIST\n") != 0)
            fl_buf_printf(&r->body, "%s", line);
    }
    if (f)
        fclose(f);
    fl_log(FL_LOG_INFO, "record_resume", "live %s: carrying on the recording of %s (%d segments)", r->live_id,
           r->started, r->nseg);
out:
    json_decref(j);
}

relay_rec *relay_rec_open(const char *var_dir, const char *live_id)
{
    char path[REC_PATH];
    relay_rec *r = fl_calloc(1, sizeof(*r));
    time_t now = time(NULL);
    struct tm tm;
    snprintf(r->live_id, sizeof(r->live_id), "%s", live_id);
    gmtime_r(&now, &tm);
    strftime(r->started, sizeof(r->started), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fl_buf_init(&r->body, 4096, REC_PLAYLIST_MAX);
    r->seg_start = -1;
    snprintf(path, sizeof(path), "%s/recordings", var_dir);
    snprintf(r->dir, sizeof(r->dir), "%s/recordings/%s", var_dir, live_id);
    if (make_dir(var_dir) < 0 || make_dir(path) < 0 || make_dir(r->dir) < 0) {
        stop(r, "cannot make its folder");
        return r;
    }
    resume(r);
    if (write_index(r, 0) < 0)
        stop(r, "cannot write its playlist");
    else
        fl_log(FL_LOG_INFO, "record_start", "live %s: %s/index.m3u8", live_id, r->dir);
    return r;
}

int relay_rec_stopped(const relay_rec *r)
{
    return r->stopped;
}

/* -- the muxer ---------------------------------------------------------------- */

static void mux_free(relay_rec *r)
{
    relay_membuf_avio_free(&r->pb);
    avformat_free_context(r->oc);
    r->oc = NULL;
    relay_media_params_clear(&r->params);
    r->out.len = 0;
    r->out.overflow = 0;
}

/* Ends the open segment: the muxer's fragment becomes seg-N.m4s. */
static int cut(relay_rec *r)
{
    char name[32];
    if (r->seg_start < 0 || !r->oc)
        return 0;
    int ret = av_write_frame(r->oc, NULL);
    avio_flush(r->pb);
    double dur = (double)(r->seg_end - r->seg_start) / 1000;
    r->seg_start = -1;
    if (ret < 0 || r->out.overflow || r->out.len == 0)
        return ret < 0 ? ret : AVERROR(EIO); /* nothing to keep: the segment is lost */
    snprintf(name, sizeof(name), "seg-%d.m4s", r->nseg);
    if (write_file(r->dir, name, r->out.p, r->out.len) < 0) {
        stop(r, "cannot write a segment");
        return REC_STOPPED;
    }
    if (r->new_init)
        fl_buf_printf(&r->body, "%s#EXT-X-MAP:URI=\"init-%d.mp4\"\n", r->nseg > 0 ? "#EXT-X-DISCONTINUITY\n" : "",
                      r->ninit - 1);
    r->new_init = 0;
    fl_buf_printf(&r->body, "#EXTINF:%.3f,\n%s\n", dur > 0 ? dur : 0.001, name);
    r->nseg++;
    r->duration += dur;
    r->size += r->out.len;
    if ((int)dur + 1 > r->target)
        r->target = (int)dur + 1;
    r->out.len = 0;
    if (write_index(r, 0) < 0) {
        stop(r, "cannot write its playlist");
        return REC_STOPPED;
    }
    return 0;
}

/* A keyframe with the SPS and PPS of the avcC in front: a player that
 * keeps the decoder of the init before (ffmpeg's HLS demuxer does) still
 * decodes the new codecs. 0, or -1 (pkt left as it was). */
static int prepend_parameter_sets(AVPacket *pkt, const relay_media_params *p)
{
    uint8_t sets[2048];
    int n = relay_avcc_parameter_sets(p->avcc, p->avcc_len, p->avc.nal_length_size, sets, sizeof(sets));
    AVPacket *with = n > 0 ? av_packet_alloc() : NULL;
    if (!with || av_new_packet(with, n + pkt->size) < 0 || av_packet_copy_props(with, pkt) < 0) {
        av_packet_free(&with);
        return -1;
    }
    memcpy(with->data, sets, (size_t)n);
    memcpy(with->data + n, pkt->data, (size_t)pkt->size);
    av_packet_unref(pkt);
    av_packet_move_ref(pkt, with);
    av_packet_free(&with);
    return 0;
}

/* A muxer for the codecs p, its init segment written; first: the session
 * time of its first packet. */
static int mux_open(relay_rec *r, const relay_media_params *p, int64_t first)
{
    int ret;
    char name[32];
    AVDictionary *opts = NULL;
    if ((ret = avformat_alloc_output_context2(&r->oc, NULL, "mp4", NULL)) < 0)
        goto end;
    if (!(r->pb = relay_membuf_avio(&r->out, REC_OUT_MAX))) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    r->oc->pb = r->pb;
    r->oc->flags |= AVFMT_FLAG_CUSTOM_IO;
    if ((ret = relay_media_add_streams(r->oc, p)) < 0)
        goto end;
    av_dict_set(&opts, "movflags", "frag_custom+empty_moov+default_base_moof+skip_trailer", 0);
    if ((ret = avformat_write_header(r->oc, &opts)) < 0)
        goto end;
    avio_flush(r->pb);
    if (r->out.overflow || r->out.len == 0) {
        ret = AVERROR(EIO);
        goto end;
    }
    snprintf(name, sizeof(name), "init-%d.mp4", r->ninit);
    if (write_file(r->dir, name, r->out.p, r->out.len) < 0) {
        stop(r, "cannot write an init segment");
        ret = REC_STOPPED;
        goto end;
    }
    r->out.len = 0;
    r->ninit++;
    r->new_init = 1;
    r->inband = 1;
    r->waited = 1;
    r->base = first;
    relay_media_params_copy(&r->params, p);
end:
    av_dict_free(&opts);
    if (ret < 0 || ret == REC_STOPPED) {
        if (ret < 0)
            fl_log(FL_LOG_ERROR, "record_open", "live %s: %s", r->live_id, av_err2str(ret));
        mux_free(r);
    }
    return ret;
}

static int put(relay_rec *r, const relay_media_params *p, AVPacket *pkt);

/* The packets held at the start, in order, as of the codecs p. */
static int flush_pending(relay_rec *r, const relay_media_params *p)
{
    int ret = 0;
    for (int i = 0; i < r->npending; i++) {
        if (r->pending[i] && ret != REC_STOPPED)
            ret = put(r, p, r->pending[i]);
        av_packet_free(&r->pending[i]);
    }
    r->npending = 0;
    return ret == REC_STOPPED ? ret : 0;
}

int relay_rec_write(relay_rec *r, const relay_media_params *p, AVPacket *pkt)
{
    if (!r->waited && !r->stopped && (!p->avcc || !p->asc)) {
        int starts = !p->avcc || (pkt->stream_index == 0 && (pkt->flags & AV_PKT_FLAG_KEY));
        if (r->npending == 0 && !starts) {
            av_packet_unref(pkt);
            return 0;
        }
        if (r->npending < REC_PENDING_MAX && (r->npending == 0 || pkt->dts - r->pending[0]->dts < REC_WAIT_MS)) {
            AVPacket *held = av_packet_alloc();
            if (held)
                av_packet_move_ref(held, pkt);
            r->pending[r->npending++] = held;
            if (!relay_media_params_equal(&r->wait_params, p))
                relay_media_params_copy(&r->wait_params, p);
            return 0;
        }
    }
    if (flush_pending(r, p) == REC_STOPPED) {
        av_packet_unref(pkt);
        return REC_STOPPED;
    }
    return put(r, p, pkt);
}

/* One packet into the muxer of its codecs (a new one when they changed). */
static int put(relay_rec *r, const relay_media_params *p, AVPacket *pkt)
{
    int ret = 0;
    if (r->stopped || pkt->stream_index > 1)
        goto out;
    int audio_only = !p->avcc;
    int starts = audio_only || (pkt->stream_index == 0 && (pkt->flags & AV_PKT_FLAG_KEY));
    int64_t t = pkt->dts;
    if (!r->oc || !relay_media_params_equal(&r->params, p)) {
        if (!starts)
            goto out; /* the new codecs start at a keyframe */
        if ((ret = cut(r)) == REC_STOPPED)
            goto out;
        mux_free(r);
        if ((ret = mux_open(r, p, t)) != 0)
            goto out;
    }
    int si = relay_media_stream_index(r->params.avcc != NULL, r->params.asc != NULL, pkt->stream_index);
    if (si < 0 || t < r->base)
        goto out; /* audio of a video-only muxer; audio from before its first keyframe */
    if (starts && r->seg_start >= 0 && t - r->seg_start >= RELAY_REC_SEGMENT_MS && (ret = cut(r)) != 0)
        goto out;
    if (r->seg_start < 0)
        r->seg_start = t;
    if (t + pkt->duration > r->seg_end)
        r->seg_end = t + pkt->duration;
    if (r->inband && pkt->stream_index == 0 && r->params.avcc && (pkt->flags & AV_PKT_FLAG_KEY)) {
        r->inband = 0;
        if (r->ninit > 1)
            prepend_parameter_sets(pkt, p); /* best effort: the init has them anyway */
    }
    pkt->stream_index = si;
    pkt->dts -= r->base;
    pkt->pts -= r->base;
    av_packet_rescale_ts(pkt, (AVRational){1, 1000}, r->oc->streams[si]->time_base);
    ret = av_write_frame(r->oc, pkt);
out:
    av_packet_unref(pkt);
    return ret == REC_STOPPED || r->stopped ? (ret == REC_STOPPED ? REC_STOPPED : 0) : ret;
}

/* -- retention ------------------------------------------------------------------ */

static struct {
    pthread_t thread;
    int running, stopping, kicked;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    char var_dir[512];
    int keep_days;
    uint64_t max_bytes;
} RT = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void retention_kick(void)
{
    pthread_mutex_lock(&RT.lock);
    RT.kicked = 1;
    pthread_cond_signal(&RT.cond);
    pthread_mutex_unlock(&RT.lock);
}

void relay_rec_close(relay_rec *r)
{
    if (!r)
        return;
    flush_pending(r, &r->wait_params); /* a session shorter than the wait: what it had */
    relay_media_params_clear(&r->wait_params);
    if (!r->stopped && cut(r) != REC_STOPPED && write_index(r, 1) < 0)
        stop(r, "cannot write its playlist");
    if (!r->stopped)
        fl_log(FL_LOG_INFO, "record_done", "live %s: %d segments, %.1f s", r->live_id, r->nseg, r->duration);
    mux_free(r);
    relay_membuf_free(&r->out);
    fl_buf_free(&r->body);
    fl_free(r);
    retention_kick();
}

/* -- listing -------------------------------------------------------------------- */

static json_t *recording_info(const char *var_dir, const char *live_id)
{
    char path[REC_PATH + 32], url[128];
    snprintf(path, sizeof(path), "%s/recordings/%s/info.json", var_dir, live_id);
    json_t *j = json_load_file(path, 0, NULL);
    if (!j || !json_is_object(j) || json_integer_value(json_object_get(j, "segments")) <= 0) {
        json_decref(j);
        return NULL;
    }
    snprintf(url, sizeof(url), "/recordings/%s/index.m3u8", live_id);
    json_object_set_new(j, "url", json_string(url));
    json_object_del(j, "inits");
    return j;
}

static int by_started_desc(const void *a, const void *b)
{
    const char *x = json_string_value(json_object_get(*(json_t *const *)a, "started"));
    const char *y = json_string_value(json_object_get(*(json_t *const *)b, "started"));
    return strcmp(y ? y : "", x ? x : "");
}

/* Every recording's info (a fl_malloc'd array of new references). */
static size_t all_infos(const char *var_dir, json_t ***out)
{
    char dir[REC_PATH];
    size_t n = 0, cap = 16;
    json_t **items = fl_malloc(cap * sizeof(*items));
    snprintf(dir, sizeof(dir), "%s/recordings", var_dir);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        json_t *j = relay_live_id_valid(de->d_name) ? recording_info(var_dir, de->d_name) : NULL;
        if (!j)
            continue;
        if (n == cap)
            items = fl_realloc(items, (cap *= 2) * sizeof(*items));
        items[n++] = j;
    }
    if (d)
        closedir(d);
    qsort(items, n, sizeof(*items), by_started_desc);
    *out = items;
    return n;
}

json_t *relay_recordings_list(const char *var_dir, const char *live_id)
{
    json_t *arr = json_array(), **items = NULL;
    if (live_id) {
        json_t *j = recording_info(var_dir, live_id);
        if (j)
            json_array_append_new(arr, j);
        return arr;
    }
    size_t n = all_infos(var_dir, &items);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, items[i]);
    fl_free(items);
    return arr;
}

static int digits_then(const char *p, const char *suffix)
{
    const char *s = p;
    while (*s >= '0' && *s <= '9')
        s++;
    return s > p && s - p <= 9 && strcmp(s, suffix) == 0;
}

int relay_recording_path(const char *var_dir, const char *file, char *out, size_t outlen, const char **mime)
{
    char id[66];
    const char *slash = strchr(file, '/');
    if (!slash || (size_t)(slash - file) >= sizeof(id))
        return -1;
    memcpy(id, file, (size_t)(slash - file));
    id[slash - file] = 0;
    const char *name = slash + 1;
    if (!relay_live_id_valid(id))
        return -1;
    if (strcmp(name, "index.m3u8") == 0)
        *mime = "application/vnd.apple.mpegurl";
    else if (strncmp(name, "init-", 5) == 0 && digits_then(name + 5, ".mp4"))
        *mime = "video/mp4";
    else if (strncmp(name, "seg-", 4) == 0 && digits_then(name + 4, ".m4s"))
        *mime = "video/iso.segment";
    else
        return -1;
    int w = snprintf(out, outlen, "%s/recordings/%s/%s", var_dir, id, name);
    return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

/* -- retention ------------------------------------------------------------------ */

static void remove_recording(const char *var_dir, const char *live_id)
{
    char dir[REC_PATH], path[REC_PATH + 300];
    snprintf(dir, sizeof(dir), "%s/recordings/%s", var_dir, live_id);
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    if (rmdir(dir) == 0)
        fl_log(FL_LOG_INFO, "record_deleted", "live %s: recording deleted (retention)", live_id);
}

int relay_rec_sweep(const char *var_dir, int keep_days, uint64_t max_bytes, int64_t now)
{
    json_t **items = NULL;
    size_t n = all_infos(var_dir, &items); /* newest first */
    uint64_t total = 0;
    int deleted = 0;
    char cutoff[32];
    time_t c = (time_t)(now - (int64_t)keep_days * 86400);
    struct tm tm;
    gmtime_r(&c, &tm);
    strftime(cutoff, sizeof(cutoff), "%Y-%m-%dT%H:%M:%SZ", &tm);
    for (size_t i = 0; i < n; i++)
        total += (uint64_t)json_integer_value(json_object_get(items[i], "size"));
    for (size_t i = n; i-- > 0;) { /* oldest first */
        json_t *j = items[i];
        const char *started = json_string_value(json_object_get(j, "started"));
        uint64_t size = (uint64_t)json_integer_value(json_object_get(j, "size"));
        int too_old = keep_days > 0 && started && strcmp(started, cutoff) < 0;
        if (json_is_true(json_object_get(j, "finished")) && (too_old || (max_bytes > 0 && total > max_bytes))) {
            remove_recording(var_dir, json_string_value(json_object_get(j, "live_id")));
            total -= size;
            deleted++;
        }
    }
    for (size_t i = 0; i < n; i++)
        json_decref(items[i]);
    fl_free(items);
    return deleted;
}

static void *retention_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&RT.lock);
    while (!RT.stopping) {
        RT.kicked = 0;
        pthread_mutex_unlock(&RT.lock);
        relay_rec_sweep(RT.var_dir, RT.keep_days, RT.max_bytes, (int64_t)time(NULL));
        pthread_mutex_lock(&RT.lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += RETENTION_EVERY_S;
        while (!RT.stopping && !RT.kicked)
            if (pthread_cond_timedwait(&RT.cond, &RT.lock, &ts) != 0)
                break;
    }
    pthread_mutex_unlock(&RT.lock);
    return NULL;
}

int relay_rec_retention_start(const char *var_dir, int keep_days, uint64_t max_bytes)
{
    snprintf(RT.var_dir, sizeof(RT.var_dir), "%s", var_dir);
    RT.keep_days = keep_days;
    RT.max_bytes = max_bytes;
    RT.stopping = 0;
    if (pthread_create(&RT.thread, NULL, retention_main, NULL) != 0)
        return -1;
    RT.running = 1;
    return 0;
}

void relay_rec_retention_stop(void)
{
    if (!RT.running)
        return;
    pthread_mutex_lock(&RT.lock);
    RT.stopping = 1;
    pthread_cond_signal(&RT.cond);
    pthread_mutex_unlock(&RT.lock);
    pthread_join(RT.thread, NULL);
    RT.running = 0;
}

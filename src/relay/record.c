/* record.c - MP4 recordings of each publish epoch, and their listing.
 *
 *   media worker: relay_rec_open -> (relay_rec_write)* -> relay_rec_close
 *     libavformat "mp4" muxer on {var_dir}/recordings/ID-START.mp4.part,
 *     movflags=faststart; on close: trailer (moov moved to the front), then
 *     rename(.part -> .mp4).
 *   HTTP threads: relay_recordings_list / relay_recording_path read the
 *     directory; only finished .mp4 files are visible. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "farmlive/alloc.h"
#include "farmlive/log.h"
#include "farmlive/relay_record.h"

struct relay_rec {
    AVFormatContext *oc;
    int header_written;
    char path[1040];  /* .part */
    char final[1024]; /* .mp4 */
};

int relay_live_id_valid(const char *id)
{
    size_t n = 0;
    for (; id[n]; n++) {
        char c = id[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return 0;
    }
    return n > 0 && n <= 64;
}

static int make_dirs(const char *var_dir, char *dir, size_t len)
{
    snprintf(dir, len, "%s", var_dir);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -1;
    snprintf(dir, len, "%s/recordings", var_dir);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -1;
    return 0;
}

relay_rec *relay_rec_open(const char *var_dir, const char *live_id, const relay_media_params *p)
{
    int ret;
    AVDictionary *opts = NULL;
    char dir[900], stamp[32];
    relay_rec *r = fl_calloc(1, sizeof(*r));
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    if (make_dirs(var_dir, dir, sizeof(dir)) < 0) {
        ret = AVERROR(errno);
        goto end;
    }
    snprintf(r->final, sizeof(r->final), "%s/%s-%s.mp4", dir, live_id, stamp);
    snprintf(r->path, sizeof(r->path), "%s.part", r->final);
    if ((ret = avformat_alloc_output_context2(&r->oc, NULL, "mp4", r->path)) < 0)
        goto end;
    if ((ret = relay_media_add_streams(r->oc, p)) < 0)
        goto end;
    if ((ret = avio_open(&r->oc->pb, r->path, AVIO_FLAG_WRITE)) < 0)
        goto end;
    av_dict_set(&opts, "movflags", "faststart", 0);
    if ((ret = avformat_write_header(r->oc, &opts)) < 0)
        goto end;
    r->header_written = 1;
    fl_log(FL_LOG_INFO, "record_start", "live %s: %s", live_id, r->final);
end:
    av_dict_free(&opts);
    if (ret < 0) {
        fl_log(FL_LOG_ERROR, "record_open", "live %s: %s", live_id, av_err2str(ret));
        relay_rec_close(r);
        return NULL;
    }
    return r;
}

int relay_rec_write(relay_rec *r, AVPacket *pkt)
{
    if (pkt->stream_index >= (int)r->oc->nb_streams) {
        av_packet_unref(pkt);
        return 0;
    }
    av_packet_rescale_ts(pkt, (AVRational){1, 1000}, r->oc->streams[pkt->stream_index]->time_base);
    return av_interleaved_write_frame(r->oc, pkt);
}

void relay_rec_close(relay_rec *r)
{
    if (!r)
        return;
    int ok = 0;
    if (r->oc) {
        if (r->header_written)
            ok = av_write_trailer(r->oc) == 0;
        if (r->oc->pb)
            avio_closep(&r->oc->pb);
        avformat_free_context(r->oc);
    }
    if (ok && rename(r->path, r->final) == 0)
        fl_log(FL_LOG_INFO, "record_done", "%s", r->final);
    else if (r->path[0])
        unlink(r->path);
    fl_free(r);
}

int relay_recording_path(const char *var_dir, const char *file, char *out, size_t outlen)
{
    size_t n = strlen(file);
    if (n < 5 || n > 200 || strcmp(file + n - 4, ".mp4") != 0 || strchr(file, '/') ||
        strstr(file, "..") || file[0] == '.')
        return -1;
    int w = snprintf(out, outlen, "%s/recordings/%s", var_dir, file);
    return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

static int by_name_desc(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)b, "file")),
                  json_string_value(json_object_get(*(json_t *const *)a, "file")));
}

json_t *relay_recordings_list(const char *var_dir, const char *live_id)
{
    json_t *arr = json_array();
    char dir[900], path[1200];
    snprintf(dir, sizeof(dir), "%s/recordings", var_dir);
    DIR *d = opendir(dir);
    if (!d)
        return arr;
    size_t idlen = live_id ? strlen(live_id) : 0;
    struct dirent *de;
    json_t *items[1024];
    size_t count = 0;
    while ((de = readdir(d)) && count < sizeof(items) / sizeof(items[0])) {
        const char *name = de->d_name;
        size_t n = strlen(name);
        if (n < 5 || strcmp(name + n - 4, ".mp4") != 0)
            continue;
        if (live_id && (strncmp(name, live_id, idlen) != 0 || name[idlen] != '-'))
            continue;
        const char *dash = strrchr(name, '-');
        if (!dash)
            continue;
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (stat(path, &sb) < 0)
            continue;
        char url[300];
        snprintf(url, sizeof(url), "/recordings/%s", name);
        items[count++] =
            json_pack("{s:s, s:s%, s:s%, s:I, s:s}", "file", name, "live_id", name,
                      (size_t)(dash - name), "started", dash + 1, n - 4 - (size_t)(dash + 1 - name),
                      "size", (json_int_t)sb.st_size, "url", url);
    }
    closedir(d);
    qsort(items, count, sizeof(items[0]), by_name_desc);
    for (size_t i = 0; i < count; i++)
        json_array_append_new(arr, items[i]);
    return arr;
}

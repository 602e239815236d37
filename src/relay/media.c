/* media.c - codec parameters, zero-copy AVPackets and blobs for the
 * libavformat outputs. See relay_media.h. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libavutil/mem.h>

#include "farmlive/alloc.h"
#include "farmlive/relay_media.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U /* Linux 6.3; older kernels refuse it (EINVAL) */
#endif

int relay_memfd(const char *name)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_NOEXEC_SEAL);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create(name, MFD_CLOEXEC);
    return fd;
}

relay_blob *relay_blob_new(const void *data, size_t len)
{
    relay_blob *b = fl_malloc(sizeof(*b) + len + 1);
    atomic_init(&b->refs, 1);
    atomic_init(&b->wire_fd, -1);
    b->wire_hdr = 0;
    b->len = len;
    if (len)
        memcpy(b->data, data, len);
    b->data[len] = 0;
    return b;
}

relay_blob *relay_blob_ref(relay_blob *b)
{
    atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void relay_blob_unref(relay_blob *b)
{
    if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1)
        return;
    int fd = atomic_load(&b->wire_fd);
    if (fd >= 0)
        close(fd);
    fl_free(b);
}

void relay_blob_release_data(void *data)
{
    relay_blob_unref((relay_blob *)((uint8_t *)data - offsetof(relay_blob, data)));
}

#define MEMBUF_IO_BUF 65536

static int membuf_write(void *opaque, uint8_t *buf, int size)
{
    relay_membuf *b = opaque;
    if (size <= 0)
        return 0;
    if (b->len + (size_t)size > b->max) {
        b->overflow = 1;
        return AVERROR(ENOMEM);
    }
    if (b->len + (size_t)size > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + (size_t)size)
            cap *= 2;
        b->p = fl_realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, buf, (size_t)size);
    b->len += (size_t)size;
    return size;
}

AVIOContext *relay_membuf_avio(relay_membuf *b, size_t max)
{
    uint8_t *iobuf = av_malloc(MEMBUF_IO_BUF);
    AVIOContext *pb = iobuf ? avio_alloc_context(iobuf, MEMBUF_IO_BUF, 1, b, NULL, membuf_write, NULL) : NULL;
    if (!pb)
        av_free(iobuf);
    b->max = max;
    return pb;
}

void relay_membuf_avio_free(AVIOContext **pb)
{
    if (*pb) {
        av_freep(&(*pb)->buffer);
        avio_context_free(pb);
    }
}

void relay_membuf_free(relay_membuf *b)
{
    fl_free(b->p);
    memset(b, 0, sizeof(*b));
}

void relay_media_params_clear(relay_media_params *p)
{
    fl_free(p->avcc);
    fl_free(p->asc);
    memset(p, 0, sizeof(*p));
}

static uint8_t *dup_bytes(const uint8_t *p, size_t len)
{
    uint8_t *d = NULL;
    if (p) {
        d = fl_malloc(len ? len : 1);
        memcpy(d, p, len);
    }
    return d;
}

void relay_media_params_copy(relay_media_params *dst, const relay_media_params *src)
{
    relay_media_params_clear(dst);
    *dst = *src;
    dst->avcc = dup_bytes(src->avcc, src->avcc_len);
    dst->asc = dup_bytes(src->asc, src->asc_len);
}

static int same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    return (!a && !b) || (a && b && alen == blen && memcmp(a, b, alen) == 0);
}

int relay_media_params_equal(const relay_media_params *a, const relay_media_params *b)
{
    return same_bytes(a->avcc, a->avcc_len, b->avcc, b->avcc_len) && same_bytes(a->asc, a->asc_len, b->asc, b->asc_len);
}

static int set_bytes(uint8_t **dst, size_t *dlen, const uint8_t *src, size_t len)
{
    if (*dst && *dlen == len && memcmp(*dst, src, len) == 0)
        return 0;
    fl_free(*dst);
    *dst = fl_malloc(len);
    memcpy(*dst, src, len);
    *dlen = len;
    return 1;
}

int relay_media_params_set_video(relay_media_params *p, const uint8_t *body, size_t len)
{
    relay_avc_config c;
    if (len <= 5 || relay_avcc_parse(body + 5, len - 5, &c) < 0)
        return -1;
    p->avc = c;
    return set_bytes(&p->avcc, &p->avcc_len, body + 5, len - 5);
}

int relay_media_params_set_audio(relay_media_params *p, const uint8_t *body, size_t len)
{
    relay_aac_config c;
    if (len <= 2 || relay_asc_parse(body + 2, len - 2, &c) < 0)
        return -1;
    p->aac = c;
    return set_bytes(&p->asc, &p->asc_len, body + 2, len - 2);
}

static int add_stream(AVFormatContext *oc, enum AVMediaType type, enum AVCodecID id, const uint8_t *extra,
                      size_t extra_len)
{
    AVStream *st = avformat_new_stream(oc, NULL);
    if (!st)
        return AVERROR(ENOMEM);
    st->time_base = (AVRational){1, 1000};
    st->codecpar->codec_type = type;
    st->codecpar->codec_id = id;
    st->codecpar->extradata = av_mallocz(extra_len + AV_INPUT_BUFFER_PADDING_SIZE);
    if (!st->codecpar->extradata)
        return AVERROR(ENOMEM);
    memcpy(st->codecpar->extradata, extra, extra_len);
    st->codecpar->extradata_size = (int)extra_len;
    return 0;
}

int relay_media_add_streams(AVFormatContext *oc, const relay_media_params *p)
{
    int ret;
    if (!p->avcc && !p->asc)
        return AVERROR(EINVAL);
    if (p->avcc) {
        if ((ret = add_stream(oc, AVMEDIA_TYPE_VIDEO, AV_CODEC_ID_H264, p->avcc, p->avcc_len)) < 0)
            return ret;
        AVCodecParameters *v = oc->streams[0]->codecpar;
        v->width = p->avc.width;
        v->height = p->avc.height;
        v->format = AV_PIX_FMT_YUV420P;
    }
    if (!p->asc)
        return 0;
    if ((ret = add_stream(oc, AVMEDIA_TYPE_AUDIO, AV_CODEC_ID_AAC, p->asc, p->asc_len)) < 0)
        return ret;
    AVCodecParameters *a = oc->streams[oc->nb_streams - 1]->codecpar;
    a->sample_rate = p->aac.sample_rate;
    av_channel_layout_default(&a->ch_layout, p->aac.channels > 0 ? p->aac.channels : 2);
    a->frame_size = 1024;
    return 0;
}

int relay_media_stream_index(int has_video, int has_audio, int index)
{
    if (index == 0)
        return has_video ? 0 : -1;
    return index == 1 && has_audio ? (has_video ? 1 : 0) : -1;
}

static void tag_buffer_free(void *opaque, uint8_t *data)
{
    (void)data;
    relay_tag_unref(opaque);
}

int relay_media_packet(AVPacket *pkt, relay_tag *t)
{
    const uint8_t *body = relay_tag_body(t);
    size_t len = relay_tag_body_len(t);
    size_t skip;
    int32_t cts = 0;
    int key = 0, seqhdr = 0;
    if (t->type == FLV_TAG_VIDEO) {
        if (flv_video_info(body, len, &key, &seqhdr, &cts) < 0 || body[1] != 1)
            return -1;
        skip = 5;
        pkt->stream_index = 0;
    } else if (t->type == FLV_TAG_AUDIO) {
        if (flv_audio_info(body, len, &seqhdr) < 0 || seqhdr)
            return -1;
        skip = 2;
        pkt->stream_index = 1;
        key = 1;
    } else {
        return -1;
    }
    if (len <= skip)
        return -1;
    pkt->buf = av_buffer_create(t->data, t->size, tag_buffer_free, relay_tag_ref(t), AV_BUFFER_FLAG_READONLY);
    if (!pkt->buf) {
        relay_tag_unref(t);
        return -1;
    }
    pkt->data = (uint8_t *)body + skip;
    pkt->size = (int)(len - skip);
    pkt->dts = t->ts;
    pkt->pts = (int64_t)t->ts + (cts > 0 ? cts : 0); /* never before its dts */
    pkt->flags = key ? AV_PKT_FLAG_KEY : 0;
    pkt->time_base = (AVRational){1, 1000};
    return 0;
}

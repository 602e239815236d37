/* flv.c - the FLV tag writer: bytes in, bytes out, no I/O.
 *
 *   FLV file header (13 bytes, with PreviousTagSize0)
 *   tag = | type | DataSize u24 | Timestamp u24 + ext u8 | StreamID u24 = 0 |
 *         | body (DataSize bytes) | PreviousTagSize u32 = 11 + DataSize |
 *
 * relay_tag is one complete tag built once on the ingest thread and shared
 * by reference (HTTP-FLV fan-out copies its bytes once into the stream's
 * memfd; the media worker reads its body). The fan-out itself, which does
 * the I/O, is flv_fanout.c. */
#include <string.h>

#include "farmlive/alloc.h"
#include "farmlive/relay_flv.h"

/* -- pure writer -------------------------------------------------------- */

static void put_u24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    put_u24(p + 1, v);
}

void flv_write_file_header(uint8_t out[FLV_FILE_HEADER_SIZE], int audio, int video)
{
    out[0] = 'F';
    out[1] = 'L';
    out[2] = 'V';
    out[3] = 1;
    out[4] = (uint8_t)((audio ? 4 : 0) | (video ? 1 : 0));
    put_u32(out + 5, 9);
    put_u32(out + 9, 0);
}

void flv_set_tag_ts(uint8_t *tag, uint32_t ts)
{
    put_u24(tag + 4, ts & 0xffffff);
    tag[7] = (uint8_t)(ts >> 24);
}

void flv_write_tag_header(uint8_t out[FLV_TAG_HEADER_SIZE], uint8_t type, size_t body_len, uint32_t ts)
{
    out[0] = type;
    put_u24(out + 1, (uint32_t)body_len);
    flv_set_tag_ts(out, ts);
    put_u24(out + 8, 0);
}

int flv_video_info(const uint8_t *body, size_t len, int *key, int *seqhdr, int32_t *cts)
{
    if (len < 5 || (body[0] & 0x0f) != 7)
        return -1;
    *key = (body[0] >> 4) == 1;
    *seqhdr = body[1] == 0;
    uint32_t c = ((uint32_t)body[2] << 16) | ((uint32_t)body[3] << 8) | body[4];
    *cts = (c & 0x800000) ? (int32_t)(c | 0xff000000u) : (int32_t)c;
    return 0;
}

int flv_audio_info(const uint8_t *body, size_t len, int *seqhdr)
{
    if (len < 2 || (body[0] >> 4) != 10)
        return -1;
    *seqhdr = body[1] == 0;
    return 0;
}

relay_tag *relay_tag_new(uint8_t type, uint32_t ts, const uint8_t *prefix, size_t prefix_len, const uint8_t *body,
                         size_t len)
{
    size_t blen = prefix_len + len;
    if (blen > FLV_MAX_BODY)
        return NULL;
    relay_tag *t = fl_malloc(sizeof(*t) + FLV_TAG_HEADER_SIZE + blen + 4);
    atomic_init(&t->refs, 1);
    t->type = type;
    t->flags = 0;
    t->ts = ts;
    t->size = FLV_TAG_HEADER_SIZE + blen + 4;
    flv_write_tag_header(t->data, type, blen, ts);
    if (prefix_len)
        memcpy(t->data + FLV_TAG_HEADER_SIZE, prefix, prefix_len);
    if (len)
        memcpy(t->data + FLV_TAG_HEADER_SIZE + prefix_len, body, len);
    put_u32(t->data + FLV_TAG_HEADER_SIZE + blen, (uint32_t)(FLV_TAG_HEADER_SIZE + blen));
    return t;
}

relay_tag *relay_tag_ref(relay_tag *t)
{
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void relay_tag_unref(relay_tag *t)
{
    if (t && atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
        fl_free(t);
}

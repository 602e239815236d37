/* rtmp_chunk.c - RTMP chunk stream reader and writer, free of I/O.
 *
 *   chunk := basic header | message header | [extended ts] | body
 *
 *   basic header (fmt = 2 bits, csid = 6 bits)
 *     csid 2..63      [fmt|csid]
 *     csid 64..319    [fmt|0 ] [csid-64]
 *     csid 64..65599  [fmt|1 ] [lo] [hi]        (csid = 64 + lo + hi*256)
 *   message header by fmt
 *     0 (11 bytes)  ts(3) length(3) type(1) stream id(4, little-endian)
 *     1 (7 bytes)   ts delta(3) length(3) type(1)         same stream
 *     2 (3 bytes)   ts delta(3)                           same length, type
 *     3 (0 bytes)   continuation, or a new message repeating the last delta
 *   extended ts: 4 bytes when the 3-byte field is 0xffffff (and on fmt 3
 *   chunks of a chunk stream whose last header had one)
 *   body: min(chunk size, bytes left of the message)
 *
 * Each chunk stream (csid) keeps its last header and a partial message. The
 * reader is streaming: it consumes every byte it is given, holding at most
 * one chunk header (18 bytes) and the partial messages, whose total is
 * bounded (max_buffered) and which grow only as bytes arrive. After a
 * fmt 0 header the delta repeated by a following fmt 3 new message is the
 * fmt 0 timestamp itself, as FFmpeg and librtmp write and read it. */
#include "farmlive/rtmp_chunk.h"
#include "farmlive/alloc.h"

#include <string.h>

struct rtmp_csid_state {
    uint32_t csid;
    uint32_t ts, delta;
    uint32_t msg_len;
    uint8_t type;
    uint32_t stream_id;
    int ext;            /* last header carried an extended timestamp */
    uint32_t ext_value; /* ... with this value */
    uint8_t *buf;
    size_t have, cap;
};

static const size_t mh_len[4] = {11, 7, 3, 0};

void rtmp_chunk_reader_init(rtmp_chunk_reader *r, size_t max_msg)
{
    memset(r, 0, sizeof(*r));
    r->chunk_size = RTMP_DEFAULT_CHUNK_SIZE;
    r->max_msg = max_msg ? max_msg : RTMP_MAX_MSG_SIZE;
    r->max_buffered = RTMP_MAX_BUFFERED;
    r->cs = fl_calloc(RTMP_MAX_CSIDS, sizeof(*r->cs));
}

void rtmp_chunk_reader_set_limits(rtmp_chunk_reader *r, size_t max_msg, size_t max_buffered)
{
    r->max_msg = max_msg;
    r->max_buffered = max_buffered;
}

void rtmp_chunk_reader_free(rtmp_chunk_reader *r)
{
    if (!r->cs)
        return;
    for (size_t i = 0; i < r->ncs; i++)
        fl_free(r->cs[i].buf);
    fl_free(r->cs);
    r->cs = NULL;
    r->ncs = 0;
}

static uint32_t be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | be24(p + 1);
}

static rtmp_csid_state *find_cs(rtmp_chunk_reader *r, uint32_t csid)
{
    for (size_t i = 0; i < r->ncs; i++)
        if (r->cs[i].csid == csid)
            return &r->cs[i];
    return NULL;
}

static size_t basic_len(uint8_t b0)
{
    return (b0 & 0x3f) == 0 ? 2 : (b0 & 0x3f) == 1 ? 3 : 1;
}

static uint32_t hdr_csid(const uint8_t *h)
{
    switch (h[0] & 0x3f) {
    case 0:
        return 64u + h[1];
    case 1:
        return 64u + h[1] + 256u * h[2];
    default:
        return h[0] & 0x3fu;
    }
}

/* How many header bytes the chunk starting in r->hdr needs in total, given
 * the r->hlen bytes known so far (the answer can only grow as more come). */
static size_t header_need(rtmp_chunk_reader *r)
{
    if (r->hlen < 1)
        return 1;
    size_t bl = basic_len(r->hdr[0]);
    if (r->hlen < bl)
        return bl;
    unsigned fmt = r->hdr[0] >> 6;
    size_t n = bl + mh_len[fmt];
    if (fmt == 3) {
        rtmp_csid_state *st = find_cs(r, hdr_csid(r->hdr));
        return n + (st && st->ext ? 4 : 0);
    }
    if (r->hlen < n)
        return n;
    return n + (be24(r->hdr + bl) == 0xffffff ? 4 : 0);
}

/* Applies a complete chunk header: picks the csid state, updates its
 * timestamp, starts a message when none is in progress. */
static int take_header(rtmp_chunk_reader *r)
{
    const uint8_t *h = r->hdr;
    unsigned fmt = h[0] >> 6;
    size_t bl = basic_len(h[0]);
    const uint8_t *m = h + bl;
    uint32_t csid = hdr_csid(h);
    rtmp_csid_state *st = find_cs(r, csid);

    if (!st) {
        if (r->ncs == RTMP_MAX_CSIDS)
            return RTMP_CHUNK_ECSIDS;
        st = &r->cs[r->ncs++];
        memset(st, 0, sizeof(*st));
        st->csid = csid;
    }
    int starting = st->have == 0;
    if (!starting && fmt != 3)
        return RTMP_CHUNK_EPROTO; /* a new header inside an unfinished message */
    if (fmt < 3) {
        uint32_t t = be24(m);
        st->ext = t == 0xffffff;
        if (st->ext)
            t = st->ext_value = be32(m + mh_len[fmt]);
        if (fmt <= 1) {
            st->msg_len = be24(m + 3);
            st->type = m[6];
        }
        if (fmt == 0) {
            st->stream_id = (uint32_t)m[7] | (uint32_t)m[8] << 8 | (uint32_t)m[9] << 16 | (uint32_t)m[10] << 24;
            st->ts = t;
        } else {
            st->ts += t;
        }
        st->delta = t;
    } else if (starting) {
        st->ts += st->delta;
    }
    if (starting && st->msg_len > r->max_msg)
        return RTMP_CHUNK_EMSGSIZE;
    r->cur = st;
    size_t left = st->msg_len - st->have;
    r->body_left = left < r->chunk_size ? left : r->chunk_size;
    return 0;
}

/* Makes room for n more body bytes in st's buffer, within the bounds. */
static int reserve(rtmp_chunk_reader *r, rtmp_csid_state *st, size_t n)
{
    size_t want = st->have + n;
    if (want <= st->cap)
        return 0;
    size_t cap = st->cap ? st->cap * 2 : 4096;
    if (cap < want)
        cap = want;
    if (cap > st->msg_len)
        cap = st->msg_len;
    if (r->buffered > r->max_buffered || cap - st->cap > r->max_buffered - r->buffered)
        return RTMP_CHUNK_EBUFFERED;
    st->buf = fl_realloc(st->buf, cap);
    r->buffered += cap - st->cap;
    st->cap = cap;
    return 0;
}

/* A message is complete: apply the control messages the reader owns. */
static int finish(rtmp_chunk_reader *r, rtmp_csid_state *st, rtmp_msg *msg)
{
    *msg = (rtmp_msg){.csid = st->csid,
                      .ts = st->ts,
                      .type = st->type,
                      .stream_id = st->stream_id,
                      .payload = st->buf,
                      .len = st->have};
    st->have = 0;
    if (st->type == RTMP_MSG_SET_CHUNK_SIZE || st->type == RTMP_MSG_ABORT) {
        if (msg->len < 4)
            return RTMP_CHUNK_EPROTO;
        uint32_t v = be32(msg->payload) & 0x7fffffffu;
        if (st->type == RTMP_MSG_SET_CHUNK_SIZE) {
            if (v == 0 || v > RTMP_MAX_CHUNK_SIZE)
                return RTMP_CHUNK_ECHUNKSIZE;
            r->chunk_size = v;
        } else {
            rtmp_csid_state *a = find_cs(r, v);
            if (a && a != st)
                a->have = 0;
        }
    }
    return RTMP_CHUNK_MSG;
}

int rtmp_chunk_read(rtmp_chunk_reader *r, const uint8_t *in, size_t len, size_t *consumed, rtmp_msg *msg)
{
    size_t pos = 0;
    int rc;
    while (pos < len || (r->cur && r->body_left == 0)) {
        if (!r->cur) {
            size_t need = header_need(r);
            while (r->hlen < need && pos < len) {
                size_t n = need - r->hlen;
                if (n > len - pos)
                    n = len - pos;
                memcpy(r->hdr + r->hlen, in + pos, n);
                r->hlen += n;
                pos += n;
                need = header_need(r);
            }
            if (r->hlen < need)
                break;
            r->hlen = 0;
            if ((rc = take_header(r)) < 0) {
                *consumed = pos;
                return rc;
            }
        }
        rtmp_csid_state *st = r->cur;
        size_t n = r->body_left < len - pos ? r->body_left : len - pos;
        if (n) {
            if ((rc = reserve(r, st, n)) < 0) {
                *consumed = pos;
                return rc;
            }
            memcpy(st->buf + st->have, in + pos, n);
            st->have += n;
            r->body_left -= n;
            pos += n;
        }
        if (r->body_left > 0)
            break;
        r->cur = NULL;
        if (st->have == st->msg_len) {
            *consumed = pos;
            return finish(r, st, msg);
        }
    }
    *consumed = pos;
    return RTMP_CHUNK_AGAIN;
}

const char *rtmp_chunk_strerror(int rc)
{
    switch (rc) {
    case RTMP_CHUNK_ECHUNKSIZE:
        return "Set Chunk Size of 0 or above 16 MiB";
    case RTMP_CHUNK_EMSGSIZE:
        return "message longer than the limit";
    case RTMP_CHUNK_ECSIDS:
        return "too many chunk streams";
    case RTMP_CHUNK_EBUFFERED:
        return "too many bytes of unfinished messages";
    case RTMP_CHUNK_EPROTO:
        return "malformed chunk stream";
    default:
        return "ok";
    }
}

/* -- writer ---------------------------------------------------------- */

static size_t basic_write(uint8_t *p, unsigned fmt, uint32_t csid)
{
    if (csid >= 2 && csid <= 63) {
        p[0] = (uint8_t)(fmt << 6 | csid);
        return 1;
    }
    if (csid >= 64 && csid <= 319) {
        p[0] = (uint8_t)(fmt << 6);
        p[1] = (uint8_t)(csid - 64);
        return 2;
    }
    p[0] = (uint8_t)(fmt << 6 | 1);
    p[1] = (uint8_t)((csid - 64) & 0xff);
    p[2] = (uint8_t)((csid - 64) >> 8);
    return 3;
}

static void put24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    put24(p + 1, v);
}

size_t rtmp_chunk_bound(size_t len, uint32_t chunk_size)
{
    size_t chunks = len == 0 ? 1 : (len + chunk_size - 1) / chunk_size;
    return 3 + 11 + 4 + len + (chunks - 1) * (3 + 4);
}

size_t rtmp_chunk_write(uint8_t *out, size_t cap, const rtmp_msg *m, uint32_t chunk_size)
{
    if (m->csid < 2 || m->csid > 65599 || m->len > 0xffffff || chunk_size == 0 ||
        cap < rtmp_chunk_bound(m->len, chunk_size))
        return 0;
    int ext = m->ts >= 0xffffff;
    size_t o = basic_write(out, 0, m->csid);
    put24(out + o, ext ? 0xffffff : m->ts);
    put24(out + o + 3, (uint32_t)m->len);
    out[o + 6] = m->type;
    out[o + 7] = (uint8_t)m->stream_id;
    out[o + 8] = (uint8_t)(m->stream_id >> 8);
    out[o + 9] = (uint8_t)(m->stream_id >> 16);
    out[o + 10] = (uint8_t)(m->stream_id >> 24);
    o += 11;
    for (size_t off = 0;;) {
        if (ext) {
            put32(out + o, m->ts);
            o += 4;
        }
        size_t n = m->len - off < chunk_size ? m->len - off : chunk_size;
        if (n)
            memcpy(out + o, m->payload + off, n);
        o += n;
        off += n;
        if (off >= m->len)
            break;
        o += basic_write(out + o, 3, m->csid);
    }
    return o;
}

void rtmp_wbuf_init(rtmp_wbuf *w, size_t max)
{
    *w = (rtmp_wbuf){.max = max};
}

void rtmp_wbuf_free(rtmp_wbuf *w)
{
    fl_free(w->p);
    *w = (rtmp_wbuf){0};
}

static uint8_t *wbuf_reserve(rtmp_wbuf *w, size_t n)
{
    if (w->err)
        return NULL;
    if (n > w->max || w->len > w->max - n) {
        w->err = -1;
        return NULL;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n)
            cap *= 2;
        w->p = fl_realloc(w->p, cap);
        w->cap = cap;
    }
    return w->p + w->len;
}

void rtmp_wbuf_raw(rtmp_wbuf *w, const uint8_t *p, size_t len)
{
    uint8_t *d = wbuf_reserve(w, len);
    if (d && len) {
        memcpy(d, p, len);
        w->len += len;
    }
}

int rtmp_wbuf_msg(rtmp_wbuf *w, const rtmp_msg *m, uint32_t chunk_size)
{
    size_t bound = rtmp_chunk_bound(m->len, chunk_size);
    uint8_t *d = wbuf_reserve(w, bound);
    if (!d)
        return -1;
    size_t n = rtmp_chunk_write(d, bound, m, chunk_size);
    if (n == 0) {
        w->err = -1;
        return -1;
    }
    w->len += n;
    return 0;
}

void rtmp_wbuf_compact(rtmp_wbuf *w)
{
    if (w->sent == 0)
        return;
    memmove(w->p, w->p + w->sent, w->len - w->sent);
    w->len -= w->sent;
    w->sent = 0;
}

static int send_ctl(rtmp_wbuf *w, uint8_t type, const uint8_t *p, size_t n, uint32_t chunk_size)
{
    rtmp_msg m = {.csid = 2, .type = type, .payload = p, .len = n};
    return rtmp_wbuf_msg(w, &m, chunk_size);
}

int rtmp_send_u32(rtmp_wbuf *w, uint8_t type, uint32_t value, uint32_t chunk_size)
{
    uint8_t p[4];
    put32(p, value);
    return send_ctl(w, type, p, 4, chunk_size);
}

int rtmp_send_peer_bandwidth(rtmp_wbuf *w, uint32_t window, uint8_t limit, uint32_t chunk_size)
{
    uint8_t p[5];
    put32(p, window);
    p[4] = limit;
    return send_ctl(w, RTMP_MSG_SET_PEER_BANDWIDTH, p, 5, chunk_size);
}

int rtmp_send_stream_begin(rtmp_wbuf *w, uint32_t stream_id, uint32_t chunk_size)
{
    uint8_t p[6] = {0, 0};
    put32(p + 2, stream_id);
    return send_ctl(w, RTMP_MSG_USER_CONTROL, p, 6, chunk_size);
}

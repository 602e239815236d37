/* rtmp_chunk.h - RTMP chunk stream: a streaming reader that turns bytes into
 * whole messages, and a writer that cuts messages into chunks. Pure: no I/O,
 * no clock. See the diagram at the top of rtmp_chunk.c. */
#ifndef FARMLIVE_RTMP_CHUNK_H
#define FARMLIVE_RTMP_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#define RTMP_DEFAULT_CHUNK_SIZE 128
#define RTMP_MAX_CHUNK_SIZE (16u << 20) /* a Set Chunk Size above this is refused */
#define RTMP_MAX_MSG_SIZE (8u << 20)    /* default message length limit */
#define RTMP_MAX_CSIDS 64               /* chunk streams in use per connection */
#define RTMP_MAX_BUFFERED (16u << 20)   /* default bound of partial messages, all csids together */

enum rtmp_msg_type {
    RTMP_MSG_SET_CHUNK_SIZE = 1,
    RTMP_MSG_ABORT = 2,
    RTMP_MSG_ACK = 3,
    RTMP_MSG_USER_CONTROL = 4,
    RTMP_MSG_WINDOW_ACK_SIZE = 5,
    RTMP_MSG_SET_PEER_BANDWIDTH = 6,
    RTMP_MSG_AUDIO = 8,
    RTMP_MSG_VIDEO = 9,
    RTMP_MSG_DATA_AMF3 = 15,
    RTMP_MSG_COMMAND_AMF3 = 17,
    RTMP_MSG_DATA_AMF0 = 18,
    RTMP_MSG_COMMAND_AMF0 = 20,
    RTMP_MSG_AGGREGATE = 22,
};

/* Status vocabulary of the chunk layer. */
enum {
    RTMP_CHUNK_AGAIN = 0,       /* every byte consumed, no message complete yet */
    RTMP_CHUNK_MSG = 1,         /* *msg holds a whole message */
    RTMP_CHUNK_ECHUNKSIZE = -1, /* Set Chunk Size of 0 or above RTMP_MAX_CHUNK_SIZE */
    RTMP_CHUNK_EMSGSIZE = -2,   /* a message longer than the reader's max_msg */
    RTMP_CHUNK_ECSIDS = -3,     /* more than RTMP_MAX_CSIDS chunk streams */
    RTMP_CHUNK_EBUFFERED = -4,  /* partial messages above the reader's max_buffered */
    RTMP_CHUNK_EPROTO = -5,     /* malformed: a new header inside a message, short control msg */
};

typedef struct rtmp_msg {
    uint32_t csid;
    uint32_t ts;  /* absolute, milliseconds */
    uint8_t type; /* enum rtmp_msg_type */
    uint32_t stream_id;
    const uint8_t *payload;
    size_t len;
} rtmp_msg;

typedef struct rtmp_csid_state rtmp_csid_state;

typedef struct rtmp_chunk_reader {
    uint32_t chunk_size; /* the peer's, changed by its Set Chunk Size */
    size_t max_msg;
    size_t max_buffered; /* bound of buffered */
    size_t buffered;     /* bytes allocated for partial messages */
    rtmp_csid_state *cs; /* RTMP_MAX_CSIDS slots */
    size_t ncs;
    rtmp_csid_state *cur; /* csid whose chunk body is being read */
    size_t body_left;     /* bytes of the current chunk body still to come */
    uint8_t hdr[18];      /* a chunk header being collected */
    size_t hlen;
} rtmp_chunk_reader;

/* max_msg: longest message accepted (0 = RTMP_MAX_MSG_SIZE); partial
 * messages bounded by RTMP_MAX_BUFFERED. */
void rtmp_chunk_reader_init(rtmp_chunk_reader *r, size_t max_msg);
/* New bounds from the next message on (the server's: small ones until a
 * publisher is authorised, then the defaults). Bytes already buffered stay;
 * a lower max_buffered than them refuses any growth. */
void rtmp_chunk_reader_set_limits(rtmp_chunk_reader *r, size_t max_msg, size_t max_buffered);
void rtmp_chunk_reader_free(rtmp_chunk_reader *r);

/* Reads from in[0..len) until one message completes or the input ends;
 * *consumed says how far. Returns RTMP_CHUNK_MSG with *msg filled (payload
 * owned by the reader, valid until the next call), RTMP_CHUNK_AGAIN when the
 * input is used up, or a negative RTMP_CHUNK_E* (the connection must close;
 * the reader must not be fed again). Set Chunk Size and Abort are applied by
 * the reader itself and still returned, so the caller can log them. */
int rtmp_chunk_read(rtmp_chunk_reader *r, const uint8_t *in, size_t len, size_t *consumed, rtmp_msg *msg);

const char *rtmp_chunk_strerror(int rc);

/* -- writer ---------------------------------------------------------- */

/* Bytes rtmp_chunk_write needs at most for a message of len bytes. */
size_t rtmp_chunk_bound(size_t len, uint32_t chunk_size);
/* Writes m as one fmt-0 chunk and fmt-3 continuations of chunk_size bytes.
 * csid 2..65599. Returns the bytes written, 0 when cap is too small. */
size_t rtmp_chunk_write(uint8_t *out, size_t cap, const rtmp_msg *m, uint32_t chunk_size);

/* A bounded byte queue for replies: writes past max set err. */
typedef struct rtmp_wbuf {
    uint8_t *p;
    size_t len, cap, max;
    size_t sent; /* how much of p the socket layer already wrote */
    int err;
} rtmp_wbuf;

void rtmp_wbuf_init(rtmp_wbuf *w, size_t max);
void rtmp_wbuf_free(rtmp_wbuf *w);
void rtmp_wbuf_raw(rtmp_wbuf *w, const uint8_t *p, size_t len);
/* Appends m chunked at chunk_size; 0, or -1 (err set) past max. */
int rtmp_wbuf_msg(rtmp_wbuf *w, const rtmp_msg *m, uint32_t chunk_size);
/* Drops the bytes already sent from the front. */
void rtmp_wbuf_compact(rtmp_wbuf *w);

/* Protocol control messages (csid 2, stream 0). */
int rtmp_send_u32(rtmp_wbuf *w, uint8_t type, uint32_t value, uint32_t chunk_size);
int rtmp_send_peer_bandwidth(rtmp_wbuf *w, uint32_t window, uint8_t limit, uint32_t chunk_size);
int rtmp_send_stream_begin(rtmp_wbuf *w, uint32_t stream_id, uint32_t chunk_size);

#endif

/* rtmp_cmd.h - the RTMP command layer of one publishing connection: AMF0
 * commands in, replies (as chunks in the session's write buffer) out.
 * Pure: no sockets, no clock; the server acts on the return codes. */
#ifndef FARMLIVE_RTMP_CMD_H
#define FARMLIVE_RTMP_CMD_H

#include <stddef.h>
#include <stdint.h>
#include "farmlive/rtmp_chunk.h"

#define RTMP_APP "live" /* rtmp://HOST:PORT/live/{stream_key} */
#define RTMP_KEY_MAX 200
#define RTMP_OUT_CHUNK_SIZE 4096 /* what we announce for our replies */
#define RTMP_WINDOW_ACK 5000000u
#define RTMP_WBUF_MAX (256u << 10)

enum rtmp_sess_state { RTMP_SESS_NEW, RTMP_SESS_CONNECTED, RTMP_SESS_PUBLISH_PENDING, RTMP_SESS_PUBLISHING };

/* What the server must do after rtmp_cmd_handle(). */
enum {
    RTMP_CMD_OK = 0,        /* nothing (replies, if any, are in s->out) */
    RTMP_CMD_PUBLISH = 1,   /* publish(s->key) asked: authorise, then publish_start/refuse */
    RTMP_CMD_UNPUBLISH = 2, /* the publisher ended its stream (deleteStream/FCUnpublish) */
    RTMP_CMD_METADATA = 3,  /* onMetaData: s->meta / s->meta_len (the ECMA array) */
    RTMP_CMD_CLOSE = -1,    /* close the connection; s->why says why */
};

typedef struct rtmp_session {
    enum rtmp_sess_state state;
    uint32_t out_chunk_size;
    rtmp_wbuf out;
    char app[128];
    char tc_url[512];
    char key[RTMP_KEY_MAX + 1];
    uint32_t stream_id; /* given by createStream, used by publish */
    uint32_t next_stream_id;
    const uint8_t *meta; /* valid until the next call */
    size_t meta_len;
    char why[200];
} rtmp_session;

void rtmp_session_init(rtmp_session *s);
void rtmp_session_free(rtmp_session *s);

/* Handles a command (types 20, 17) or data (18, 15) message. */
int rtmp_cmd_handle(rtmp_session *s, const rtmp_msg *m);
/* The shop allowed the publish: Stream Begin + onStatus Publish.Start. */
void rtmp_cmd_publish_start(rtmp_session *s);
/* Refused: onStatus level "error" with code (e.g. NetStream.Publish.BadName). */
void rtmp_cmd_publish_refuse(rtmp_session *s, const char *code, const char *description);
/* Checks a stream key: 1..RTMP_KEY_MAX of [A-Za-z0-9._~-]. */
int rtmp_key_valid(const char *key);

#endif

/* relay_rtmp.h - the relay's RTMP publish side: one epoll loop serving many
 * publishers on one port at rtmp://HOST:PORT/live/{stream_key}.
 *
 * Layers (one file each): rtmp_handshake.c -> rtmp_chunk.c -> rtmp_cmd.c
 * (with amf0.c) and rtmp_media.c, driven by rtmp_server.c; publish_auth.c
 * asks the shop. What reaches the outputs is described in relay_stream.h.
 *
 * The server reaches the hub only through rtmp_hub_ops, which main.c fills
 * with the relay_hub_* / relay_stream_* functions of relay_stream.h; tests
 * plug in a fake hub the same way. */
#ifndef FARMLIVE_RELAY_RTMP_H
#define FARMLIVE_RELAY_RTMP_H

#include <stddef.h>
#include <stdint.h>
#include "farmlive/config.h"
#include "farmlive/relay_stream.h"

#define RTMP_MAX_CONNS 1024
#define RTMP_STALL_MS 15000     /* no bytes from a connection for this long: closed */
#define RTMP_HANDSHAKE_MS 10000 /* handshake + connect + publish must start within this */

/* Until the shop authorised its publish, a connection may hold little
 * (then the chunk layer's defaults: 8 MiB a message, 16 MiB unfinished): */
#define RTMP_PREAUTH_MAX_MSG (64u << 10)   /* one message */
#define RTMP_PREAUTH_MAX_HELD (128u << 10) /* unfinished messages; early media held */
#define RTMP_PREAUTH_MAX_CMDS 32           /* command and data messages */
#define RTMP_PREAUTH_PER_IP 16             /* such connections from one address */
#define RTMP_PREAUTH_BUDGET (16u << 20)    /* what all such connections hold together */

/* Refusals before authorisation and early media, since start (any thread). */
typedef struct rtmp_ingest_stats {
    uint64_t preauth_msg_size; /* a message over RTMP_PREAUTH_MAX_MSG */
    uint64_t preauth_held;     /* unfinished messages over RTMP_PREAUTH_MAX_HELD */
    uint64_t preauth_commands; /* over RTMP_PREAUTH_MAX_CMDS */
    uint64_t preauth_per_ip;   /* over RTMP_PREAUTH_PER_IP */
    uint64_t preauth_budget;   /* over RTMP_PREAUTH_BUDGET */
    uint64_t early_held;       /* media messages held until the key was checked */
    uint64_t early_dropped;    /* ... and dropped, over RTMP_PREAUTH_MAX_HELD */
    uint64_t codec_refused;    /* publishers closed for a codec other than H.264 / AAC */
} rtmp_ingest_stats;
void rtmp_ingest_get_stats(rtmp_ingest_stats *st);

/* publish hands back the publisher's generation in *gen; unpublish with
 * that gen gives the stream back (a superseded publisher only lets go of
 * its reference: see relay_stream_superseded). */
typedef struct rtmp_hub_ops {
    relay_stream *(*publish)(relay_hub *hub, const char *live_id, uint64_t *gen);
    void (*unpublish)(relay_hub *hub, relay_stream *s, uint64_t gen);
    void (*tick)(relay_hub *hub, void (*ended)(void *arg, const char *live_id), void *arg);
    void (*metadata)(relay_stream *s, const uint8_t *amf, size_t len);
    int (*video)(relay_stream *s, uint32_t ts_ms, const uint8_t *body, size_t len);
    int (*audio)(relay_stream *s, uint32_t ts_ms, const uint8_t *body, size_t len);
    int (*dropped)(relay_stream *s);                  /* may be NULL: never */
    int (*superseded)(relay_stream *s, uint64_t gen); /* may be NULL: never */
    /* an SRT publisher's statistics (NULL st: none); may be NULL */
    void (*srt_stats)(relay_stream *s, const relay_srt_stats *st);
    /* the platforms the publish answer named (relay_stream_restream); may be NULL */
    void (*restream)(relay_stream *s, const restream_specs *specs);
    /* the low rendition the publish answer chose (relay_stream_rendition); may be NULL */
    void (*rendition)(relay_stream *s, int mode);
} rtmp_hub_ops;

typedef struct rtmp_server_opts {
    const fl_config *cfg; /* relay_host, rtmp_port, shop_internal_url, internal_secret */
    relay_hub *hub;
    const rtmp_hub_ops *ops;
    int port;         /* 0 = cfg->rtmp_port */
    int max_conns;    /* 0 = RTMP_MAX_CONNS */
    int stall_ms;     /* 0 = RTMP_STALL_MS */
    int handshake_ms; /* 0 = RTMP_HANDSHAKE_MS */
} rtmp_server_opts;

typedef struct rtmp_server rtmp_server;

/* Binds and listens, starts the publish-auth worker. NULL with err filled
 * when the port cannot be bound. */
rtmp_server *rtmp_server_new(const rtmp_server_opts *o, char *err, size_t errlen);
/* Runs the event loop in the calling thread until rtmp_server_stop().
 * Returns 0, or -1 when epoll fails. */
int rtmp_server_run(rtmp_server *s);
/* Asks the loop to end; callable from any thread (writes an eventfd). */
void rtmp_server_stop(rtmp_server *s);
/* Closes every connection (unpublishing their streams in the hub and
 * reporting them to the shop), stops the auth worker. Accepts NULL. Call
 * after rtmp_server_run has returned, before relay_hub_free. */
void rtmp_server_free(rtmp_server *s);

#endif

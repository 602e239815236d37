/* config.h - settings from FARMLIVE_* environment variables.
 *
 * fl_config_load() fills every field with its default, then applies the
 * environment. An invalid value leaves a message naming the variable in err
 * and returns -1; callers exit with code 2. The table of variables, their
 * defaults and their checks lives in config.c and README. */
#ifndef FARMLIVE_CONFIG_H
#define FARMLIVE_CONFIG_H

#include <stddef.h>
#include "farmlive/netaddr.h"

#define FL_TRUSTED_PROXIES_MAX 32

typedef struct fl_config {
    char shop_host[64];
    int shop_port;
    int shop_threads;
    char public_base[256];
    char var_dir[512];
    char web_dir[512];
    char media_dir[512];
    char schema_dir[512];

    char db_host[128];
    int db_port;
    char db_socket[512];
    char db_user[64];
    char db_password[128];
    char db_name[64];
    int db_pool;

    char redis_host[128];
    char redis_socket[512]; /* a Unix socket path instead of host and port ("" for TCP) */
    int redis_port;
    int redis_pool;

    int session_ttl;           /* seconds of idle before a session ends */
    int cookie_secure;         /* add Secure to the session cookie */
    int login_max_failures;    /* per account within login_window */
    int login_max_ip_failures; /* per client address within login_window */
    int login_window;          /* seconds */
    int login_ip_delay_max;    /* longest wait (s) an address past its failures is given between tries */
    int signup_max_ip;         /* sign-ups per client address within signup_window */
    int signup_window;         /* seconds */
    int signup_max_global;     /* sign-ups per minute, all addresses together */
    int hash_threads;          /* threads hashing and checking passwords (argon2id) */
    int hash_queue;            /* passwords waiting for them before 429 */
    /* proxies whose X-Forwarded-For / Forwarded name the client (none: the peer is the client) */
    fl_cidr trusted_proxies[FL_TRUSTED_PROXIES_MAX];
    int trusted_proxies_n;
    int catalogue_cache_ms; /* longest a cached catalogue page is served */
    int log_level;

    /* buying */
    char payment_secret[128]; /* HMAC-SHA256 key of payment notifications */
    int pay_sandbox;          /* development: the sandbox cashier at /pay/{id} signs notices itself */
    int order_writers;        /* threads writing flash-sale orders in batches */
    int order_expiry_s;       /* unpaid online orders are cancelled after this */
    int refund_window_days;   /* a completed order may be refunded this many days after completion */

    /* relay, and the shop's side of it */
    char relay_host[64];
    int rtmp_port;
    int srt_port;       /* SRT ingest (UDP); 0: off */
    int srt_latency_ms; /* the SRT receiver's latency (the larger of both sides' wins) */
    int relay_http_port;
    char rtmp_public_url[256];   /* what OBS's Server field gets: rtmp://HOST:1935/live */
    char srt_public_addr[256];   /* HOST:PORT of the relay's SRT ingest as farmers reach it ("": no srt_url) */
    char restream_key_file[600]; /* the secretbox key of the restream targets' stream keys */
    char relay_public_base[256]; /* base of hls_url / flv_url: http://HOST:8081 */
    char relay_url[512];         /* the relay's HTTP API as the shop reaches it ("" : no relay) */
    char shop_internal_url[256]; /* where the relay asks the shop: http://127.0.0.1:8080 */
    char internal_secret[128];   /* shared secret of the relay <-> shop internal API */
    int live_grace_s;            /* a session without publisher ends after this */
    int thumb_interval_s;
    int record_keep_days; /* finished recordings older than this are deleted */
    int record_max_mb;    /* and the oldest while all of them take more */
    int low_rendition;    /* FL_LOW_RENDITION_*: the 360p rendition (relay_rendition.h) */
} fl_config;

/* FARMLIVE_RELAY_LOW_RENDITION=off|on|auto */
enum { FL_LOW_RENDITION_OFF = 0, FL_LOW_RENDITION_ON = 1, FL_LOW_RENDITION_AUTO = 2 };

int fl_config_load(fl_config *cfg, char *err, size_t errlen);

#endif

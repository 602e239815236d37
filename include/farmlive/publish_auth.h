/* publish_auth.h - nginx-rtmp on_publish, farmlive style: the relay asks the
 * shop whether a stream key may publish, and reports unpublish and ended
 * sessions, over the shop's internal HTTP API:
 *
 *   POST {shop_internal_url}/internal/v1/live/publish    {"stream_key","client_ip"}
 *        200 {"live_id":"...","restream":[{"id","url"}],"low_rendition"?:"off|on|auto"}
 *        = allow (restream: the platforms to forward it to, relay_restream.h;
 *        low_rendition: the cooperative's choice of the 360p rendition, over
 *        FARMLIVE_RELAY_LOW_RENDITION); anything else = refuse
 *   POST {shop_internal_url}/internal/v1/live/unpublish  {"live_id"}
 *   POST {shop_internal_url}/internal/v1/live/ended      {"live_id"}
 *   every request carries X-Internal-Secret: {internal_secret}
 *
 * The calls run on one worker thread (so they keep their order: an
 * unpublish never overtakes the publish before it) and never block the
 * ingest loop: results come back through publish_auth_next(), and
 * publish_auth_fd() becomes readable (an eventfd) when one is waiting. */
#ifndef FARMLIVE_PUBLISH_AUTH_H
#define FARMLIVE_PUBLISH_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include "farmlive/config.h"
#include "farmlive/relay_restream.h"

#define PUBLISH_AUTH_QUEUE_MAX 1024
#define PUBLISH_AUTH_TIMEOUT_MS 3000
#define LIVE_ID_MAX 63

typedef struct publish_auth publish_auth;

typedef struct publish_auth_result {
    uint64_t conn_id; /* as given to publish_auth_publish */
    int allowed;
    long http_status; /* 0 when the shop could not be reached */
    char live_id[LIVE_ID_MAX + 1];
    char error[200];         /* why it was refused, for the log */
    restream_specs restream; /* allowed: the platforms to forward it to */
    int low_rendition;       /* FL_LOW_RENDITION_* the session's cooperative chose; -1: the relay's setting */
} publish_auth_result;

/* Starts the worker thread. NULL (with a log line) if it cannot. */
publish_auth *publish_auth_new(const fl_config *cfg);
/* Sends the reports still queued (publish requests are dropped), stops the
 * worker and frees everything. Accepts NULL. */
void publish_auth_free(publish_auth *a);
int publish_auth_fd(const publish_auth *a);

/* Queue a question / a report. A full queue refuses a publish at once (its
 * result is posted) and drops a report with a log line. */
void publish_auth_publish(publish_auth *a, uint64_t conn_id, const char *stream_key, const char *client_ip);
void publish_auth_unpublish(publish_auth *a, const char *live_id);
void publish_auth_ended(publish_auth *a, const char *live_id);

/* Asks the shop now, in the calling thread (its own HTTP request, at most
 * timeout_ms), for a caller that must answer before it returns (the SRT
 * listen callback). *out as a posted result would be (conn_id 0).
 * Any thread; the worker's order does not apply to it. */
void publish_auth_check(publish_auth *a, const char *stream_key, const char *client_ip, int timeout_ms,
                        publish_auth_result *out);

/* Pops one result: 1 when *out was filled, 0 when none is waiting. Reads
 * the eventfd too, so call it until it returns 0 when the fd is readable. */
int publish_auth_next(publish_auth *a, publish_auth_result *out);

/* A live id the shop may hand back: 1..LIVE_ID_MAX of [A-Za-z0-9_-]. */
int publish_auth_live_id_valid(const char *id);

/* Stream keys are secrets: logs show only their first four characters
 * ("abcd...", or "-" for none), written into buf (len >= 8); returns buf. */
const char *publish_auth_key_masked(const char *key, char *buf, size_t len);

#endif

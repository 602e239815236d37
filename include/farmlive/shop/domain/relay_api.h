/* shop/domain/relay_api.h - the shop asking the relay's HTTP API
 * (relay_api.c, libcurl): the live sweep's stream list, the end of a
 * session's stream, a session's recording.
 *
 * Every call goes to FARMLIVE_RELAY_URL (cfg->relay_url; none when it is
 * empty) and waits at most SHOP_RELAY_TIMEOUT_MS. A relay that does not
 * answer in time is not taken for a dead one: only a refused connection
 * says nothing listens there. */
#ifndef FARMLIVE_SHOP_DOMAIN_RELAY_API_H
#define FARMLIVE_SHOP_DOMAIN_RELAY_API_H

#include <jansson.h>
#include "farmlive/config.h"

#define SHOP_RELAY_TIMEOUT_MS 2000
#define SHOP_RELAY_DROP_TIMEOUT_MS 8000 /* the relay answers a drop once the recording is finalized (5 s) */

/* What a call got. */
typedef struct shop_relay_answer {
    long status;   /* the HTTP status; 0 when none came */
    json_t *body;  /* the body when it is JSON, else NULL */
    int refused;   /* the connection was refused: no relay listens there */
    char why[128]; /* when no status came: curl's reason */
} shop_relay_answer;

/* method path (from the relay's base) with, when secret, the
 * X-Internal-Secret header; an empty body for POST; waits at most
 * timeout_ms. 0 when an answer came (whatever its status), -1 when none
 * did (or no relay is configured); either way *ans is filled and
 * shop_relay_answer_free frees it. */
int shop_relay_call(const fl_config *cfg, const char *method, const char *path, int secret, long timeout_ms,
                    shop_relay_answer *ans);
void shop_relay_answer_free(shop_relay_answer *ans);

/* Asks the relay to drop session live_id's publisher and finalize its
 * recording: POST /internal/v1/streams/{live_id}/drop with the internal
 * secret, answered 200 {"live_id","dropped":true|false,"recording":{as
 * GET /api/recordings lists it}} once the recording is finalized (within
 * 5 s); a stream never seen or already gone is 200 "dropped":false. Best
 * effort: logged, never fails the caller. 1 dropped, 0 not (no such
 * stream, or a relay without the route: 404 or 405), -1 no answer or an error
 * status (401, 403, 503). With recording, *recording is a new reference to
 * the answer's recording object when it has one, else NULL. */
int shop_relay_drop(const fl_config *cfg, const char *live_id, json_t **recording);

/* The session's recording as the relay lists it (GET
 * /api/recordings?live_id=): *rec a new reference to its object ({url,
 * duration_s, finished, ...}), or NULL when it has none. 0, or -1 when the
 * relay did not answer. */
int shop_relay_recording(const fl_config *cfg, const char *live_id, json_t **rec);

/* One stream as the relay lists it (GET /api/streams: its "video",
 * "bitrate_kbps", "publishing", "uptime_s", "packets_dropped"...): *stream
 * a new reference, or NULL when the relay does not hold live_id. 0, or -1
 * when the relay did not answer (or none is configured). */
int shop_relay_stream(const fl_config *cfg, const char *live_id, json_t **stream);

#endif

/* relay_http.h - the relay's HTTP server: everything a viewer or an operator
 * fetches from bin/farmlive-relay (libmicrohttpd on cfg->relay_host :
 * cfg->relay_http_port).
 *
 *   GET /live/{live_id}.flv            HTTP-FLV (GOP cache, bounded queue)
 *   GET /live/{live_id}/index.m3u8     LL-HLS playlist (fMP4, ~1 s segments
 *                                      of 0.2 s parts); ?_HLS_msn=N
 *                                      [&_HLS_part=M] blocks until that
 *                                      segment / part is out (400 when too
 *                                      far ahead, 503 after 3 target
 *                                      durations)
 *   GET /live/{live_id}/{segment}      HLS init / media segments / parts (the
 *                                      preload-hinted part blocks until
 *                                      complete); immutable once served
 *   GET /live/{live_id}/thumb.jpg      latest thumbnail
 *   GET /api/streams                   per-stream codecs, resolution, ...
 *   GET /api/recordings?live_id=ID     recordings of a session (JSON)
 *   GET /recordings/{file}             download one recording
 *   GET /metrics                       Prometheus text
 *   GET /healthz                       {"status":"ok"}
 *   POST /internal/v1/streams/{live_id}/drop
 *                                      the shop ended the session: its
 *                                      publisher is closed, its viewers
 *                                      too, its recording finalised, then
 *                                      200 {"live_id","dropped","recording"};
 *                                      idempotent; X-Internal-Secret (401
 *                                      missing, 403 wrong, 503 not set)
 *
 * Every /live/ request's connection is served from then on by
 * hls_conn.c's thread (relay_hls_conn.h), outside libmicrohttpd.
 *
 * Every response, errors included, carries Access-Control-Allow-Origin: *.
 * Errors are {"error":{"code":"...","message":"..."}}.
 *
 * Use from src/relay/main.c (ingest's event-loop thread):
 *
 *   relay_hub *hub = relay_hub_new(&cfg);
 *   if (relay_http_start(hub, &cfg) < 0) -> exit 1 (logged already)
 *   ... ingest loop; relay_hub_tick(hub, ...) about once a second ...
 *   relay_http_stop();          first: closes viewers, stops threads
 *   relay_hub_free(hub);        then: ends streams, finalises recordings
 *
 * One server per process. hub and cfg must outlive relay_http_stop(). */
#ifndef FARMLIVE_RELAY_HTTP_H
#define FARMLIVE_RELAY_HTTP_H

#include "farmlive/config.h"
#include "farmlive/relay_stream.h"

/* Starts listening and the server's threads (MHD pool + the HTTP-FLV
 * writer). 0, or -1 (logged) when the port cannot be bound. */
int relay_http_start(relay_hub *hub, const fl_config *cfg);
/* Closes every viewer connection and stops the server; safe to call when
 * relay_http_start failed or was never called. */
void relay_http_stop(void);

#endif

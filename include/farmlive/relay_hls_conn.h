/* relay_hls_conn.h - the viewers' /live/ requests on keep-alive connections
 * served by threads of the relay's own, outside libmicrohttpd.
 *
 * The relay's HTTP port is accepted here (listen_fd): a connection's first
 * request is peeked; one outside /live/ (the API, recordings, the internal
 * drop) goes to libmicrohttpd with the socket itself, its bytes unread
 * (hand_back). Every other request is read and answered here (one recv, one
 * sendmsg of a prebuilt header and the refcounted blob, or one sendfile of
 * its wire form): playlists (blocking reloads armed from here), init
 * segments, segments, parts, master.m3u8, the low rendition's files,
 * thumbnails, errors with CORS; an HTTP-FLV request is handed to the FLV
 * writer. A later request outside /live/ on such a connection is handed back
 * to libmicrohttpd (hand_back) through a socket pair for its one answer,
 * then the connection closes.
 *
 * http.c may also lend a connection libmicrohttpd holds, at its first
 * /live/ request (the socket, not a dup; MHD's connection stays suspended
 * meanwhile): it is then served the same way. When a lent connection ends
 * the socket is shut down and closed(arg) called: the lender closes it. */
#ifndef FARMLIVE_RELAY_HLS_CONN_H
#define FARMLIVE_RELAY_HLS_CONN_H

#include <stdint.h>

#include "farmlive/relay_hub.h"

/* The lent connection's first request, as libmicrohttpd parsed it (path
 * decoded; the query arguments routing needs, decoded, or NULL). */
typedef struct hls_conn_first {
    const char *method;
    const char *path;
    const char *hls_msn, *hls_part, *quality;
    int keep_alive;
} hls_conn_first;

/* listen_fd: the relay's listening HTTP socket (non-blocking; -1: none),
 * accepted here until hls_conn_stop, closed by the caller after it.
 * hand_back(fd): libmicrohttpd takes fd as a new connection (0), or -1
 * (fd closed). */
int hls_conn_start(relay_hub *hub, int listen_fd, int (*hand_back)(int fd));
/* Ends every lent connection (each closed(arg) called) and the threads. */
void hls_conn_stop(void);
/* Lends fd; 0, or -1 (not running: the caller answers and keeps fd). */
int hls_conn_attach(int fd, const hls_conn_first *first, void (*closed)(void *arg), void *arg);
/* Requests answered here so far; connections held now. */
void hls_conn_get_stats(uint64_t *requests, int *conns);

#endif

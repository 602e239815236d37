/* server.c - the shop's HTTP server: the request lifecycle on
 * libmicrohttpd (shop/core/server.h; suspending and resuming a request are
 * declared in shop/core/http.h).
 *
 *   MHD access callback, first call   -> allocate reqctx, request id,
 *                                        413 early on a large Content-Length
 *               further calls         -> append body (bounded by 1 MiB)
 *               last call             -> route, parse JSON, auth, handler,
 *                                        queue reply, metrics, access log
 *               a handler that suspended (shop_suspend) returns
 *               SHOP_SUSPENDED; shop_resume wakes the connection and the
 *               call after that queues the reply it left
 *   MHD completed callback            -> free arena (connections released)
 */
#include "farmlive/shop/core/server.h"
#include "farmlive/shop/core/routes.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/client_addr.h"
#include "farmlive/shop/core/metrics.h"
#include "farmlive/alloc.h"
#include "farmlive/crypto.h"
#include "farmlive/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct shop_server {
    struct MHD_Daemon *daemon;
    shop_ctx *ctx;
};

static atomic_int inflight;
/* The buffer MHD would give a taken-over reply's reader for an HTTP/1.0
 * client (it is asked for nothing: the socket is taken at the first call). */
#define TAKEOVER_BLOCK 64

static atomic_int suspended; /* requests between shop_suspend and shop_resume */
static atomic_ullong request_seq;
static char request_prefix[17]; /* 8 random bytes per process, as hex */

/* Request ids: 16 hex characters fixed per process (random at start) and a
 * 16-hex-digit sequence number: unique across processes and restarts in
 * practice, and cheap (no system call per request). */
static void next_request_id(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    unsigned long long n = atomic_fetch_add_explicit(&request_seq, 1, memory_order_relaxed);
    memcpy(out, request_prefix, 16);
    for (int i = 31; i >= 16; i--, n >>= 4)
        out[i] = hex[n & 15];
    out[32] = '\0';
}

struct reqctx {
    shop_req req;
    char *body;
    size_t body_len;
    int too_large;
    size_t body_cap;                            /* the route's body limit; 0 until a body passes SHOP_BODY_MAX */
    int resumed;                                /* shop_resume was called: the next call replies */
    int resume_err;                             /* the handler's result, as passed to shop_resume */
    int (*resume_next)(shop_req *r, void *arg); /* shop_resume_then's: runs first */
    void *resume_arg;
    struct takeover *takeover; /* shop_reply_takeover's: the socket goes to it */
    int http11;                /* the client spoke HTTP/1.1 (or later) */
    struct timespec start;
};

/* -- the request lifecycle --------------------------------------------- */

/* The body limit of rc's route: SHOP_UPLOAD_MAX for an upload route, else
 * SHOP_BODY_MAX. Looked up only once a body would pass SHOP_BODY_MAX, so
 * ordinary requests never match their route twice. */
static size_t body_cap(struct reqctx *rc)
{
    if (!rc->body_cap) {
        const char *params[SHOP_MAX_PARAMS];
        size_t nparams = 0;
        int known = 0;
        char *path = fl_arena_strdup(rc->req.arena, rc->req.path);
        const shop_route *route = shop_route_match(rc->req.method, path, params, &nparams, &known);
        rc->body_cap = route && route->body == SHOP_BODY_UPLOAD ? SHOP_UPLOAD_MAX : SHOP_BODY_MAX;
    }
    return rc->body_cap;
}

static void release_conns(void *arg)
{
    shop_req *r = arg;
    shop_release_conns(r);
    json_decref(r->body);
    r->body = NULL;
}

void shop_suspend(shop_req *r)
{
    shop_release_conns(r);
    atomic_fetch_add(&suspended, 1);
    MHD_suspend_connection(r->conn);
}

void shop_resume_then(shop_req *r, int (*next)(shop_req *r, void *arg), void *arg)
{
    struct reqctx *rc = (struct reqctx *)r; /* req is reqctx's first member */
    struct MHD_Connection *conn = r->conn;
    rc->resume_next = next;
    rc->resume_arg = arg;
    rc->resumed = 1;
    /* still counted as suspended until next() has run (on_request): it may
     * suspend again, and shutdown must not slip in between */
    MHD_resume_connection(conn); /* after this, r belongs to MHD's thread */
}

void shop_resume(shop_req *r, int err)
{
    struct reqctx *rc = (struct reqctx *)r; /* req is reqctx's first member */
    struct MHD_Connection *conn = r->conn;
    rc->resume_err = err;
    rc->resumed = 1;
    MHD_resume_connection(conn); /* after this, r belongs to MHD's thread */
    atomic_fetch_sub(&suspended, 1);
}

/* -- socket takeover ------------------------------------------------------ */

/* A reply whose socket goes to someone else once its headers are sent
 * (shop_reply_takeover). MHD calls takeover_read for the first piece of
 * the body, which comes only after the status line and headers were
 * written out whole (MHD sends a callback reply's headers alone, then
 * asks for the body). The reader hands a duplicate of the socket to adopt
 * and answers END_WITH_ERROR: MHD then closes the connection, frees its
 * memory pool, removes the socket from its epoll set and closes its own
 * descriptor; with MHD_USE_TURBO it never calls shutdown() on it, so the
 * duplicate keeps the connection open. Freed by takeover_free (MHD's free
 * callback of the reply), which calls drop when adopt never ran. */
struct takeover {
    shop_takeover_fn adopt;
    void (*drop)(void *arg);
    void *arg;
    struct MHD_Connection *conn;
    int chunked; /* MHD uses chunked encoding exactly when the client spoke HTTP/1.1 */
    int taken;
};

int shop_reply_takeover(shop_req *r, const char *type, shop_takeover_fn adopt, void (*drop)(void *arg), void *arg)
{
    struct reqctx *rc = (struct reqctx *)r; /* req is reqctx's first member */
    rc->takeover = fl_malloc(sizeof(*rc->takeover));
    *rc->takeover = (struct takeover){adopt, drop, arg, r->conn, rc->http11, 0};
    r->status = 200;
    r->resp = "";
    r->resp_len = 0;
    r->resp_type = type;
    return SHOP_OK;
}

static ssize_t takeover_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct takeover *t = cls;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(t->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = ci ? fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0) : -1, on = 1, off = 0;
    (void)pos;
    (void)buf;
    (void)max;
    /* MHD marks the connection closed when this returns, but frees it (and
     * closes its descriptor) only when its thread looks at it again: after
     * the next event on its socket, or a timeout, however long that is. A
     * suspend and resume makes the thread look at it again at once. */
    MHD_suspend_connection(t->conn);
    MHD_resume_connection(t->conn);
    if (fd < 0 || t->taken)
        return MHD_CONTENT_READER_END_WITH_ERROR; /* out of descriptors: the client tries again */
    /* MHD may have corked the socket to send the headers with a body */
    setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof(off));
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    t->taken = 1;
    t->adopt(t->arg, fd, t->chunked);
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void takeover_free(void *cls)
{
    struct takeover *t = cls;
    if (!t->taken)
        t->drop(t->arg);
    fl_free(t);
}

static int content_type_is_json(const char *ct)
{
    if (!ct)
        return 0;
    while (*ct == ' ')
        ct++;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int dispatch(struct reqctx *rc)
{
    shop_req *r = &rc->req;
    char *path = fl_arena_strdup(r->arena, r->path);
    int path_known = 0;

    if (rc->too_large)
        return shop_fail(r, SHOP_E_TOO_LARGE, "request body exceeds %zu bytes", body_cap(rc));
    r->raw_body = rc->body;
    r->raw_body_len = rc->body_len;
    r->route = shop_route_match(r->method, path, r->params, &r->nparams, &path_known);
    if (!r->route) {
        if (path_known)
            return shop_fail(r, SHOP_E_METHOD, "%s is not allowed on %s", r->method, r->path);
        return shop_fail(r, SHOP_E_NOT_FOUND, "no route for %s", r->path);
    }
    if (r->route->body == SHOP_BODY_JSON || (r->route->body == SHOP_BODY_JSON_OPT && rc->body_len > 0)) {
        json_error_t jerr;
        if (!content_type_is_json(shop_header(r, "Content-Type")))
            return shop_fail(r, SHOP_E_MEDIA_TYPE, "Content-Type must be application/json");
        if (rc->body_len == 0)
            return shop_fail(r, SHOP_E_BAD_JSON, "a JSON body is required");
        r->body = json_loadb(rc->body, rc->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!r->body)
            return shop_fail(r, SHOP_E_BAD_JSON, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column,
                             jerr.text);
        if (!json_is_object(r->body))
            return shop_fail(r, SHOP_E_BAD_JSON, "the body must be a JSON object");
    }
    int err = shop_auth_request(r);
    if (err < 0)
        return err;
    return r->route->handler(r);
}

/* Appends s to buf as a JSON string body (without quotes), bounded. */
static size_t json_escape(char *buf, size_t cap, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (; *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            buf[n++] = '\\';
            buf[n++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            n += (size_t)snprintf(buf + n, cap - n, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
        } else {
            buf[n++] = (char)c;
        }
    }
    buf[n] = '\0';
    return n;
}

/* A bounded line builder for the access log: no printf on the hot path. */
struct line {
    char buf[1024];
    size_t n;
};

static void put_s(struct line *l, const char *s)
{
    size_t k = strlen(s);
    if (k > sizeof(l->buf) - 2 - l->n)
        k = sizeof(l->buf) - 2 - l->n;
    memcpy(l->buf + l->n, s, k);
    l->n += k;
}

static void put_u(struct line *l, unsigned long long v, int min_digits)
{
    char tmp[24];
    int i = (int)sizeof(tmp);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while ((v || (int)sizeof(tmp) - i < min_digits) && i > 0);
    size_t k = sizeof(tmp) - (size_t)i;
    if (k <= sizeof(l->buf) - 2 - l->n) {
        memcpy(l->buf + l->n, tmp + i, k);
        l->n += k;
    }
}

/* One JSON line per request:
 * {"event":"access","ts":..,"request_id":..,"method":..,"path":..,"route":..,
 *  "status":..,"bytes":..,"duration_ms":..,"ip":..,"account_id":..[,"error":..]} */
static void access_log(const shop_req *r, double seconds)
{
    char path[512];
    struct line l;
    unsigned long long us = (unsigned long long)(seconds * 1e6);
    l.n = 0;
    json_escape(path, sizeof(path), r->path);
    put_s(&l, "{\"event\":\"access\",\"ts\":");
    put_u(&l, (unsigned long long)time(NULL), 1);
    put_s(&l, ",\"request_id\":\"");
    put_s(&l, r->request_id);
    put_s(&l, "\",\"method\":\"");
    put_s(&l, r->method);
    put_s(&l, "\",\"path\":\"");
    put_s(&l, path);
    put_s(&l, "\",\"route\":\"");
    put_s(&l, r->route ? r->route->pattern : "-");
    put_s(&l, "\",\"status\":");
    put_u(&l, (unsigned long long)r->status, 1);
    put_s(&l, ",\"bytes\":");
    put_u(&l, r->resp_len, 1);
    put_s(&l, ",\"duration_ms\":");
    put_u(&l, us / 1000, 1);
    put_s(&l, ".");
    put_u(&l, us % 1000, 3);
    put_s(&l, ",\"ip\":\"");
    put_s(&l, r->client_ip);
    put_s(&l, "\",\"account_id\":");
    put_u(&l, r->session ? (unsigned long long)r->session->account_id : 0, 1);
    if (r->err) {
        put_s(&l, ",\"error\":\"");
        put_s(&l, r->err_code ? r->err_code : "error");
        put_s(&l, "\"");
    }
    l.buf[l.n++] = '}';
    l.buf[l.n++] = '\n';
    fl_log_access(l.buf, l.n);
}

static enum MHD_Result respond(struct reqctx *rc, int err)
{
    shop_req *r = &rc->req;
    /* the handler is done with its connections: back to the pools now, not
     * when the answer has been sent (this thread may block on a pool in
     * another request's handler before it sends this one) */
    shop_release_conns(r);
    if (err < 0) {
        char msg[1024];
        r->status = shop_err_status(err);
        json_t *e = json_pack("{s:{s:s,s:s,s:s}}", "error", "code", r->err_code ? r->err_code : shop_err_code(err),
                              "message", r->err_msg ? r->err_msg : "error", "request_id", r->request_id);
        if (!e) {
            /* a message that is not UTF-8 (from a bad path): say so plainly */
            snprintf(msg, sizeof(msg), "request failed");
            e = json_pack("{s:{s:s,s:s,s:s}}", "error", "code", shop_err_code(err), "message", msg, "request_id",
                          r->request_id);
        }
        r->err = err;
        shop_reply_json(r, r->status, e);
        r->status = shop_err_status(err);
        if (err == SHOP_E_INTERNAL || err == SHOP_E_UNAVAILABLE)
            fl_log(FL_LOG_WARN, "request_failed", "%s %s -> %d %s: %s (request %s)", r->method, r->path, r->status,
                   r->err_code, r->err_msg ? r->err_msg : "", r->request_id);
    }
    struct MHD_Response *resp = NULL;
    if (rc->takeover && err >= 0) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, TAKEOVER_BLOCK, takeover_read, rc->takeover,
                                                 takeover_free);
        if (!resp)
            takeover_free(rc->takeover);
        rc->takeover = NULL; /* the response's now */
    } else {
        resp = MHD_create_response_from_buffer(r->resp_len, (void *)r->resp, MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    if (r->resp_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->resp_type);
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    int has_cache = 0;
    for (size_t i = 0; i < r->nhdrs; i++) {
        MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
        if (strcasecmp(r->hdr_name[i], "Cache-Control") == 0)
            has_cache = 1;
    }
    if (!has_cache)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned int)r->status, resp);
    MHD_destroy_response(resp);

    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double secs = (double)(end.tv_sec - rc->start.tv_sec) + (double)(end.tv_nsec - rc->start.tv_nsec) / 1e9;
    shop_metrics_observe(r->route ? shop_route_index(r->route) : shop_routes_count, r->status, secs);
    access_log(r, secs);
    return ret;
}

/* Every value of one request header, joined with "," in their order (as
 * RFC 9110 reads repeated fields): for X-Forwarded-For sent on two lines. */
struct joined {
    fl_arena *arena;
    const char *name;
    char *text;
};

static enum MHD_Result join_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct joined *j = cls;
    (void)kind;
    if (value && strcasecmp(key, j->name) == 0)
        j->text = j->text ? fl_arena_printf(j->arena, "%s,%s", j->text, value) : (char *)value;
    return MHD_YES;
}

static const char *header_joined(fl_arena *a, struct MHD_Connection *conn, const char *name)
{
    struct joined j = {a, name, NULL};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, join_value, &j);
    return j.text;
}

/* The request's client address (core/client_addr.h: the peer, or what a
 * trusted proxy says). */
static void client_ip(const fl_config *cfg, fl_arena *a, struct MHD_Connection *conn, char *out, size_t len)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    fl_ipaddr peer, *known = NULL;
    memset(&peer, 0, sizeof(peer));
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
        memcpy(peer.b, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, 4);
        known = &peer;
    } else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6) {
        char text[FL_IP_TEXT_MAX];
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, text, sizeof(text));
        known = fl_ip_parse(text, strlen(text), &peer) == 0 ? &peer : NULL; /* a mapped IPv4 read as IPv4 */
    }
    if (cfg->trusted_proxies_n == 0) { /* no header is believed: not even read */
        shop_client_addr(cfg, known, NULL, NULL, out, len);
        return;
    }
    shop_client_addr(cfg, known, header_joined(a, conn, "X-Forwarded-For"), header_joined(a, conn, "Forwarded"), out,
                     len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    shop_server *srv = cls;
    struct reqctx *rc = *con_cls;

    if (!rc) {
        rc = fl_calloc(1, sizeof(*rc));
        clock_gettime(CLOCK_MONOTONIC, &rc->start);
        rc->req.ctx = srv->ctx;
        rc->req.arena = fl_arena_new(0);
        rc->req.conn = conn;
        rc->req.method = method;
        rc->req.path = url;
        rc->http11 = version && strcmp(version, MHD_HTTP_VERSION_1_0) != 0;
        next_request_id(rc->req.request_id);
        client_ip(srv->ctx->cfg, rc->req.arena, conn, rc->req.client_ip, sizeof(rc->req.client_ip));
        fl_arena_defer(rc->req.arena, release_conns, &rc->req);
        *con_cls = rc;
        atomic_fetch_add(&inflight, 1);
        shop_metrics_inflight(1);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > SHOP_BODY_MAX && strtoull(cl, NULL, 10) > body_cap(rc)) {
            rc->too_large = 1;
            return respond(rc, dispatch(rc));
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (rc->too_large)
            return MHD_YES;
        if (rc->body_len + n > SHOP_BODY_MAX && rc->body_len + n > body_cap(rc)) {
            rc->too_large = 1;
            fl_free(rc->body);
            rc->body = NULL;
            rc->body_len = 0;
            return MHD_YES;
        }
        rc->body = fl_realloc(rc->body, rc->body_len + n + 1);
        memcpy(rc->body + rc->body_len, upload_data, n);
        rc->body_len += n;
        rc->body[rc->body_len] = '\0';
        return MHD_YES;
    }
    if (rc->resumed) {
        int err = rc->resume_err;
        rc->resumed = 0;
        if (rc->resume_next) {
            int (*next)(shop_req *, void *) = rc->resume_next;
            rc->resume_next = NULL;
            err = next(&rc->req, rc->resume_arg);
            atomic_fetch_sub(&suspended, 1); /* shop_resume_then's suspension (a new one counts itself) */
            if (err == SHOP_SUSPENDED)
                return MHD_YES;
        }
        return respond(rc, err);
    }
    if (rc->req.status != 0)
        return MHD_YES; /* already answered (early 413) */
    int err = dispatch(rc);
    return err == SHOP_SUSPENDED ? MHD_YES : respond(rc, err);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    struct reqctx *rc = *con_cls;
    (void)cls;
    (void)conn;
    (void)toe;
    if (!rc)
        return;
    if (rc->takeover) /* never handed to MHD */
        takeover_free(rc->takeover);
    if (rc->resume_next) /* resumed by shop_resume_then, closed before next() ran */
        atomic_fetch_sub(&suspended, 1);
    fl_arena_free(rc->req.arena);
    fl_free(rc->body);
    fl_free(rc);
    *con_cls = NULL;
    atomic_fetch_sub(&inflight, 1);
    shop_metrics_inflight(-1);
}

static void on_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
    (void)cls;
    fl_log(FL_LOG_ERROR, "mhd_panic", "%s:%u: %s", file, line, reason ? reason : "");
    abort();
}

shop_server *shop_server_start(shop_ctx *ctx, char *err, size_t errlen)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)ctx->cfg->shop_port);
    if (inet_pton(AF_INET, ctx->cfg->shop_host, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "FARMLIVE_SHOP_HOST=%s is not an IPv4 address", ctx->cfg->shop_host);
        return NULL;
    }
    shop_server *s = fl_calloc(1, sizeof(*s));
    s->ctx = ctx;
    fl_random_hex(request_prefix, 8);
    fl_log_access_start();
    MHD_set_panic_func(on_panic, NULL);
    s->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO, (uint16_t)ctx->cfg->shop_port, NULL,
        NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)ctx->cfg->shop_threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)10000,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen, "cannot listen on %s:%d (port in use?)", ctx->cfg->shop_host, ctx->cfg->shop_port);
        fl_log_access_stop();
        fl_free(s);
        return NULL;
    }
    return s;
}

void shop_server_stop(shop_server *s, int grace_ms)
{
    if (!s)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (int waited = 0; atomic_load(&inflight) > 0 && waited < grace_ms; waited += 10)
        usleep(10000);
    if (atomic_load(&inflight) > 0)
        fl_log(FL_LOG_WARN, "shutdown", "%d requests still in flight after %d ms", atomic_load(&inflight), grace_ms);
    /* a suspended request is always resumed (its worker's statements have
     * timeouts); MHD must not stop while one is suspended */
    while (atomic_load(&suspended) > 0)
        usleep(10000);
    MHD_stop_daemon(s->daemon);
    fl_log_access_stop();
    fl_free(s);
}

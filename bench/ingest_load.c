/* ingest_load.c - many RTMP publishers from one process, for the ingest
 * benchmark (ops/bench-ingest.sh): N connections on one epoll, each
 * publishing the same FLV clip in real time, looped.
 *
 *   bench-ingest_load rtmp://HOST:PORT/APP KEY_PREFIX N SECONDS CLIP.flv [PIDS]
 *
 * Publisher i (1..N) publishes stream KEY_PREFIX<i>: handshake, connect,
 * createStream, publish, and waits for NetStream.Publish.Start before its
 * first tag (the relay asks the shop first). Connections open up to 10
 * every 100 ms and at most 8 at a time not yet publishing (all come from
 * one address, and the relay refuses more than 16 connections an address
 * that do not publish yet: a guard against floods before the key is
 * checked), so the server's publish path is not one burst. Each
 * publisher then sends the clip's audio and video tags when their times
 * come on the wall clock from its own start (so the publishers' keyframes
 * are spread as real encoders' are), again and again: each loop carries on
 * one frame after the last (the sequence headers once, at the start).
 *
 * Once every publisher publishes (or 60 s went by), 5 s of settling, then
 * SECONDS measured: bytes the sockets took (media in RTMP chunks), and,
 * given PIDS (comma-separated),
 * those processes' CPU (utime + stime from /proc/PID/stat) over the window
 * and the first one's resident memory at its end. A publisher whose socket
 * holds more than 2 s of its bitrate unsent is behind (the server does not
 * keep up); counted once per publisher. Prints one JSON object. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "farmlive/amf0.h"
#include "farmlive/rtmp_chunk.h"

#define HS 1536
#define CHUNK 4096
#define WBUF_MAX (16u << 20)
#define BEHIND_BYTES (150u * 1024) /* ~2 s of 600 kbps */
#define OPEN_BATCH 10
#define OPEN_EVERY_MS 100
#define OPENING_MAX 8 /* connections not yet publishing: the relay allows 16 an address */
#define SETTLE_MS 5000
#define START_LIMIT_MS 60000
#define MAX_PIDS 8

enum { P_CONNECTING, P_HANDSHAKE, P_WAITING, P_PUBLISHING, P_DEAD };

typedef struct tag {
    uint8_t type; /* 8 audio, 9 video */
    uint32_t ts;
    int seq; /* a sequence header: sent once */
    const uint8_t *body;
    size_t len;
} tag;

typedef struct pub {
    int fd, state, behind;
    size_t hs_got;
    uint8_t s1[HS];
    rtmp_wbuf w;
    char tail[64]; /* the last bytes received while waiting, for the status */
    size_t tail_len;
    int64_t t0;   /* wall ms of clip time 0 */
    size_t next;  /* next tag */
    int64_t loop; /* ms added to the clip's times in this loop */
} pub;

static struct {
    char host[64], app[64], prefix[64];
    int port;
    tag *tags;
    size_t ntags;
    uint32_t clip_ms;
    uint64_t bytes; /* bytes the sockets took from publishing connections while measuring */
    int measuring;
    int pids[MAX_PIDS], npids;
} G;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* -- the clip ---------------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = n > 0 ? malloc((size_t)n) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = p ? (size_t)n : 0;
    return p;
}

/* The audio and video tags of an FLV file (bodies point into p). */
static int load_clip(const uint8_t *p, size_t n)
{
    if (n < 13 || memcmp(p, "FLV", 3) != 0)
        return -1;
    size_t off = ((size_t)p[5] << 24 | (size_t)p[6] << 16 | (size_t)p[7] << 8 | p[8]) + 4;
    G.tags = calloc(n / 15 + 1, sizeof(tag));
    uint32_t last_ts = 0, max_ts = 0, step = 40;
    while (off + 11 <= n) {
        const uint8_t *h = p + off;
        size_t len = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
        uint32_t ts = ((uint32_t)h[4] << 16 | (uint32_t)h[5] << 8 | h[6]) | (uint32_t)h[7] << 24;
        if (off + 11 + len > n)
            break;
        const uint8_t *b = h + 11;
        if ((h[0] == 8 || h[0] == 9) && len >= 2) {
            tag *t = &G.tags[G.ntags++];
            t->type = h[0];
            t->ts = ts;
            t->body = b;
            t->len = len;
            t->seq = (h[0] == 9 && (b[0] & 0x0f) == 7 && b[1] == 0) || (h[0] == 8 && (b[0] >> 4) == 10 && b[1] == 0);
            max_ts = ts > max_ts ? ts : max_ts;
            if (h[0] == 9 && ts > last_ts && !t->seq) {
                step = ts - last_ts < 1000 ? ts - last_ts : step;
                last_ts = ts;
            }
        }
        off += 11 + len + 4;
    }
    G.clip_ms = max_ts + step; /* the next loop one video frame step after the last tag */
    return G.ntags ? 0 : -1;
}

/* -- publishers ---------------------------------------------------------------- */

static void command(pub *c, const char *name, double txn, const char *arg, const char *arg2, uint32_t sid)
{
    amf0_buf b;
    char tc[192];
    amf0_buf_init(&b, 1024);
    amf0_put_cstr(&b, name);
    amf0_put_number(&b, txn);
    if (strcmp(name, "connect") == 0) {
        snprintf(tc, sizeof(tc), "rtmp://%s:%d/%s", G.host, G.port, G.app);
        amf0_put_object_begin(&b);
        amf0_put_key(&b, "app", 3);
        amf0_put_cstr(&b, G.app);
        amf0_put_key(&b, "type", 4);
        amf0_put_cstr(&b, "nonprivate");
        amf0_put_key(&b, "tcUrl", 5);
        amf0_put_cstr(&b, tc);
        amf0_put_object_end(&b);
    } else {
        amf0_put_null(&b);
        if (arg)
            amf0_put_cstr(&b, arg);
        if (arg2)
            amf0_put_cstr(&b, arg2);
    }
    rtmp_msg m = {.csid = sid ? 8 : 3, .type = RTMP_MSG_COMMAND_AMF0, .stream_id = sid, .payload = b.p, .len = b.len};
    if (b.err || rtmp_wbuf_msg(&c->w, &m, CHUNK) < 0)
        c->state = P_DEAD;
    amf0_buf_free(&b);
}

/* Writes what the socket takes. */
static void flush(pub *c)
{
    while (c->state != P_DEAD && c->w.sent < c->w.len) {
        ssize_t k = send(c->fd, c->w.p + c->w.sent, c->w.len - c->w.sent, MSG_NOSIGNAL);
        if (k > 0) {
            c->w.sent += (size_t)k;
            if (G.measuring && c->state == P_PUBLISHING)
                G.bytes += (uint64_t)k;
        } else {
            if (k < 0 && errno != EAGAIN && errno != EINTR)
                c->state = P_DEAD;
            break;
        }
    }
    if (c->w.sent > (1u << 20) || c->w.sent == c->w.len)
        rtmp_wbuf_compact(&c->w);
}

static void handshake_done(pub *c, int i)
{
    char key[96];
    snprintf(key, sizeof(key), "%s%d", G.prefix, i + 1);
    rtmp_wbuf_raw(&c->w, c->s1, HS); /* C2 */
    rtmp_send_u32(&c->w, RTMP_MSG_SET_CHUNK_SIZE, CHUNK, RTMP_DEFAULT_CHUNK_SIZE);
    command(c, "connect", 1, NULL, NULL, 0);
    command(c, "createStream", 2, NULL, NULL, 0);
    command(c, "publish", 3, key, "live", 1); /* the first stream a server creates is 1 */
    c->state = P_WAITING;
}

/* Bytes from the server: S0 S1 S2, then (waiting) the publish's status;
 * later ones (acknowledgements, pings) are read and dropped. */
static void on_bytes(pub *c, int i, const uint8_t *p, size_t n)
{
    while (n > 0 && c->state == P_HANDSHAKE) {
        if (c->hs_got >= 1 && c->hs_got < 1 + HS)
            c->s1[c->hs_got - 1] = *p;
        c->hs_got++;
        p++;
        n--;
        if (c->hs_got == 1 + 2 * HS)
            handshake_done(c, i);
    }
    if (c->state != P_WAITING || n == 0)
        return;
    char buf[64 + 4096];
    size_t k = n > 4096 ? 4096 : n;
    memcpy(buf, c->tail, c->tail_len);
    memcpy(buf + c->tail_len, p + n - k, k);
    size_t len = c->tail_len + k;
    if (memmem(buf, len, "NetStream.Publish.Start", 23)) {
        c->state = P_PUBLISHING;
        c->t0 = now_ms();
    } else if (memmem(buf, len, "NetStream.Publish.BadName", 25) || memmem(buf, len, "_error", 6)) {
        c->state = P_DEAD;
    }
    c->tail_len = len < sizeof(c->tail) ? len : sizeof(c->tail);
    memcpy(c->tail, buf + len - c->tail_len, c->tail_len);
}

/* Queues the tags whose time came. */
static void pace(pub *c, int64_t t)
{
    int64_t at = t - c->t0;
    while (c->state == P_PUBLISHING) {
        if (c->next == G.ntags) {
            c->next = 0;
            c->loop += G.clip_ms;
        }
        const tag *g = &G.tags[c->next];
        if (g->seq && c->loop > 0) {
            c->next++;
            continue;
        }
        if ((int64_t)g->ts + c->loop > at)
            break;
        rtmp_msg m = {.csid = g->type == 8 ? 4 : 6,
                      .ts = (uint32_t)(g->ts + c->loop),
                      .type = g->type,
                      .stream_id = 1,
                      .payload = g->body,
                      .len = g->len};
        if (rtmp_wbuf_msg(&c->w, &m, CHUNK) < 0) {
            c->state = P_DEAD;
            break;
        }
        c->next++;
    }
    if (c->state == P_PUBLISHING && c->w.len - c->w.sent > BEHIND_BYTES && G.measuring)
        c->behind = 1;
}

static int open_pub(pub *c, int ep)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)G.port)};
    inet_pton(AF_INET, G.host, &a.sin_addr);
    rtmp_wbuf_init(&c->w, WBUF_MAX);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS))
        return -1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* -- measuring ------------------------------------------------------------------- */

static long long cpu_ticks(void)
{
    long long sum = 0;
    for (int i = 0; i < G.npids; i++) {
        char path[64], line[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", G.pids[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(line, sizeof(line), f)) {
            const char *p = strrchr(line, ')'); /* the name may hold spaces */
            unsigned long long ut = 0, st = 0;
            if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) == 2)
                sum += (long long)(ut + st);
        }
        fclose(f);
    }
    return sum;
}

static long rss_kb(int pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

int main(int argc, char **argv)
{
    if (argc < 6 || sscanf(argv[1], "rtmp://%63[^:/]:%d/%63s", G.host, &G.port, G.app) != 3) {
        fprintf(stderr, "usage: %s rtmp://HOST:PORT/APP KEY_PREFIX N SECONDS CLIP.flv [PID,PID...]\n", argv[0]);
        return 2;
    }
    snprintf(G.prefix, sizeof(G.prefix), "%s", argv[2]);
    int n = (int)strtol(argv[3], NULL, 10), secs = (int)strtol(argv[4], NULL, 10);
    size_t clip_len;
    uint8_t *clip = read_file(argv[5], &clip_len);
    if (n <= 0 || secs <= 0 || !clip || load_clip(clip, clip_len) < 0) {
        fprintf(stderr, "N and SECONDS must be positive, CLIP an FLV file with audio or video tags\n");
        return 2;
    }
    for (char *s = argc > 6 ? argv[6] : NULL; s && *s && G.npids < MAX_PIDS;) {
        G.pids[G.npids++] = (int)strtol(s, &s, 10);
        if (*s == ',')
            s++;
    }
    struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};
    setrlimit(RLIMIT_NOFILE, &rl);
    pub *ps = calloc((size_t)n, sizeof(*ps));
    uint8_t *buf = malloc(65536);
    int ep = epoll_create1(0), opened = 0;
    struct epoll_event evs[256];
    int64_t start = now_ms(), last_open = 0, measure_at = 0, end_at = 0;
    long long c0 = 0, c1 = 0;
    long rss = -1;
    for (;;) {
        int64_t t = now_ms();
        if (opened < n && t - last_open >= OPEN_EVERY_MS) {
            int opening = 0;
            for (int i = 0; i < opened; i++)
                opening += ps[i].state < P_PUBLISHING;
            last_open = t;
            for (int k = 0; k < OPEN_BATCH && opened < n && opening < OPENING_MAX; k++, opened++, opening++)
                if (open_pub(&ps[opened], ep) < 0)
                    ps[opened].state = P_DEAD;
        }
        if (!measure_at && opened == n) {
            int up = 0;
            for (int i = 0; i < n; i++)
                up += ps[i].state == P_PUBLISHING || ps[i].state == P_DEAD;
            if (up == n || t - start > START_LIMIT_MS) {
                measure_at = t + SETTLE_MS;
                end_at = measure_at + (int64_t)secs * 1000;
            }
        }
        if (measure_at && !G.measuring && t >= measure_at) {
            G.measuring = 1;
            c0 = cpu_ticks();
        }
        if (end_at && t >= end_at) {
            c1 = cpu_ticks();
            rss = G.npids ? rss_kb(G.pids[0]) : -1;
            break;
        }
        int k = epoll_wait(ep, evs, 256, 5);
        for (int e = 0; e < k; e++) {
            pub *c = evs[e].data.ptr;
            int i = (int)(c - ps);
            if (c->state == P_DEAD)
                continue;
            if (c->state == P_CONNECTING && (evs[e].events & EPOLLOUT)) {
                int err = 0;
                socklen_t l = sizeof(err);
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
                if (err) {
                    c->state = P_DEAD;
                    continue;
                }
                static const uint8_t c01[1 + HS] = {3}; /* C0 C1 */
                rtmp_wbuf_raw(&c->w, c01, sizeof(c01));
                c->state = P_HANDSHAKE;
            }
            if (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                for (;;) {
                    ssize_t r = recv(c->fd, buf, 65536, 0);
                    if (r > 0) {
                        on_bytes(c, i, buf, (size_t)r);
                        continue;
                    }
                    if (r == 0 || (errno != EAGAIN && errno != EINTR))
                        c->state = P_DEAD;
                    break;
                }
            }
        }
        t = now_ms();
        for (int i = 0; i < opened; i++) {
            pace(&ps[i], t);
            flush(&ps[i]);
        }
    }
    int publishing = 0, dead = 0, behind = 0;
    for (int i = 0; i < n; i++) {
        publishing += ps[i].state == P_PUBLISHING;
        dead += ps[i].state == P_DEAD;
        behind += ps[i].behind;
        if (ps[i].fd > 0)
            close(ps[i].fd);
        rtmp_wbuf_free(&ps[i].w);
    }
    long hz = sysconf(_SC_CLK_TCK);
    printf("{\"publishers\":%d,\"publishing\":%d,\"failed\":%d,\"behind\":%d,\"seconds\":%d,"
           "\"kbps_per_publisher\":%.1f,\"cpu_pct\":%.1f,\"rss_kb\":%ld,\"setup_ms\":%lld}\n",
           n, publishing, dead, behind, secs, (double)G.bytes * 8 / 1000 / secs / n,
           G.npids ? 100.0 * (double)(c1 - c0) / (double)hz / secs : -1.0, rss, (long long)(measure_at - start));
    free(buf);
    free(ps);
    free(G.tags);
    free(clip);
    close(ep);
    return 0;
}

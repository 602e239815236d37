/* flv_load.c - a load client for the relay benchmark (ops/bench-relay.sh):
 * N viewers in one process on one epoll, counting bytes and stalls.
 *
 *   bench-flv_load flv URL N SECONDS [PUB_START_MS]
 *   bench-flv_load hls URL N SECONDS [POLL_MS]
 *   bench-flv_load rtmp rtmp://HOST:PORT/APP/STREAM N SECONDS
 *
 * flv: N HTTP-FLV connections read continuously; FLV tags are parsed (not
 *   kept) to time the first keyframe (time to first frame) and, given the
 *   wall-clock ms at which the publisher started at timestamp 0, the delay
 *   publisher -> viewer of every tag after a viewer's first 3 s.
 * hls: N players on keep-alive connections: GET the playlist, GET each new
 *   media segment (init once), poll again after the target duration (as a
 *   player does) or, given POLL_MS, that many ms after the last response;
 *   with EXT-X-PROGRAM-DATE-TIME, the live edge's age when first seen: now
 *   - (PROGRAM-DATE-TIME + EXTINF) of the newest segment, signed (a
 *   server whose date origin lags its media clock shows negative ages). Polling every
 *   target duration, that age includes up to one target duration of
 *   polling phase (the same for players started together); a small
 *   POLL_MS bounds that error by POLL_MS plus one request.
 *   LL-HLS (EXT-X-PART): the part edge's age likewise, when a newest part
 *   first appears: now - (its segment's PROGRAM-DATE-TIME + the DURATIONs
 *   of the segment's parts up to and including it); and PART-HOLD-BACK,
 *   where hls.js in low-latency mode (its default) plays behind that edge.
 *
 * rtmp: N RTMP players (handshake, connect, createStream, play, an
 *   acknowledgement every 2.5 MB), the same kind of client as flv, for
 *   the reference server's RTMP play; bytes after the handshake count as
 *   media (no tag parsing: no delay figures).
 *
 * A stall is a viewer getting no media for more than 2 s (flv) or
 * 3 target durations (hls), counted once per episode. Connections are
 * opened in batches, then SECONDS of steady state are measured. Prints one
 * JSON object. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

#define BUF 65536
#define PL_MAX 16384
#define HIST 20000     /* ms buckets */
#define EDGE_BIAS 5000 /* the edge histogram holds age + EDGE_BIAS: ages may be negative */

typedef struct conn {
    int fd;
    int connected, done, failed;
    int64_t t_connect, t_last_media, t_first_frame;
    int stalled;
    /* http */
    int in_body;
    char hdr[2048];
    size_t hdr_len;
    int64_t body_left; /* -1: until close */
    /* flv parser */
    uint8_t th[13];
    size_t th_len, th_need;
    int64_t skip; /* body bytes still to skip */
    int tag_type, tag_key_seen;
    uint32_t tag_ts;
    /* hls */
    int want; /* 0 playlist, 1 init, 2 segment */
    char pl[PL_MAX];
    size_t pl_len;
    int64_t next_poll;
    long long last_seq;
    int have_init;
    char pending[16][96];
    int npending;
    char last_part[96]; /* newest EXT-X-PART URI seen */
    /* rtmp */
    size_t hs_got;      /* bytes of S0 S1 S2 so far */
    uint8_t s1[1536];   /* echoed as C2 */
    uint64_t rx, acked; /* bytes after the handshake; acknowledged */
} conn;

static struct {
    int hls, rtmp;
    char app[64], stream[128];
    char host[64], path[256], dir[256];
    int port;
    int64_t pub_start;
    uint64_t bytes;
    uint64_t stalls, failed, segments;
    uint32_t delay_hist[HIST], ttff_hist[HIST], edge_hist[HIST], part_hist[HIST];
    uint64_t delay_n, ttff_n, edge_n, part_n;
    int part_hold_ms; /* PART-HOLD-BACK; -1 none */
    int measuring;
    int target_ms;
    int poll_ms; /* hls: 0 = every target duration */
} G = {.target_ms = 1000, .part_hold_ms = -1};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void hist_add(uint32_t *h, uint64_t *n, int64_t v)
{
    if (v < 0)
        v = 0;
    if (v >= HIST)
        v = HIST - 1;
    h[v]++;
    (*n)++;
}

static int64_t hist_pct(const uint32_t *h, uint64_t n, double p)
{
    if (!n)
        return -1;
    uint64_t want = (uint64_t)(p * (double)(n - 1)), acc = 0;
    for (int i = 0; i < HIST; i++) {
        acc += h[i];
        if (acc > want)
            return i;
    }
    return HIST - 1;
}

static int send_get(conn *c, const char *path)
{
    char req[512];
    int n =
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: farmlive-bench\r\n\r\n", path, G.host);
    c->in_body = 0;
    c->hdr_len = 0;
    c->pl_len = 0;
    return send(c->fd, req, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

/* -- rtmp ---------------------------------------------------------------------- */

#define RTMP_HS 1536
#define RTMP_ACK_EVERY (2500u * 1000u)

static int send_all(conn *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1; /* small writes on a fresh socket: EAGAIN would be a failure too */
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int rtmp_msg_out(conn *c, uint32_t csid, uint8_t type, uint32_t sid, const uint8_t *p, size_t n)
{
    uint8_t buf[1024];
    rtmp_msg m = {.csid = csid, .type = type, .stream_id = sid, .payload = p, .len = n};
    size_t w = rtmp_chunk_write(buf, sizeof(buf), &m, RTMP_DEFAULT_CHUNK_SIZE);
    return w ? send_all(c, buf, w) : -1;
}

static int rtmp_command(conn *c, const char *name, double txn, const char *arg, uint32_t sid)
{
    amf0_buf b;
    char tc[256];
    amf0_buf_init(&b, 1024);
    amf0_put_cstr(&b, name);
    amf0_put_number(&b, txn);
    if (strcmp(name, "connect") == 0) {
        snprintf(tc, sizeof(tc), "rtmp://%s:%d/%s", G.host, G.port, G.app);
        amf0_put_object_begin(&b);
        amf0_put_key(&b, "app", 3);
        amf0_put_cstr(&b, G.app);
        amf0_put_key(&b, "tcUrl", 5);
        amf0_put_cstr(&b, tc);
        amf0_put_object_end(&b);
    } else {
        amf0_put_null(&b);
        if (arg)
            amf0_put_cstr(&b, arg);
    }
    int ret = b.err ? -1 : rtmp_msg_out(c, sid ? 8 : 3, RTMP_MSG_COMMAND_AMF0, sid, b.p, b.len);
    amf0_buf_free(&b);
    return ret;
}

/* C0 C1 once connected. */
static int rtmp_start(conn *c)
{
    static uint8_t c01[1 + RTMP_HS] = {3};
    return send_all(c, c01, sizeof(c01));
}

/* Bytes from an RTMP server: S0 S1 S2 (then C2 and the play commands),
 * then media, counted and acknowledged. */
static void rtmp_bytes(conn *c, const uint8_t *p, size_t n)
{
    while (n > 0 && c->hs_got < 1 + 2 * RTMP_HS) {
        if (c->hs_got >= 1 && c->hs_got < 1 + RTMP_HS)
            c->s1[c->hs_got - 1] = *p;
        c->hs_got++;
        p++;
        n--;
        if (c->hs_got == 1 + 2 * RTMP_HS) {
            uint8_t win[4] = {0, 0x4c, 0x4b, 0x40}; /* Window Ack Size 5000000 */
            if (send_all(c, c->s1, RTMP_HS) < 0 || rtmp_command(c, "connect", 1, NULL, 0) < 0 ||
                rtmp_msg_out(c, 2, RTMP_MSG_WINDOW_ACK_SIZE, 0, win, 4) < 0 ||
                rtmp_command(c, "createStream", 2, NULL, 0) < 0 || rtmp_command(c, "play", 3, G.stream, 1) < 0)
                c->failed = 1;
        }
    }
    if (n == 0 || c->failed)
        return;
    int64_t t = now_ms();
    if (!c->t_first_frame) {
        c->t_first_frame = t;
        if (G.measuring)
            hist_add(G.ttff_hist, &G.ttff_n, t - c->t_connect);
    }
    c->t_last_media = t;
    c->rx += n;
    if (c->rx - c->acked >= RTMP_ACK_EVERY) {
        uint8_t ack[4] = {(uint8_t)(c->rx >> 24), (uint8_t)(c->rx >> 16), (uint8_t)(c->rx >> 8), (uint8_t)c->rx};
        c->acked = c->rx;
        if (rtmp_msg_out(c, 2, RTMP_MSG_ACK, 0, ack, 4) < 0)
            c->failed = 1;
    }
}

static int open_conn(conn *c, int ep)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)G.port)};
    inet_pton(AF_INET, G.host, &a.sin_addr);
    memset(c, 0, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    c->t_connect = now_ms();
    c->last_seq = -1;
    if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
        return -1;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* -- flv --------------------------------------------------------------------- */

static void flv_bytes(conn *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (c->skip > 0) {
            size_t k = (size_t)c->skip < n ? (size_t)c->skip : n;
            p += k;
            n -= k;
            c->skip -= (int64_t)k;
            if (c->skip == 0 && (c->tag_type == 8 || c->tag_type == 9)) {
                int64_t t = now_ms();
                c->t_last_media = t;
                if (c->tag_type == 9 && c->tag_key_seen && !c->t_first_frame) {
                    c->t_first_frame = t;
                    hist_add(G.ttff_hist, &G.ttff_n, t - c->t_connect);
                }
                if (G.pub_start && G.measuring && t - c->t_connect > 3000)
                    hist_add(G.delay_hist, &G.delay_n, wall_ms() - G.pub_start - (int64_t)c->tag_ts);
            }
            continue;
        }
        if (c->th_need == 0)
            c->th_need = 13; /* FLV header + PreviousTagSize0 */
        size_t k = c->th_need - c->th_len < n ? c->th_need - c->th_len : n;
        memcpy(c->th + c->th_len, p, k);
        c->th_len += k;
        p += k;
        n -= k;
        if (c->th_len < c->th_need)
            continue;
        if (c->th_need == 13 && c->th[0] == 'F') {
            c->th_need = 13; /* then tag header (11) + 2 body bytes */
            c->th_len = 0;
            c->th[0] = 0;
            continue;
        }
        /* th: 11-byte tag header + first 2 body bytes */
        c->tag_type = c->th[0];
        uint32_t size = ((uint32_t)c->th[1] << 16) | ((uint32_t)c->th[2] << 8) | c->th[3];
        c->tag_ts = (((uint32_t)c->th[4] << 16) | ((uint32_t)c->th[5] << 8) | c->th[6]) | ((uint32_t)c->th[7] << 24);
        c->tag_key_seen = c->tag_type == 9 && (c->th[11] >> 4) == 1 && c->th[12] == 1;
        c->skip = (int64_t)size - 2 + 4;
        c->th_len = 0;
        if (c->skip <= 0) { /* tiny tag: resync impossible, give up parsing timing */
            c->skip = 1;
        }
    }
}

/* -- hls --------------------------------------------------------------------- */

static void hls_next(conn *c)
{
    char path[512];
    if (!c->have_init && c->want == 1) {
        /* init path stored in pending[15] */
        snprintf(path, sizeof(path), "%s%s", G.dir, c->pending[15]);
        send_get(c, path);
        return;
    }
    if (c->npending > 0) {
        c->want = 2;
        snprintf(path, sizeof(path), "%s%s", G.dir, c->pending[0]);
        memmove(c->pending[0], c->pending[1], (size_t)(c->npending - 1) * sizeof(c->pending[0]));
        c->npending--;
        send_get(c, path);
        return;
    }
    c->want = 0;
    c->in_body = 0;
    c->hdr_len = 0;
    c->next_poll = now_ms() + (G.poll_ms > 0 ? G.poll_ms : G.target_ms);
}

static int64_t parse_pdt(const char *s)
{
    struct tm tm = {0};
    int ms = 0;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
               &ms) < 6)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

static void hls_playlist(conn *c)
{
    c->pl[c->pl_len < PL_MAX ? c->pl_len : PL_MAX - 1] = 0;
    long long seq = 0, idx = 0;
    char *save = NULL;
    double dur = 0;
    int64_t pdt = 0;
    char last[96] = "";
    long long last_idx = -1;
    char *map = strstr(c->pl, "#EXT-X-MAP:URI=\"");
    if (map && !c->have_init) {
        map += 16;
        char *q = strchr(map, '"');
        if (q) {
            snprintf(c->pending[15], sizeof(c->pending[15]), "%.*s", (int)(q - map), map);
            c->want = 1;
        }
    }
    char *ph = strstr(c->pl, "PART-HOLD-BACK=");
    if (ph)
        G.part_hold_ms = (int)(strtod(ph + 15, NULL) * 1000 + 0.5);
    /* the newest part: its segment's date + the parts of that segment so far */
    int64_t seg_pdt = 0, part_end = 0;
    double part_cum = 0;
    char newest[96] = "";
    char *tp = strstr(c->pl, "#EXT-X-TARGETDURATION:");
    {
        long td = strtol(tp ? tp + 22 : "1", NULL, 10);
        G.target_ms = td > 0 ? (int)td * 1000 : 1000;
    }
    for (char *line = c->pl; line && *line; line = save) {
        save = strchr(line, '\n');
        if (save)
            *save++ = 0;
        if (strncmp(line, "#EXT-X-MEDIA-SEQUENCE:", 22) == 0)
            seq = strtoll(line + 22, NULL, 10);
        else if (strncmp(line, "#EXTINF:", 8) == 0)
            dur = strtod(line + 8, NULL);
        else if (strncmp(line, "#EXT-X-PROGRAM-DATE-TIME:", 25) == 0) {
            pdt = parse_pdt(line + 25);
            seg_pdt = pdt;
            part_cum = 0;
        } else if (strncmp(line, "#EXT-X-PART:", 12) == 0) {
            char *d = strstr(line, "DURATION="), *u = strstr(line, "URI=\"");
            if (d)
                part_cum += strtod(d + 9, NULL);
            if (u) {
                char *q = strchr(u + 5, '"');
                snprintf(newest, sizeof(newest), "%.*s", q ? (int)(q - u - 5) : 0, u + 5);
            }
            part_end = seg_pdt ? seg_pdt + (int64_t)(part_cum * 1000 + 0.5) : 0;
        } else if (line[0] && line[0] != '#') {
            long long s = seq + idx++;
            if (c->last_seq < 0 || s > c->last_seq) {
                snprintf(last, sizeof(last), "%.95s", line);
                last_idx = s;
                if (c->last_seq >= 0 && c->npending < 15)
                    snprintf(c->pending[c->npending++], sizeof(c->pending[0]), "%.95s", line);
            }
            if (s == last_idx && pdt && G.measuring && c->last_seq >= 0)
                hist_add(G.edge_hist, &G.edge_n, EDGE_BIAS + wall_ms() - (pdt + (int64_t)(dur * 1000)));
            pdt = 0;
        }
    }
    if (c->last_seq < 0 && last[0]) /* a new player starts at the newest segment */
        snprintf(c->pending[c->npending++], sizeof(c->pending[0]), "%s", last);
    if (last_idx >= 0)
        c->last_seq = last_idx;
    if (newest[0] && strcmp(newest, c->last_part) != 0) {
        if (c->last_part[0] && part_end && G.measuring)
            hist_add(G.part_hist, &G.part_n, EDGE_BIAS + wall_ms() - part_end);
        snprintf(c->last_part, sizeof(c->last_part), "%s", newest);
    }
}

static void hls_body_done(conn *c)
{
    if (c->want == 0) {
        hls_playlist(c);
    } else if (c->want == 1) {
        c->have_init = 1;
    } else {
        c->t_last_media = now_ms();
        G.segments++;
        if (!c->t_first_frame) {
            c->t_first_frame = c->t_last_media;
            hist_add(G.ttff_hist, &G.ttff_n, c->t_first_frame - c->t_connect);
        }
    }
    hls_next(c);
}

/* Asks for the playlist again once the player's poll time came. */
static void hls_poll(conn *c, int64_t t)
{
    if (!c->connected || c->failed || c->done)
        return;
    if (c->want == 0 && c->in_body == 0 && c->hdr_len == 0 && c->next_poll && t >= c->next_poll) {
        c->next_poll = 0;
        send_get(c, G.path);
    }
}

/* -- http ---------------------------------------------------------------------- */

static void on_bytes(conn *c, const uint8_t *p, size_t n)
{
    if (G.measuring)
        G.bytes += n;
    if (G.rtmp) {
        rtmp_bytes(c, p, n);
        return;
    }
    while (n > 0) {
        if (!c->in_body) {
            size_t k = 0;
            while (k < n && !c->in_body) {
                if (c->hdr_len < sizeof(c->hdr) - 1)
                    c->hdr[c->hdr_len++] = (char)p[k];
                k++;
                if (c->hdr_len >= 4 && memcmp(c->hdr + c->hdr_len - 4, "\r\n\r\n", 4) == 0) {
                    c->hdr[c->hdr_len] = 0;
                    if (strncmp(c->hdr + 9, "200", 3) != 0) {
                        c->failed = 1;
                        return;
                    }
                    char *cl = strcasestr(c->hdr, "\r\nContent-Length:");
                    c->body_left = cl ? strtoll(cl + 17, NULL, 10) : -1;
                    c->in_body = 1;
                    if (G.hls && c->body_left == 0)
                        hls_body_done(c);
                }
            }
            p += k;
            n -= k;
            continue;
        }
        if (!G.hls) {
            flv_bytes(c, p, n);
            return;
        }
        size_t k = c->body_left >= 0 && (int64_t)n > c->body_left ? (size_t)c->body_left : n;
        if (c->want == 0 && c->pl_len + k < PL_MAX) {
            memcpy(c->pl + c->pl_len, p, k);
            c->pl_len += k;
        }
        c->body_left -= (int64_t)k;
        p += k;
        n -= k;
        if (c->body_left == 0)
            hls_body_done(c);
    }
}

static int parse_url(const char *url)
{
    if (strncmp(url, "rtmp://", 7) == 0) {
        G.rtmp = 1;
        return sscanf(url, "rtmp://%63[^:/]:%d/%63[^/]/%127s", G.host, &G.port, G.app, G.stream) == 4 ? 0 : -1;
    }
    if (sscanf(url, "http://%63[^:/]:%d%255s", G.host, &G.port, G.path) != 3)
        return -1;
    snprintf(G.dir, sizeof(G.dir), "%s", G.path);
    char *slash = strrchr(G.dir, '/');
    if (slash)
        slash[1] = 0;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 5 || parse_url(argv[2]) < 0) {
        fprintf(stderr,
                "usage: %s flv http://HOST:PORT/PATH N SECONDS [PUB_START_MS]\n"
                "       %s hls http://HOST:PORT/PATH N SECONDS [POLL_MS]\n"
                "       %s rtmp rtmp://HOST:PORT/APP/STREAM N SECONDS\n",
                argv[0], argv[0], argv[0]);
        return 2;
    }
    G.hls = strcmp(argv[1], "hls") == 0;
    int n = (int)strtol(argv[3], NULL, 10);
    int secs = (int)strtol(argv[4], NULL, 10);
    if (G.hls)
        G.poll_ms = argc > 5 ? (int)strtol(argv[5], NULL, 10) : 0;
    else
        G.pub_start = argc > 5 ? strtoll(argv[5], NULL, 10) : 0;
    if (n <= 0 || secs <= 0) {
        fprintf(stderr, "N and SECONDS must be positive\n");
        return 2;
    }
    struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};
    setrlimit(RLIMIT_NOFILE, &rl);
    conn *cs = calloc((size_t)n, sizeof(*cs));
    uint8_t *buf = malloc(BUF);
    int ep = epoll_create1(0);
    struct epoll_event evs[512];
    int opened = 0;
    int64_t start = now_ms(), measure_at = 0, end_at = 0, last_scan = 0;
    int stall_ms = G.hls ? 0 : 2000;
    for (;;) {
        int64_t t = now_ms();
        if (opened < n) { /* batches of 100 every 20 ms */
            for (int k = 0; k < 100 && opened < n; k++, opened++)
                if (open_conn(&cs[opened], ep) < 0)
                    cs[opened].failed = 1;
        } else if (!measure_at) {
            measure_at = t + 3000; /* settle: GOP bursts, first playlists */
            end_at = measure_at + (int64_t)secs * 1000;
        }
        if (measure_at && !G.measuring && t >= measure_at)
            G.measuring = 1;
        if (end_at && t >= end_at)
            break;
        int k = epoll_wait(ep, evs, 512, G.poll_ms > 0 && G.poll_ms < 20 ? G.poll_ms : 20);
        for (int i = 0; i < k; i++) {
            conn *c = evs[i].data.ptr;
            if (c->failed || c->done)
                continue;
            if (!c->connected && (evs[i].events & EPOLLOUT)) {
                int err = 0;
                socklen_t l = sizeof(err);
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
                if (err) {
                    c->failed = 1;
                    continue;
                }
                c->connected = 1;
                c->t_last_media = now_ms();
                if ((G.rtmp ? rtmp_start(c) : send_get(c, G.path)) < 0)
                    c->failed = 1;
            }
            if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                for (;;) {
                    ssize_t r = recv(c->fd, buf, BUF, 0);
                    if (r > 0) {
                        on_bytes(c, buf, (size_t)r);
                        if (c->failed)
                            break;
                        continue;
                    }
                    if (r == 0 || (errno != EAGAIN && errno != EINTR))
                        c->done = 1;
                    break;
                }
            }
        }
        t = now_ms();
        if (G.hls && G.poll_ms > 0 && G.poll_ms < 100) /* fast polling: every turn */
            for (int i = 0; i < opened; i++)
                hls_poll(&cs[i], t);
        if (t - last_scan >= 100) {
            last_scan = t;
            int limit = G.hls ? 3 * G.target_ms + 1000 : stall_ms;
            for (int i = 0; i < opened; i++) {
                conn *c = &cs[i];
                if (!c->connected || c->failed || c->done)
                    continue;
                if (G.hls)
                    hls_poll(c, t);
                int late = t - c->t_last_media > limit;
                if (late && !c->stalled && G.measuring)
                    G.stalls++;
                c->stalled = late;
            }
        }
    }
    int connected = 0, failed = 0, closed = 0;
    for (int i = 0; i < n; i++) {
        connected += cs[i].connected && !cs[i].failed && !cs[i].done;
        failed += cs[i].failed;
        closed += cs[i].done;
        if (cs[i].fd > 0)
            close(cs[i].fd);
    }
    double kbps = (double)G.bytes * 8 / 1000 / secs / (n ? n : 1);
    printf("{\"mode\":\"%s\",\"viewers\":%d,\"alive\":%d,\"failed\":%d,\"closed\":%d,\"seconds\":%d,"
           "\"kbps_per_viewer\":%.1f,\"stalls\":%llu,\"segments\":%llu,"
           "\"first_frame_ms\":{\"p50\":%lld,\"p95\":%lld,\"max\":%lld},"
           "\"delay_ms\":{\"p50\":%lld,\"p95\":%lld},\"hls_edge_age_ms\":{\"p50\":%lld,\"p95\":%lld},"
           "\"hls_part_edge_age_ms\":{\"p50\":%lld,\"p95\":%lld},\"part_hold_back_ms\":%d,"
           "\"setup_ms\":%lld}\n",
           G.hls    ? "hls"
           : G.rtmp ? "rtmp"
                    : "flv",
           n, connected, failed, closed, secs, kbps, (unsigned long long)G.stalls, (unsigned long long)G.segments,
           (long long)hist_pct(G.ttff_hist, G.ttff_n, 0.5), (long long)hist_pct(G.ttff_hist, G.ttff_n, 0.95),
           (long long)hist_pct(G.ttff_hist, G.ttff_n, 1.0), (long long)hist_pct(G.delay_hist, G.delay_n, 0.5),
           (long long)hist_pct(G.delay_hist, G.delay_n, 0.95),
           (long long)(G.edge_n ? hist_pct(G.edge_hist, G.edge_n, 0.5) - EDGE_BIAS : -1),
           (long long)(G.edge_n ? hist_pct(G.edge_hist, G.edge_n, 0.95) - EDGE_BIAS : -1),
           (long long)(G.part_n ? hist_pct(G.part_hist, G.part_n, 0.5) - EDGE_BIAS : -1),
           (long long)(G.part_n ? hist_pct(G.part_hist, G.part_n, 0.95) - EDGE_BIAS : -1), G.part_hold_ms,
           (long long)(measure_at - start));
    free(buf);
    free(cs);
    close(ep);
    return 0;
}

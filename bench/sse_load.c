/* sse_load.c - a load client for the realtime fan-out benchmark
 * (ops/bench-rt.sh): N Server-Sent Events subscribers of one URL in one
 * process on one epoll, timing every event they receive.
 *
 *   bench-sse_load URL N SECONDS [READY_FILE] [HEADER...]
 *
 * Opens N connections to URL (http://HOST:PORT/PATH) in batches, sending
 * `Accept: text/event-stream` and every HEADER given ("Name: value"), and
 * reads each one's event stream: lines up to a blank line make one event;
 * every `data:` line of it is searched for `ts=<unix microseconds>` (the
 * publisher's clock when it sent the message; publisher and client share
 * this machine's clock) and `seq=<n>`. Once every connection has its
 * 200 and headers, it writes READY_FILE (the publisher waits for it), then
 * measures for SECONDS: each event carrying ts= gives one delivery latency
 * sample (receive time - ts); for each seq= number published, the
 * subscribers that never got it are lost deliveries. Events without ts=
 * (comments, heartbeats, other types) are counted, not timed.
 *
 * With SSE_LOAD_TYPE=T, events of type T (their `event:` line) are timed by
 * their `id:` instead: the shop's feed numbers an event with Redis's clock
 * in microseconds when it is raised (rt/bus.c: never below TIME), so
 * receive time - id is raise -> subscriber on one machine. That is how
 * events the benchmark does not write itself (a live flash sale's
 * flash_stock) are timed; the last such event's data is printed as "last".
 *
 * Prints one JSON object: subscribers connected and still open at the end,
 * deliveries timed, distinct seqs seen and their deliveries (the caller,
 * who knows how many it published, computes what was lost from those),
 * lost deliveries among the seqs seen (per seq, N - receivers), latency
 * p50/p99/max in ms. */
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

#define LINE_MAX_LEN 8192
#define HIST_MS 60000
#define SEQ_MAX 100000
#define BATCH 256
#define HEADERS_MAX 8

typedef struct conn {
    int fd;
    int state; /* 0 connecting, 1 headers, 2 events, 3 closed */
    char line[LINE_MAX_LEN];
    size_t len;
    long long ev_ts, ev_seq; /* of the event being read; -1 none */
    long long ev_id;         /* its id: line; -1 none */
    int ev_typed;            /* its event: line is SSE_LOAD_TYPE */
} conn;

static struct {
    char host[64], path[512];
    int port;
    const char *headers[HEADERS_MAX];
    int nheaders;
    uint32_t hist[HIST_MS + 1];
    uint64_t samples, events, closed, http_errors;
    uint32_t *seq_seen; /* subscribers that got seq i */
    long long max_seq;
    int measuring;
    const char *type; /* SSE_LOAD_TYPE, or NULL */
    char last[512];   /* the data of the last event of that type */
} G;

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_url(const char *url)
{
    const char *p = strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
    if (!p)
        return -1;
    const char *slash = strchr(p, '/'), *colon = strchr(p, ':');
    if (!slash || !colon || colon > slash || (size_t)(colon - p) >= sizeof(G.host))
        return -1;
    memcpy(G.host, p, (size_t)(colon - p));
    G.host[colon - p] = '\0';
    G.port = atoi(colon + 1);
    snprintf(G.path, sizeof(G.path), "%s", slash);
    return G.port > 0 ? 0 : -1;
}

static int open_one(int ep, conn *c)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)G.port)};
    inet_pton(AF_INET, G.host, &sa.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0)
        return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->state = 0;
    c->len = 0;
    c->ev_ts = c->ev_seq = c->ev_id = -1;
    c->ev_typed = 0;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
    return epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void send_request(int ep, conn *c)
{
    char req[2048];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n", G.path,
                     G.host, G.port);
    for (int i = 0; i < G.nheaders; i++)
        n += snprintf(req + n, sizeof(req) - (size_t)n, "%s\r\n", G.headers[i]);
    n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
    if (write(c->fd, req, (size_t)n) != n) {
        c->state = 3;
        return;
    }
    c->state = 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static long long number_after(const char *s, const char *key)
{
    const char *p = strstr(s, key);
    if (!p)
        return -1;
    p += strlen(key);
    if (*p < '0' || *p > '9')
        return -1;
    return strtoll(p, NULL, 10);
}

/* One complete line (without its line break) of c's stream. */
static void on_line(conn *c, const char *line, size_t len, int64_t now)
{
    if (c->state == 1) { /* headers: the status line, then until the blank line */
        if (len == 0) {
            c->state = 2;
            return;
        }
        if (strncmp(line, "HTTP/1.", 7) == 0 && strncmp(line + 8, " 200", 4) != 0) {
            G.http_errors++;
            c->state = 3;
        }
        return;
    }
    if (len == 0) { /* the event ends */
        if (c->ev_typed && c->ev_id > 0)
            c->ev_ts = c->ev_id; /* the feed's seq: its raise time in µs */
        if (c->ev_ts >= 0 || c->ev_seq >= 0)
            G.events++;
        if (G.measuring && c->ev_ts > 0) {
            int64_t ms = (now - c->ev_ts) / 1000;
            G.hist[ms < 0 ? 0 : ms > HIST_MS ? HIST_MS : ms]++;
            G.samples++;
        }
        if (G.measuring && c->ev_seq >= 0 && c->ev_seq < SEQ_MAX) {
            G.seq_seen[c->ev_seq]++;
            if (c->ev_seq > G.max_seq)
                G.max_seq = c->ev_seq;
        }
        c->ev_ts = c->ev_seq = c->ev_id = -1;
        c->ev_typed = 0;
        return;
    }
    if (G.type && strncmp(line, "event: ", 7) == 0 && strcmp(line + 7, G.type) == 0)
        c->ev_typed = 1;
    if (strncmp(line, "id: ", 4) == 0)
        c->ev_id = strtoll(line + 4, NULL, 10);
    if (c->ev_typed && strncmp(line, "data:", 5) == 0 && G.measuring)
        snprintf(G.last, sizeof(G.last), "%s", line + 5);
    if (strncmp(line, "data:", 5) == 0) {
        long long v;
        if ((v = number_after(line, "ts=")) >= 0)
            c->ev_ts = v;
        if ((v = number_after(line, "seq=")) >= 0)
            c->ev_seq = v;
    }
}

/* Reads what c has; the body may be chunked: chunk-size lines are
 * hexadecimal-only lines between events, which on_line ignores (they are
 * neither blank nor data:). */
static void on_read(conn *c, int64_t now)
{
    char buf[16384];
    for (;;) {
        ssize_t n = read(c->fd, buf, sizeof(buf));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            c->state = 3;
            G.closed++;
            close(c->fd);
            return;
        }
        if (n < 0)
            return;
        for (ssize_t i = 0; i < n; i++) {
            char ch = buf[i];
            if (ch == '\n') {
                size_t l = c->len;
                if (l > 0 && c->line[l - 1] == '\r')
                    l--;
                c->line[l] = '\0';
                on_line(c, c->line, l, now);
                c->len = 0;
                if (c->state == 3)
                    return;
            } else if (c->len < LINE_MAX_LEN - 1) {
                c->line[c->len++] = ch;
            }
        }
    }
}

static int64_t pct(double p)
{
    uint64_t want = (uint64_t)(p * (double)(G.samples ? G.samples - 1 : 0)), acc = 0;
    if (!G.samples)
        return -1;
    for (int i = 0; i <= HIST_MS; i++) {
        acc += G.hist[i];
        if (acc > want)
            return i;
    }
    return HIST_MS;
}

int main(int argc, char **argv)
{
    if (argc < 4 || parse_url(argv[1]) < 0) {
        fprintf(stderr, "usage: bench-sse_load http://HOST:PORT/PATH N SECONDS [READY_FILE] [HEADER...]\n");
        return 2;
    }
    int n = atoi(argv[2]), secs = atoi(argv[3]);
    const char *ready = argc > 4 ? argv[4] : NULL;
    for (int i = 5; i < argc && G.nheaders < HEADERS_MAX; i++)
        G.headers[G.nheaders++] = argv[i];
    struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};
    setrlimit(RLIMIT_NOFILE, &rl);
    G.seq_seen = calloc(SEQ_MAX, sizeof(*G.seq_seen));
    G.type = getenv("SSE_LOAD_TYPE");
    G.max_seq = -1;
    conn *cs = calloc((size_t)n, sizeof(*cs));
    int ep = epoll_create1(0);
    struct epoll_event evs[1024];
    int opened = 0, streaming = 0;
    int64_t deadline = mono_ms() + 120000; /* to get everyone connected */
    while (streaming < n && mono_ms() < deadline) {
        for (int b = 0; b < BATCH && opened < n; b++, opened++)
            if (open_one(ep, &cs[opened]) < 0)
                cs[opened].state = 3;
        int k = epoll_wait(ep, evs, 1024, 20);
        int64_t now = wall_us();
        for (int i = 0; i < k; i++) {
            conn *c = evs[i].data.ptr;
            if (c->state == 0 && (evs[i].events & EPOLLOUT))
                send_request(ep, c);
            else if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                on_read(c, now);
        }
        streaming = 0;
        for (int i = 0; i < opened; i++)
            streaming += cs[i].state == 2;
        if (opened == n && streaming + (int)G.closed + (int)G.http_errors >= n && streaming < n)
            break; /* some failed: go on with those that stream */
    }
    if (ready) {
        FILE *f = fopen(ready, "w");
        if (f) {
            fprintf(f, "%d\n", streaming);
            fclose(f);
        }
    }
    G.measuring = 1;
    int64_t end = mono_ms() + (int64_t)secs * 1000;
    while (mono_ms() < end) {
        int k = epoll_wait(ep, evs, 1024, 100);
        int64_t now = wall_us();
        for (int i = 0; i < k; i++) {
            conn *c = evs[i].data.ptr;
            if (c->state != 3)
                on_read(c, now);
        }
    }
    int open_at_end = 0;
    for (int i = 0; i < n; i++)
        open_at_end += cs[i].state == 2;
    uint64_t seqs = 0, lost = 0, seq_deliveries = 0;
    for (long long s = 0; s <= G.max_seq && s < SEQ_MAX; s++) {
        if (!G.seq_seen[s])
            continue;
        seqs++;
        seq_deliveries += G.seq_seen[s];
        lost += (uint64_t)streaming > G.seq_seen[s] ? (uint64_t)streaming - G.seq_seen[s] : 0;
    }
    printf("{\"subscribers\":%d,\"streaming\":%d,\"open_at_end\":%d,\"http_errors\":%llu,\"events\":%llu,"
           "\"deliveries\":%llu,\"seqs\":%llu,\"seq_deliveries\":%llu,\"lost\":%llu,\"p50_ms\":%lld,\"p99_ms\":%lld,"
           "\"max_ms\":%lld,\"last\":%s}\n",
           n, streaming, open_at_end, (unsigned long long)G.http_errors, (unsigned long long)G.events,
           (unsigned long long)G.samples, (unsigned long long)seqs, (unsigned long long)seq_deliveries,
           (unsigned long long)lost, (long long)pct(0.50), (long long)pct(0.99), (long long)pct(1.0),
           G.last[0] ? G.last : "null");
    return streaming > 0 ? 0 : 1;
}

/* flash_load.c - the flash-sale load client: every buyer presses buy at once.
 *
 *   [FLASH_LOAD_TIMEOUT_S=60] bench-flash_load http://HOST:PORT SALE_ID TOKENS_FILE RUN_ID
 *
 * TOKENS_FILE holds one "account_id token [more columns]" line per buyer.
 * Buyers watch the farmer's live page, so their keep-alive connections are
 * open before the farmer says "go". Hence: every request (POST
 * /api/v1/flash-sales/SALE_ID/orders, the buyer's Bearer token,
 * Idempotency-Key "RUN_ID-n") is built in memory; one TCP connection per
 * buyer is opened, CONNECT_BATCH handshakes at a time (the shop's listen
 * backlog is 1024), and after SETTLE_NS more (for the shop to accept them)
 * the burst starts at t0: one send() per buyer back to back, epoll for the
 * rest. Every buffer the burst writes is allocated and touched before t0.
 * Answers are framed by Content-Length, chunked, or the close.
 * Measured: latency = last byte of a buyer's answer - its first send(), no
 * connect in it; wall_s = last answer - t0; attempts_per_s = buyers / wall_s;
 * p50/p99 over the answered requests, p99_ok / p99_refused over the 201s
 * and the 409s; connect_s = the connect phase alone. Prints one line:
 *   attempts=N ok=N sold_out=N limit=N other=N wall_s=S attempts_per_s=R p50_ms=X p99_ms=Y
 *   p99_ok_ms=Y p99_refused_ms=Y connect_s=C unanswered=U load_cpu_ms=L
 *   idle_pct=I iowait_pct=W [cpu_NAME_ms=C ...]
 * (L: this client's own CPU time in the burst, which it spends on the
 * shop's CPUs when both run on one machine; I: the share of the machine's
 * CPU time left idle in the burst (and apart, idle waiting for I/O:
 * iowait_pct), from /proc/stat; with
 * FLASH_LOAD_PIDS="NAME=PID ...", cpu_NAME_ms: what each of those
 * processes used in the burst, from /proc/PID/stat, in 10 ms ticks)
 * 201 counts as ok, 409 as limit when its body names "limit_reached", else
 * sold_out; anything else, and no answer, as other. A connection closed or
 * reset before a whole answer is unanswered, as is every request still open
 * at the timeout. Exit 0 when every request got an HTTP answer, 1 otherwise. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BUYERS 100000
#define CONNECT_BATCH 256    /* handshakes in flight at once */
#define SETTLE_NS 200000000L /* after the last connect, before t0 */
#define HEAD_MAX 16384       /* status line + headers */
#define RESP_MAX (1 << 20)   /* a whole answer */
#define RB_FIRST 8192        /* each buyer's answer buffer, touched before t0 */

static const char BODY[] = "{\"payment_method\":\"online\",\"address\":{\"name\":\"bench\",\"phone\":\"13800000000\","
                           "\"province\":\"江西省\",\"city\":\"萍乡市\",\"county\":\"安源区\",\"detail\":\"bench 1\"}}";

enum { B_CONNECTING, B_IDLE, B_SENDING, B_WAITING, B_DONE, B_DEAD };

typedef struct buyer {
    int fd, state, status, limit, until_close;
    char *req, *rb; /* request; answer bytes so far (NUL-ended) */
    size_t req_len, sent, rlen, rcap;
    double t_send, t_done;
} buyer;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* "http://HOST:PORT" -> host and port; -1 for any other shape. */
static int parse_url(const char *url, char *host, size_t hsz, char *port, size_t psz)
{
    const char *h = url + 7, *c;
    if (strncmp(url, "http://", 7) != 0 || !(c = strrchr(h, ':')) || c == h || (size_t)(c - h) >= hsz)
        return -1;
    if (strlen(c + 1) == 0 || strlen(c + 1) >= psz || strspn(c + 1, "0123456789") != strlen(c + 1))
        return -1;
    memcpy(host, h, (size_t)(c - h));
    host[c - h] = '\0';
    snprintf(port, psz, "%s", c + 1);
    return strchr(host, '/') ? -1 : 0;
}

/* Reads up to MAX_BUYERS tokens (second column); returns the count, -1 on error. */
static int read_tokens(const char *path, char ***out)
{
    FILE *f = fopen(path, "r");
    char line[512], tok[256];
    long long id;
    int n = 0;
    if (!f)
        return -1;
    char **t = calloc(MAX_BUYERS, sizeof(*t));
    while (t && n < MAX_BUYERS && fgets(line, sizeof(line), f))
        if (sscanf(line, "%lld %255s", &id, tok) == 2 && (t[n] = strdup(tok)) != NULL)
            n++;
    fclose(f);
    *out = t;
    return t ? n : -1;
}

/* The first of HOST's addresses that takes a (blocking, closed at once)
 * connection, e.g. 127.0.0.1 when "localhost" also names ::1; NULL when none does. */
static const struct addrinfo *pick_addr(const struct addrinfo *ai)
{
    for (; ai; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol), up;
        up = fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0;
        if (fd >= 0)
            close(fd);
        if (up)
            return ai;
    }
    return NULL;
}

/* Lifts the soft RLIMIT_NOFILE to hold n sockets plus slack; -1 past the hard limit. */
static int raise_nofile(int n)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur >= (rlim_t)n + 64)
        return 0;
    rl.rlim_cur = (rlim_t)n + 64; /* setrlimit refuses more than rlim_max */
    return setrlimit(RLIMIT_NOFILE, &rl);
}

/* Opens every buyer's connection, CONNECT_BATCH handshakes at a time, until
 * deadline. Returns the number connected (B_IDLE, registered for EPOLLIN in
 * ep); the others end B_DEAD, unregistered, and the first failure is printed. */
static int connect_all(int ep, const struct addrinfo *ai, buyer *b, int n, double deadline)
{
    struct epoll_event ev[256];
    int started = 0, inflight = 0, up = 0, first_err = 0;
    while ((started < n || inflight > 0) && now_s() < deadline) {
        while (started < n && inflight < CONNECT_BATCH) {
            buyer *x = &b[started];
            struct epoll_event e = {.events = EPOLLOUT, .data.u32 = (uint32_t)started++};
            x->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
            if (x->fd < 0 || (connect(x->fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) ||
                epoll_ctl(ep, EPOLL_CTL_ADD, x->fd, &e) != 0) {
                first_err = first_err ? first_err : errno;
                x->state = B_DEAD;
            } else
                inflight++;
        }
        int k = epoll_wait(ep, ev, 256, 100);
        for (int i = 0; i < k; i++) {
            buyer *x = &b[ev[i].data.u32];
            struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = ev[i].data.u32};
            int err = 0;
            socklen_t len = sizeof(err);
            if (x->state == B_CONNECTING) {
                inflight--;
                getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err == 0 && epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &e) == 0) {
                    x->state = B_IDLE;
                    up++;
                    continue;
                }
                first_err = first_err ? first_err : err;
            } else /* an open connection spoke or closed before the burst: lost */
                up--;
            epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
            x->state = B_DEAD;
        }
    }
    for (int i = 0; i < started; i++) /* still connecting at the deadline: given up */
        if (b[i].state == B_CONNECTING) {
            epoll_ctl(ep, EPOLL_CTL_DEL, b[i].fd, NULL);
            b[i].state = B_DEAD;
        }
    if (first_err)
        fprintf(stderr, "bench-flash_load: connect: %s\n", strerror(first_err));
    return up;
}

/* Sends what is left of x's request. 0 when all of it is out, 1 when the
 * socket is full (the caller waits for EPOLLOUT), -1 when the connection is gone. */
static int send_some(buyer *x)
{
    while (x->sent < x->req_len) {
        ssize_t w = send(x->fd, x->req + x->sent, x->req_len - x->sent, MSG_NOSIGNAL);
        if (w < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
        x->sent += (size_t)w;
    }
    return 0;
}

/* Copies the value of header NAME from the head [h, end) into out; 0 found, -1 not. */
static int header(const char *h, const char *end, const char *name, char *out, size_t osz)
{
    size_t nl = strlen(name);
    for (const char *p = h; p < end; p++) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            v += strspn(v, " \t");
            snprintf(out, osz, "%.*s", (int)(eol - v), v);
            return 0;
        }
        p = eol + 1;
    }
    return -1;
}

/* Looks at the bytes x has read so far. 1 when they hold a whole answer
 * (status and limit set), 0 when more are needed, -1 when they are not HTTP.
 * A chunked body is checked for "limit_reached" as read, framing included. */
static int parse_answer(buyer *x)
{
    char v[64], *he, *bs;
    size_t blen;
    for (;;) {
        if (!(he = memmem(x->rb, x->rlen, "\r\n\r\n", 4)))
            return x->rlen > HEAD_MAX ? -1 : 0;
        if (strncmp(x->rb, "HTTP/1.", 7) != 0 || sscanf(x->rb + 7, "%*d %d", &x->status) != 1)
            return -1;
        if (x->status >= 200)
            break;
        x->rlen -= (size_t)(he + 4 - x->rb); /* drop a 1xx interim answer */
        memmove(x->rb, he + 4, x->rlen + 1);
    }
    bs = he + 4;
    blen = x->rlen - (size_t)(bs - x->rb);
    x->limit = x->status == 409 && strstr(bs, "\"limit_reached\"") != NULL;
    if (x->status == 204 || x->status == 304)
        return 1;
    if (header(x->rb, he + 2, "Transfer-Encoding", v, sizeof(v)) == 0 && strcasestr(v, "chunked")) {
        size_t pos = 0;
        for (;;) { /* walk size lines and data; "0\r\n" then trailers end at a blank line */
            char *eol = memmem(bs + pos, blen - pos, "\r\n", 2), *e;
            if (!eol)
                return 0;
            unsigned long long sz = strtoull(bs + pos, &e, 16);
            if (e == bs + pos || sz > RESP_MAX)
                return -1;
            pos = (size_t)(eol - bs) + 2;
            if (sz == 0)
                return memmem(eol, blen - pos + 2, "\r\n\r\n", 4) != NULL;
            if (pos + sz + 2 > blen)
                return 0;
            if (memcmp(bs + pos + sz, "\r\n", 2) != 0)
                return -1;
            pos += sz + 2;
        }
    }
    if (header(x->rb, he + 2, "Content-Length", v, sizeof(v)) == 0)
        return blen >= strtoull(v, NULL, 10);
    x->until_close = 1; /* neither: the body ends when the shop closes */
    return 0;
}

/* Reads what x's socket holds. 1 when the answer is whole (t_done set), 0
 * when more is to come, -1 when the connection closed, reset or broke the protocol. */
static int on_readable(buyer *x)
{
    for (;;) {
        if (x->rcap - x->rlen < 4097) {
            size_t cap = x->rcap ? x->rcap * 2 : RB_FIRST;
            char *nb = cap <= RESP_MAX + 1 ? realloc(x->rb, cap) : NULL;
            if (!nb)
                return -1;
            x->rb = nb;
            x->rcap = cap;
        }
        ssize_t r = read(x->fd, x->rb + x->rlen, x->rcap - x->rlen - 1);
        if (r < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        if (r == 0) {
            x->t_done = now_s();
            return x->until_close ? 1 : -1;
        }
        x->rlen += (size_t)r;
        x->rb[x->rlen] = '\0';
        int p = parse_answer(x);
        if (p != 0) {
            x->t_done = now_s();
            return p;
        }
    }
}

/* The burst: at t0 one send() per connected buyer, back to back, then epoll
 * until every sent request is answered or lost, or timeout seconds after t0.
 * Returns the wall time, t0 to the last whole answer; *open_left gets the
 * requests still unanswered at the timeout. */
static double burst(int ep, buyer *b, int n, double timeout, int *open_left)
{
    struct epoll_event ev[512];
    double t0 = now_s(), t_last = t0;
    int pending = 0;
    for (int i = 0; i < n; i++) {
        if (b[i].state != B_IDLE)
            continue;
        b[i].t_send = now_s();
        int s = send_some(&b[i]);
        struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP | EPOLLOUT, .data.u32 = (uint32_t)i};
        b[i].state = s == 0 ? B_WAITING : s > 0 ? B_SENDING : B_DEAD;
        if (s != 0)
            epoll_ctl(ep, s > 0 ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, b[i].fd, &e);
        pending += s >= 0;
    }
    while (pending > 0) {
        double left = t0 + timeout - now_s();
        int k = left > 0 ? epoll_wait(ep, ev, 512, (int)(left * 1000) + 1) : 0;
        if (k <= 0 && left <= 0)
            break;
        for (int i = 0; i < k; i++) {
            buyer *x = &b[ev[i].data.u32];
            int r = 0, s;
            if (x->state != B_SENDING && x->state != B_WAITING) {
                /* answered, and left registered (an epoll_ctl per answer would cost the
                 * two cores a system call each); something after the answer (a close):
                 * unregister it now */
                epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
                continue;
            }
            if (x->state == B_SENDING && (ev[i].events & EPOLLOUT) && (s = send_some(x)) <= 0) {
                struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP, .data.u32 = ev[i].data.u32};
                x->state = B_WAITING;
                r = s < 0 ? -1 : epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &e);
            }
            if (r == 0 && (ev[i].events & ~(uint32_t)EPOLLOUT))
                r = on_readable(x);
            if (r == 0)
                continue;
            x->state = r > 0 ? B_DONE : B_DEAD;
            t_last = r > 0 ? x->t_done : t_last;
            pending--;
            if (r < 0) /* closed or broken: it would report itself again and again */
                epoll_ctl(ep, EPOLL_CTL_DEL, x->fd, NULL);
        }
    }
    *open_left = pending;
    return t_last - t0;
}

/* The p-th percentile (0..100) of the answered requests whose status is
 * (or, with not, is not) status; lat has room for n. */
static double pct(const buyer *b, int n, double *lat, int status, int not, int p)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (b[i].state == B_DONE && (b[i].status == status) != not )
            lat[m++] = (b[i].t_done - b[i].t_send) * 1e3;
    qsort(lat, (size_t)m, sizeof(*lat), by_double);
    return m ? lat[(m * p) / 100] : 0.0;
}

/* This process's CPU time so far (user + system), in ms. */
static double cpu_ms(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

/* CPU accounting of the burst: the machine's busy and idle ticks, and the
 * ticks of up to PIDS_MAX named processes. */
#define PIDS_MAX 8
typedef struct cpu_marks {
    unsigned long long busy, idle, iowait, proc[PIDS_MAX];
} cpu_marks;
typedef struct procs {
    int n;
    char name[PIDS_MAX][32];
    long pid[PIDS_MAX];
} procs;

/* Parses FLASH_LOAD_PIDS ("NAME=PID ..."); words that do not parse are skipped. */
static void procs_parse(const char *spec, procs *p)
{
    p->n = 0;
    while (spec && *spec && p->n < PIDS_MAX) {
        int used = 0;
        if (sscanf(spec, " %31[^= ]=%ld%n", p->name[p->n], &p->pid[p->n], &used) == 2)
            p->n++;
        else if (sscanf(spec, " %*s%n", &used) != 0 || used == 0)
            break;
        spec += used;
    }
}

#define TICKS_UNREAD (~0ULL)

/* utime + stime of pid in ticks; TICKS_UNREAD when it cannot be read. */
static unsigned long long proc_ticks(long pid)
{
    char path[64], buf[1024];
    unsigned long long u = 0, st = 0;
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return TICKS_UNREAD;
    size_t len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *q = strrchr(buf, ')'); /* the name may hold spaces */
    if (!q || sscanf(q + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &u, &st) != 2)
        return TICKS_UNREAD;
    return u + st;
}

static void cpu_mark(const procs *p, cpu_marks *m)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (f) {
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                   &v[7]) != 8)
            memset(v, 0, sizeof(v));
        fclose(f);
    }
    m->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]; /* user nice system irq softirq steal */
    m->idle = v[3];
    m->iowait = v[4];
    for (int i = 0; i < p->n; i++)
        m->proc[i] = proc_ticks(p->pid[i]);
}

static double since(unsigned long long a, unsigned long long b)
{
    return b > a ? (double)(b - a) : 0.0;
}

/* Prints the result line; lat has room for n. Returns the number answered. */
static int report(const buyer *b, int n, double *lat, double wall, double connect_s, double load_ms, const procs *p,
                  const cpu_marks *m0, const cpu_marks *m1)
{
    int m = 0, ok = 0, sold_out = 0, limit = 0, other = 0;
    for (int i = 0; i < n; i++)
        if (b[i].state == B_DONE) {
            m++;
            ok += b[i].status == 201;
            limit += b[i].status == 409 && b[i].limit;
            sold_out += b[i].status == 409 && !b[i].limit;
        }
    other = n - ok - limit - sold_out;                                       /* other statuses and no answer */
    double p50 = pct(b, n, lat, -1, 1, 50), p99 = pct(b, n, lat, -1, 1, 99); /* status never -1: all */
    printf("attempts=%d ok=%d sold_out=%d limit=%d other=%d wall_s=%.3f attempts_per_s=%.0f p50_ms=%.1f "
           "p99_ms=%.1f p99_ok_ms=%.1f p99_refused_ms=%.1f connect_s=%.3f unanswered=%d load_cpu_ms=%.0f",
           n, ok, sold_out, limit, other, wall, wall > 0 ? n / wall : 0.0, p50, p99, pct(b, n, lat, 201, 0, 99),
           pct(b, n, lat, 409, 0, 99), connect_s, n - m, load_ms);
    /* clamped at 0: the kernel's iowait count may go back (proc(5)) */
    double busy = since(m0->busy, m1->busy), idle = since(m0->idle, m1->idle), iow = since(m0->iowait, m1->iowait);
    double all = busy + idle + iow;
    long ticks = sysconf(_SC_CLK_TCK);
    if (all > 0)
        printf(" idle_pct=%.0f iowait_pct=%.0f", 100.0 * idle / all, 100.0 * iow / all);
    for (int i = 0; i < p->n; i++) /* a process not read both times: left out (the table shows ?) */
        if (m0->proc[i] != TICKS_UNREAD && m1->proc[i] != TICKS_UNREAD)
            printf(" cpu_%s_ms=%.0f", p->name[i], since(m0->proc[i], m1->proc[i]) * 1000.0 / (double)ticks);
    printf("\n");
    return m;
}

int main(int argc, char **argv)
{
    char **tokens = NULL, host[256], port[16];
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    const struct addrinfo *addr = NULL;
    buyer *b = NULL;
    double *lat = NULL, timeout = 60;
    int n = 0, ep = -1, rc = 1, open_left = 0;

    if (argc != 5) {
        fprintf(stderr, "usage: bench-flash_load http://HOST:PORT SALE_ID TOKENS_FILE RUN_ID\n");
        return 2;
    }
    if (getenv("FLASH_LOAD_TIMEOUT_S") && (timeout = strtod(getenv("FLASH_LOAD_TIMEOUT_S"), NULL)) <= 0)
        timeout = 60;
    if (parse_url(argv[1], host, sizeof(host), port, sizeof(port)) != 0) {
        fprintf(stderr, "bench-flash_load: URL must be http://HOST:PORT, not %s\n", argv[1]);
        return 2;
    }
    if ((n = read_tokens(argv[3], &tokens)) <= 0) {
        fprintf(stderr, "bench-flash_load: no tokens in %s\n", argv[3]);
        goto out_free;
    }
    if (raise_nofile(n) != 0 || getaddrinfo(host, port, &hints, &ai) != 0 || !(addr = pick_addr(ai)) ||
        (ep = epoll_create1(0)) < 0) {
        fprintf(stderr, "bench-flash_load: cannot open %d connections to %s:%s\n", n, host, port);
        goto out_free;
    }
    if (!(b = calloc((size_t)n, sizeof(*b))) || !(lat = calloc((size_t)n, sizeof(*lat))))
        goto out_free;
    for (int i = 0; i < n; i++) { /* b[i].req stays NULL past a failure: cleanup stops there */
        b[i].fd = -1;
        int len = asprintf(&b[i].req,
                           "POST /api/v1/flash-sales/%s/orders HTTP/1.1\r\nHost: %s:%s\r\n"
                           "Authorization: Bearer %s\r\nIdempotency-Key: %s-%d\r\n"
                           "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                           "Connection: keep-alive\r\n\r\n%s",
                           argv[2], host, port, tokens[i], argv[4], i, sizeof(BODY) - 1, BODY);
        if (len < 0) {
            b[i].req = NULL;
            goto out_free;
        }
        b[i].req_len = (size_t)len;
        /* the answer's buffer, written once now: a page first touched in
         * the burst costs this client a fault (about 12 us on a VM) in the
         * window it measures, on the CPUs the shop runs on */
        if (!(b[i].rb = malloc(RB_FIRST)))
            goto out_free;
        memset(b[i].rb, 0, RB_FIRST);
        b[i].rcap = RB_FIRST;
    }

    double c0 = now_s();
    int up = connect_all(ep, addr, b, n, c0 + timeout);
    double connect_s = now_s() - c0;
    nanosleep(&(struct timespec){0, SETTLE_NS}, NULL);
    procs p;
    cpu_marks m0, m1;
    procs_parse(getenv("FLASH_LOAD_PIDS"), &p);
    cpu_mark(&p, &m0);
    double cpu0 = cpu_ms();
    double wall = burst(ep, b, n, timeout, &open_left);
    double cpu1 = cpu_ms();
    cpu_mark(&p, &m1);
    int m = report(b, n, lat, wall, connect_s, cpu1 - cpu0, &p, &m0, &m1);
    if (up < n || m < n)
        fprintf(stderr, "bench-flash_load: %d of %d connected, %d answered, %d unfinished at the end\n", up, n, m,
                open_left);
    rc = m == n ? 0 : 1;
out_free:
    for (int i = 0; b && i < n && b[i].req; i++) {
        if (b[i].fd >= 0)
            close(b[i].fd);
        free(b[i].req);
        free(b[i].rb);
    }
    if (ep >= 0)
        close(ep);
    if (ai)
        freeaddrinfo(ai);
    for (int i = 0; tokens && i < n; i++)
        free(tokens[i]);
    free(tokens);
    free(b);
    free(lat);
    return rc;
}

/* mhd_static.c - the libmicrohttpd ceiling for the catalogue benchmark.
 *
 *   mhd-static PORT FILE [THREADS]
 *
 * Serves FILE's bytes (read once at start) with Content-Type
 * application/json on every GET, from 127.0.0.1:PORT, with the same daemon
 * shape as the shop's default: a thread pool of THREADS (default: the
 * number of online CPUs) each running its own epoll loop, with the flags
 * and limits of the shop's http.c. Any other method gets 405. It does no
 * routing, no JSON, no database and no cache lookup, so ops/bench.sh can
 * tell how much of the shop's time is libmicrohttpd itself and how much is
 * the shop's own work.
 *
 * Runs until SIGINT or SIGTERM. Exit codes: 0 after a signal, 2 for bad
 * arguments, 1 when the file cannot be read or the daemon cannot start. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#define MAX_FILE (64L * 1024 * 1024)
#define MAX_THREADS 256

/* Reads the whole of path into a malloc'd buffer (at most MAX_FILE bytes).
 * Returns 0 with *out / *len set, or -1 after printing why. */
static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = NULL;
    char *buf = NULL;
    long size;
    int rc = -1;

    f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mhd-static: %s: %s\n", path, strerror(errno));
        goto out;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "mhd-static: %s: cannot find its size\n", path);
        goto out_close;
    }
    if (size > MAX_FILE) {
        fprintf(stderr, "mhd-static: %s: larger than %ld bytes\n", path, MAX_FILE);
        goto out_close;
    }
    buf = malloc((size_t)size + 1);
    if (!buf) {
        fprintf(stderr, "mhd-static: out of memory\n");
        goto out_close;
    }
    if (size > 0 && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "mhd-static: %s: short read\n", path);
        free(buf);
        goto out_close;
    }
    *out = buf;
    *len = (size_t)size;
    rc = 0;

out_close:
    fclose(f);
out:
    return rc;
}

/* Parses a decimal integer in [min, max]; -1 when s is not one. */
static long parse_long(const char *s, long min, long max)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    return v;
}

/* cls is the shared response; the 405 response is built per request (rare).
 *
 * libmicrohttpd calls this first when the headers are in, then once per
 * piece of body, then a last time with *upload_data_size == 0. Answering on
 * the first call would make it close the connection (the client might still
 * be sending a body), so we answer on the last one, as the shop does after
 * reading the whole request: keep-alive then works. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    static int headers_seen;
    struct MHD_Response *ok = cls;
    struct MHD_Response *resp;
    enum MHD_Result ret;

    (void)url;
    (void)version;
    (void)upload_data;
    if (*con_cls == NULL) {
        *con_cls = &headers_seen;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* discard a body */
        return MHD_YES;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) == 0)
        return MHD_queue_response(conn, MHD_HTTP_OK, ok);
    resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET");
    ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
    MHD_destroy_response(resp);
    return ret;
}

int main(int argc, char **argv)
{
    char *body = NULL;
    size_t body_len = 0;
    struct MHD_Response *resp = NULL;
    struct MHD_Daemon *daemon = NULL;
    struct sockaddr_in addr;
    sigset_t stop;
    long port, threads;
    int sig = 0;
    int rc = 1;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s PORT FILE [THREADS]\n", argv[0]);
        return 2;
    }
    port = parse_long(argv[1], 1, 65535);
    if (port < 0) {
        fprintf(stderr, "mhd-static: bad port '%s'\n", argv[1]);
        return 2;
    }
    threads = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    if (argc == 4 && (threads = parse_long(argv[3], 1, MAX_THREADS)) < 0) {
        fprintf(stderr, "mhd-static: bad thread count '%s' (1..%d)\n", argv[3], MAX_THREADS);
        return 2;
    }

    if (read_file(argv[2], &body, &body_len) != 0)
        goto out;
    resp = MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        fprintf(stderr, "mhd-static: cannot create the response\n");
        goto out_free_body;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");

    /* Block the stop signals before the pool threads start, so they inherit
     * the mask and only sigwait() below sees them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* The same flags and limits as the shop's http.c. */
    daemon =
        MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_TURBO | MHD_USE_ERROR_LOG,
                         (uint16_t)port, NULL, NULL, on_request, resp, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads, MHD_OPTION_CONNECTION_TIMEOUT, 60U,
                         MHD_OPTION_CONNECTION_LIMIT, 10000U, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024U, MHD_OPTION_END);
    if (!daemon) {
        fprintf(stderr, "mhd-static: cannot listen on 127.0.0.1:%ld\n", port);
        goto out_destroy_response;
    }
    fprintf(stderr, "mhd-static: serving %s (%zu bytes) on 127.0.0.1:%ld with %ld threads\n", argv[2], body_len, port,
            threads);

    if (sigwait(&stop, &sig) != 0)
        sig = 0;
    fprintf(stderr, "mhd-static: stopping (signal %d)\n", sig);
    rc = 0;

    MHD_stop_daemon(daemon);
out_destroy_response:
    MHD_destroy_response(resp);
out_free_body:
    free(body);
out:
    return rc;
}

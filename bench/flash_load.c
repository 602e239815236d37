/* flash_load.c - the flash-sale load client: every buyer presses buy at once.
 *
 *   bench-flash_load URL SALE_ID TOKENS_FILE RUN_ID
 *
 * TOKENS_FILE holds one "account_id token" line per buyer. Each buyer sends
 * one POST URL/api/v1/flash-sales/SALE_ID/orders with its own session
 * (Bearer) and Idempotency-Key "RUN_ID-n"; all requests are added to one
 * libcurl multi handle before the first byte goes out, each on its own
 * connection, so they arrive together (epoll inside libcurl). Prints one line:
 *   attempts=N ok=N sold_out=N limit=N other=N wall_s=S attempts_per_s=R p50_ms=X p99_ms=Y
 * Latency is per request, connect included. Exit 0 when every request got an
 * HTTP answer, 1 otherwise. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BUYERS 100000

static const char BODY[] =
    "{\"payment_method\":\"online\",\"address\":{\"name\":\"bench\",\"phone\":\"13800000000\","
    "\"province\":\"江西省\",\"city\":\"萍乡市\",\"county\":\"安源区\",\"detail\":\"bench 1\"}}";

typedef struct buyer {
    CURL *easy;
    struct curl_slist *hdrs;
    long status;
    double ms;
} buyer;

static size_t discard(char *data, size_t size, size_t n, void *arg)
{
    (void)data;
    (void)arg;
    return size * n;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads up to MAX_BUYERS tokens; returns the count, -1 on error. */
static int read_tokens(const char *path, char ***out)
{
    FILE *f = fopen(path, "r");
    char line[256], tok[128];
    long long id;
    int n = 0;
    if (!f)
        return -1;
    char **t = calloc(MAX_BUYERS, sizeof(*t));
    while (t && n < MAX_BUYERS && fgets(line, sizeof(line), f))
        if (sscanf(line, "%lld %127s", &id, tok) == 2)
            t[n++] = strdup(tok);
    fclose(f);
    *out = t;
    return t ? n : -1;
}

int main(int argc, char **argv)
{
    char **tokens = NULL, url[512], hdr[256];
    buyer *b = NULL;
    double *lat = NULL;
    CURLM *multi = NULL;
    int n = 0, rc = 1, running = 0, ok = 0, sold_out = 0, limit = 0, other = 0, answered = 0;

    if (argc != 5) {
        fprintf(stderr, "usage: bench-flash_load URL SALE_ID TOKENS_FILE RUN_ID\n");
        return 2;
    }
    if ((n = read_tokens(argv[3], &tokens)) <= 0) {
        fprintf(stderr, "bench-flash_load: no tokens in %s\n", argv[3]);
        goto out_free;
    }
    snprintf(url, sizeof(url), "%s/api/v1/flash-sales/%s/orders", argv[1], argv[2]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)n);
    b = calloc((size_t)n, sizeof(*b));
    lat = calloc((size_t)n, sizeof(*lat));
    if (!multi || !b || !lat)
        goto out_free;
    for (int i = 0; i < n; i++) {
        b[i].easy = curl_easy_init();
        snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", tokens[i]);
        b[i].hdrs = curl_slist_append(NULL, hdr);
        snprintf(hdr, sizeof(hdr), "Idempotency-Key: %s-%d", argv[4], i);
        b[i].hdrs = curl_slist_append(b[i].hdrs, hdr);
        b[i].hdrs = curl_slist_append(b[i].hdrs, "Content-Type: application/json");
        curl_easy_setopt(b[i].easy, CURLOPT_URL, url);
        curl_easy_setopt(b[i].easy, CURLOPT_HTTPHEADER, b[i].hdrs);
        curl_easy_setopt(b[i].easy, CURLOPT_POSTFIELDS, BODY);
        curl_easy_setopt(b[i].easy, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(b[i].easy, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(b[i].easy, CURLOPT_PRIVATE, &b[i]);
        curl_multi_add_handle(multi, b[i].easy);
    }
    double t0 = now_s(), t_last = t0;
    do {
        CURLMcode mc = curl_multi_perform(multi, &running);
        if (mc == CURLM_OK && running)
            mc = curl_multi_poll(multi, NULL, 0, 1000, NULL);
        if (mc != CURLM_OK) {
            fprintf(stderr, "bench-flash_load: %s\n", curl_multi_strerror(mc));
            break;
        }
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left)) != NULL) {
            buyer *x = NULL;
            curl_off_t us = 0;
            if (m->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &x->status);
            curl_easy_getinfo(m->easy_handle, CURLINFO_TOTAL_TIME_T, &us);
            x->ms = (double)us / 1000.0;
            t_last = now_s();
        }
    } while (running);
    double wall = t_last - t0;
    for (int i = 0; i < n; i++) {
        lat[i] = b[i].ms;
        answered += b[i].status > 0;
        if (b[i].status == 201)
            ok++;
        else if (b[i].status == 409)
            sold_out++; /* sold_out (and limit_reached, which buyers here never hit) */
        else
            other++;
    }
    qsort(lat, (size_t)n, sizeof(*lat), by_double);
    printf("attempts=%d ok=%d sold_out=%d limit=%d other=%d wall_s=%.3f attempts_per_s=%.0f p50_ms=%.1f p99_ms=%.1f\n",
           n, ok, sold_out, limit, other, wall, wall > 0 ? n / wall : 0.0, lat[n / 2], lat[(n * 99) / 100]);
    rc = answered == n ? 0 : 1;
out_free:
    for (int i = 0; b && i < n; i++) {
        curl_multi_remove_handle(multi, b[i].easy);
        curl_easy_cleanup(b[i].easy);
        curl_slist_free_all(b[i].hdrs);
    }
    if (multi) {
        curl_multi_cleanup(multi);
        curl_global_cleanup();
    }
    for (int i = 0; tokens && i < n; i++)
        free(tokens[i]);
    free(tokens);
    free(b);
    free(lat);
    return rc;
}

/* publish_auth.c - asks the shop whether a key may publish; reports
 * unpublish and ended sessions. HTTP (libcurl) on one worker thread.
 *
 *   ingest loop                  worker thread               shop
 *   publish_auth_publish() --job--> POST .../live/publish --->
 *                                   <--- 200 {"live_id"} or refusal
 *   publish_auth_next()   <--result-- (queue + eventfd write)
 *   publish_auth_unpublish() / _ended() --job--> POST ... (result only logged)
 *
 * Jobs and results sit in two mutex-guarded lists; the worker is the only
 * thread that touches curl. Every request has a timeout
 * (PUBLISH_AUTH_TIMEOUT_MS), so a hung shop delays publishers but never the
 * ingest loop; the response body read is bounded (4 KiB). */
#include "farmlive/publish_auth.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"
#include "farmlive/relay_rendition.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define BODY_MAX 16384 /* a publish answer with RESTREAM_TARGETS_MAX push URLs */

enum job_kind { JOB_PUBLISH, JOB_UNPUBLISH, JOB_ENDED };

typedef struct job {
    struct job *next;
    enum job_kind kind;
    uint64_t conn_id;
    char key[256];
    char client_ip[64];
    char live_id[LIVE_ID_MAX + 1];
} job;

typedef struct result_node {
    struct result_node *next;
    publish_auth_result r;
} result_node;

struct publish_auth {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    job *jobs, *jobs_tail;
    size_t njobs;
    result_node *results, *results_tail;
    int stopping;
    int efd;
    char base[256];
    char secret_header[200];
};

typedef struct body_buf {
    char p[BODY_MAX + 1];
    size_t len;
} body_buf;

int publish_auth_live_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > LIVE_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    body_buf *b = arg;
    size_t n = size * nmemb, room = BODY_MAX - b->len;
    memcpy(b->p + b->len, data, n < room ? n : room);
    b->len += n < room ? n : room;
    return n; /* the excess is dropped, not an error */
}

/* POSTs json to base+path; returns the HTTP status (0 when unreachable,
 * with curl's message in err) and the body in *body. */
static long post_json(publish_auth *a, const char *path, json_t *req, body_buf *body, char *err, size_t errlen,
                      long timeout_ms)
{
    char url[512];
    long status = 0;
    char *text = json_dumps(req, JSON_COMPACT);
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    body->len = 0;
    err[0] = '\0';
    if (!c || !text) {
        snprintf(err, errlen, "out of memory");
        goto out_free;
    }
    snprintf(url, sizeof(url), "%s%s", a->base, path);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, a->secret_header);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        snprintf(err, errlen, "%.120s: %.70s", url, curl_easy_strerror(rc));
    else
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
out_free:
    curl_slist_free_all(hdrs);
    if (c)
        curl_easy_cleanup(c);
    free(text);
    body->p[body->len] = '\0';
    return status;
}

static void post_result(publish_auth *a, const publish_auth_result *r)
{
    result_node *n = fl_calloc(1, sizeof(*n));
    uint64_t one = 1;
    n->r = *r;
    pthread_mutex_lock(&a->mu);
    if (a->results_tail)
        a->results_tail->next = n;
    else
        a->results = n;
    a->results_tail = n;
    pthread_mutex_unlock(&a->mu);
    if (write(a->efd, &one, sizeof(one)) < 0) {
        /* the counter cannot overflow in practice; nothing else to do */
    }
}

/* Asks the shop whether key may publish; fills *r (conn_id left as is). */
static void ask_publish(publish_auth *a, const char *key, const char *ip, long timeout_ms, publish_auth_result *r)
{
    body_buf body;
    json_t *req = json_pack("{s:s, s:s}", "stream_key", key, "client_ip", ip);
    r->allowed = 0;
    r->live_id[0] = '\0';
    r->low_rendition = -1;
    r->http_status = post_json(a, "/internal/v1/live/publish", req, &body, r->error, sizeof(r->error), timeout_ms);
    json_decref(req);
    if (r->http_status == 200) {
        json_t *resp = json_loads(body.p, 0, NULL);
        const char *id = json_string_value(json_object_get(resp, "live_id"));
        if (id && publish_auth_live_id_valid(id)) {
            snprintf(r->live_id, sizeof(r->live_id), "%s", id);
            restream_specs_parse(json_object_get(resp, "restream"), &r->restream);
            r->low_rendition = relay_rendition_mode_parse(json_string_value(json_object_get(resp, "low_rendition")));
            r->allowed = 1;
        } else {
            snprintf(r->error, sizeof(r->error), "shop answered 200 without a valid live_id");
        }
        json_decref(resp);
    } else if (r->http_status != 0) {
        snprintf(r->error, sizeof(r->error), "shop refused with HTTP %ld", r->http_status);
    }
}

static void run_publish(publish_auth *a, const job *j)
{
    publish_auth_result r = {.conn_id = j->conn_id};
    ask_publish(a, j->key, j->client_ip, PUBLISH_AUTH_TIMEOUT_MS, &r);
    post_result(a, &r);
}

void publish_auth_check(publish_auth *a, const char *stream_key, const char *client_ip, int timeout_ms,
                        publish_auth_result *out)
{
    memset(out, 0, sizeof(*out));
    ask_publish(a, stream_key, client_ip, timeout_ms, out);
}

static void run_report(publish_auth *a, const job *j)
{
    const char *path = j->kind == JOB_UNPUBLISH ? "/internal/v1/live/unpublish" : "/internal/v1/live/ended";
    char err[200];
    body_buf body;
    json_t *req = json_pack("{s:s}", "live_id", j->live_id);
    long status = post_json(a, path, req, &body, err, sizeof(err), PUBLISH_AUTH_TIMEOUT_MS);
    json_decref(req);
    if (status < 200 || status > 299)
        fl_log(FL_LOG_WARN, "shop_report_failed", "%s for live %s: %s", path, j->live_id,
               status ? "the shop answered an error" : err);
    else
        fl_log(FL_LOG_DEBUG, "shop_report", "%s for live %s: HTTP %ld", path, j->live_id, status);
}

static void *worker(void *arg)
{
    publish_auth *a = arg;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (!a->jobs && !a->stopping)
            pthread_cond_wait(&a->cond, &a->mu);
        job *j = a->jobs;
        if (!j) {
            pthread_mutex_unlock(&a->mu);
            return NULL; /* stopping, and nothing left */
        }
        a->jobs = j->next;
        if (!a->jobs)
            a->jobs_tail = NULL;
        a->njobs--;
        int stopping = a->stopping;
        pthread_mutex_unlock(&a->mu);
        if (j->kind == JOB_PUBLISH) {
            if (!stopping)
                run_publish(a, j);
        } else {
            run_report(a, j);
        }
        fl_free(j);
    }
}

publish_auth *publish_auth_new(const fl_config *cfg)
{
    publish_auth *a = fl_calloc(1, sizeof(*a));
    size_t n;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cond, NULL);
    snprintf(a->base, sizeof(a->base), "%s", cfg->shop_internal_url);
    n = strlen(a->base);
    while (n > 0 && a->base[n - 1] == '/')
        a->base[--n] = '\0';
    snprintf(a->secret_header, sizeof(a->secret_header), "X-Internal-Secret: %s", cfg->internal_secret);
    a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (a->efd < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fl_log(FL_LOG_ERROR, "auth_start_failed", "eventfd or curl initialisation failed");
        goto out_free;
    }
    if (pthread_create(&a->thread, NULL, worker, a) != 0) {
        fl_log(FL_LOG_ERROR, "auth_start_failed", "cannot start the publish-auth thread");
        curl_global_cleanup();
        goto out_free;
    }
    return a;
out_free:
    if (a->efd >= 0)
        close(a->efd);
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->mu);
    fl_free(a);
    return NULL;
}

void publish_auth_free(publish_auth *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stopping = 1;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    while (a->results) {
        result_node *n = a->results;
        a->results = n->next;
        fl_free(n);
    }
    close(a->efd);
    curl_global_cleanup();
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->mu);
    fl_free(a);
}

int publish_auth_fd(const publish_auth *a)
{
    return a->efd;
}

static void enqueue(publish_auth *a, job *j)
{
    pthread_mutex_lock(&a->mu);
    if (a->njobs >= PUBLISH_AUTH_QUEUE_MAX) {
        pthread_mutex_unlock(&a->mu);
        if (j->kind == JOB_PUBLISH) {
            publish_auth_result r = {.conn_id = j->conn_id};
            snprintf(r.error, sizeof(r.error), "too many publish requests waiting for the shop");
            post_result(a, &r);
        } else {
            fl_log(FL_LOG_WARN, "shop_report_dropped", "report queue full; live %s not reported", j->live_id);
        }
        fl_free(j);
        return;
    }
    if (a->jobs_tail)
        a->jobs_tail->next = j;
    else
        a->jobs = j;
    a->jobs_tail = j;
    a->njobs++;
    pthread_cond_signal(&a->cond);
    pthread_mutex_unlock(&a->mu);
}

void publish_auth_publish(publish_auth *a, uint64_t conn_id, const char *stream_key, const char *client_ip)
{
    job *j = fl_calloc(1, sizeof(*j));
    j->kind = JOB_PUBLISH;
    j->conn_id = conn_id;
    snprintf(j->key, sizeof(j->key), "%s", stream_key);
    snprintf(j->client_ip, sizeof(j->client_ip), "%s", client_ip);
    enqueue(a, j);
}

static void report(publish_auth *a, enum job_kind kind, const char *live_id)
{
    job *j = fl_calloc(1, sizeof(*j));
    j->kind = kind;
    snprintf(j->live_id, sizeof(j->live_id), "%s", live_id);
    enqueue(a, j);
}

void publish_auth_unpublish(publish_auth *a, const char *live_id)
{
    report(a, JOB_UNPUBLISH, live_id);
}
void publish_auth_ended(publish_auth *a, const char *live_id)
{
    report(a, JOB_ENDED, live_id);
}

int publish_auth_next(publish_auth *a, publish_auth_result *out)
{
    uint64_t v;
    if (read(a->efd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing counted; the list below is the truth anyway */
    }
    pthread_mutex_lock(&a->mu);
    result_node *n = a->results;
    if (n) {
        a->results = n->next;
        if (!a->results)
            a->results_tail = NULL;
    }
    pthread_mutex_unlock(&a->mu);
    if (!n)
        return 0;
    *out = n->r;
    fl_free(n);
    return 1;
}

const char *publish_auth_key_masked(const char *key, char *buf, size_t len)
{
    if (key && key[0])
        snprintf(buf, len, "%.4s...", key);
    else
        snprintf(buf, len, "-");
    return buf;
}

/* log.c - JSON lines on stderr, one write(2) each so threads never interleave. */
#include "farmlive/log.h"

#include "farmlive/alloc.h"
#include "farmlive/slots.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_threshold = FL_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void fl_log_set_level(enum fl_log_level level)
{
    log_threshold = level;
}

int fl_log_parse_level(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

static void now_iso(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void fl_log_json(enum fl_log_level level, json_t *obj)
{
    if ((int)level < log_threshold || !obj) {
        json_decref(obj);
        return;
    }
    char ts[32];
    now_iso(ts);
    json_t *line_obj = json_object();
    json_object_set_new(line_obj, "ts", json_string(ts));
    json_object_set_new(line_obj, "level", json_string(level_names[level]));
    json_object_update(line_obj, obj);
    json_decref(obj);
    char *line = json_dumps(line_obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line_obj);
    if (!line)
        return;
    size_t len = strlen(line);
    line[len] = '\n'; /* overwrite the NUL: write() takes a length */
    (void)!write(2, line, len + 1);
    free(line);
}

void fl_log(enum fl_log_level level, const char *event, const char *fmt, ...)
{
    if ((int)level < log_threshold)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_t *o = json_object();
    json_object_set_new(o, "event", json_string(event));
    json_t *m = json_string(msg);
    json_object_set_new(o, "msg", m ? m : json_string("(message not UTF-8)"));
    fl_log_json(level, o);
}

/* -- buffered access log ------------------------------------------------
 *
 *   thread A: tls -> abuf{mutex, bytes}  --+
 *   thread B: tls -> abuf{mutex, bytes}  --+--> registry (list) <- flusher
 */
#define ABUF_SIZE (32 * 1024)

struct abuf {
    pthread_mutex_t mu;
    struct abuf *next;
    size_t len;
    char bytes[ABUF_SIZE];
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct abuf *registry;
static pthread_key_t abuf_key;
static pthread_once_t abuf_once = PTHREAD_ONCE_INIT;
static pthread_t flusher;
static int flusher_running;
static pthread_mutex_t flusher_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flusher_cv = PTHREAD_COND_INITIALIZER;

static void write_all(const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(2, p, len);
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

/* Caller holds b->mu. */
static void abuf_flush_locked(struct abuf *b)
{
    if (b->len) {
        write_all(b->bytes, b->len);
        b->len = 0;
    }
}

/* Buffers stay registered after their thread ends (MHD's pool threads live
 * as long as the daemon); fl_log_access_stop() frees them all. */
static void abuf_key_init(void)
{
    pthread_key_create(&abuf_key, NULL);
}

static struct abuf *abuf_get(void)
{
    pthread_once(&abuf_once, abuf_key_init);
    struct abuf *b = pthread_getspecific(abuf_key);
    if (!b) {
        b = fl_malloc(sizeof(*b));
        pthread_mutex_init(&b->mu, NULL);
        b->len = 0;
        pthread_mutex_lock(&registry_mu);
        b->next = registry;
        registry = b;
        pthread_mutex_unlock(&registry_mu);
        pthread_setspecific(abuf_key, b);
    }
    return b;
}

void fl_log_access(const char *line, size_t len)
{
    if (len >= ABUF_SIZE) {
        write_all(line, len);
        return;
    }
    struct abuf *b = abuf_get();
    pthread_mutex_lock(&b->mu);
    if (b->len + len > ABUF_SIZE)
        abuf_flush_locked(b);
    memcpy(b->bytes + b->len, line, len);
    b->len += len;
    pthread_mutex_unlock(&b->mu);
}

static void flush_all(void)
{
    pthread_mutex_lock(&registry_mu);
    for (struct abuf *b = registry; b; b = b->next) {
        pthread_mutex_lock(&b->mu);
        abuf_flush_locked(b);
        pthread_mutex_unlock(&b->mu);
    }
    pthread_mutex_unlock(&registry_mu);
}

static void *flusher_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&flusher_mu);
    while (flusher_running) {
        struct timespec t;
        fl_deadline_ms(&t, FL_LOG_FLUSH_MS);
        pthread_cond_timedwait(&flusher_cv, &flusher_mu, &t);
        pthread_mutex_unlock(&flusher_mu);
        flush_all();
        pthread_mutex_lock(&flusher_mu);
    }
    pthread_mutex_unlock(&flusher_mu);
    return NULL;
}

int fl_log_access_start(void)
{
    flusher_running = 1;
    if (pthread_create(&flusher, NULL, flusher_main, NULL) != 0) {
        flusher_running = 0;
        return -1;
    }
    return 0;
}

void fl_log_access_stop(void)
{
    if (flusher_running) {
        pthread_mutex_lock(&flusher_mu);
        flusher_running = 0;
        pthread_cond_signal(&flusher_cv);
        pthread_mutex_unlock(&flusher_mu);
        pthread_join(flusher, NULL);
    }
    pthread_mutex_lock(&registry_mu);
    struct abuf *b = registry;
    registry = NULL;
    pthread_mutex_unlock(&registry_mu);
    while (b) {
        struct abuf *next = b->next;
        abuf_flush_locked(b);
        pthread_mutex_destroy(&b->mu);
        fl_free(b);
        b = next;
    }
}

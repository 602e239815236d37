/* log.c - JSON lines on stderr, one write(2) each so threads never interleave. */
#include "farmlive/log.h"

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

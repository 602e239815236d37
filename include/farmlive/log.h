/* log.h - structured logging: one JSON object per line on stderr.
 *
 * fl_log() is thread-safe (one write(2) per line). Levels below the configured
 * threshold are dropped. */
#ifndef FARMLIVE_LOG_H
#define FARMLIVE_LOG_H

#include <jansson.h>

enum fl_log_level { FL_LOG_DEBUG = 0, FL_LOG_INFO, FL_LOG_WARN, FL_LOG_ERROR };

void fl_log_set_level(enum fl_log_level level);
/* Parses "debug", "info", "warn", "error"; returns -1 when unknown. */
int fl_log_parse_level(const char *s);

/* A line {"ts":...,"level":...,"event":event,"msg":formatted}. */
void fl_log(enum fl_log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes obj (with "ts" and "level" added) as one line; steals the reference. */
void fl_log_json(enum fl_log_level level, json_t *obj);

#endif

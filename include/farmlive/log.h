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
void fl_log(enum fl_log_level level, const char *event, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes obj (with "ts" and "level" added) as one line; steals the reference. */
void fl_log_json(enum fl_log_level level, json_t *obj);

/* The access log: one preformatted JSON line per request (with its '\n'),
 * buffered per thread and written in batches, as nginx's `access_log ...
 * buffer=` does, so a request costs no write(2) of its own. A flusher thread
 * writes every buffer at least every FL_LOG_FLUSH_MS; fl_log_access_stop()
 * writes what is left. Lines longer than the buffer are written directly. */
#define FL_LOG_FLUSH_MS 200
void fl_log_access(const char *line, size_t len);
int fl_log_access_start(void);
void fl_log_access_stop(void);

#endif

/* slots.h - a fixed set of numbered slots handed out one at a time, with a
 * bounded wait: the shape both connection pools (db.c, kv.c) share.
 *
 * fl_deadline_ms() fills an absolute CLOCK_REALTIME time ms from now, for
 * pthread_cond_timedwait(). fl_idle_conn_closed(fd) is 1 when the server
 * closed a pooled connection while it sat idle (restart, kill, timeout):
 * its socket is readable (an error packet or EOF) although no reply is
 * awaited; the pools replace such a connection when it is taken. */
#ifndef FARMLIVE_SLOTS_H
#define FARMLIVE_SLOTS_H

#include <pthread.h>
#include <time.h>

typedef struct fl_slots {
    int size;
    int *free_stack;
    int nfree;
    unsigned long long waits; /* takes that found no free slot */
    pthread_mutex_t mu;
    pthread_cond_t cv;
} fl_slots;

void fl_slots_init(fl_slots *s, int size);
void fl_slots_destroy(fl_slots *s);
/* A free slot's index, waiting at most timeout_ms; -1 when none came free. */
int fl_slots_take(fl_slots *s, int timeout_ms);
void fl_slots_put(fl_slots *s, int index);
void fl_slots_stats(fl_slots *s, int *size, int *in_use, unsigned long long *waits);

void fl_deadline_ms(struct timespec *ts, long ms);
int fl_idle_conn_closed(int fd);

#endif

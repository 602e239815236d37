/* slots.c - numbered slots on a free stack behind a mutex and a condvar. */
#include "farmlive/slots.h"
#include "farmlive/alloc.h"

#include <errno.h>
#include <poll.h>

void fl_deadline_ms(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int fl_idle_conn_closed(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLRDHUP};
    return fd >= 0 && poll(&pfd, 1, 0) > 0;
}

void fl_slots_init(fl_slots *s, int size)
{
    s->size = size;
    s->free_stack = fl_calloc((size_t)size, sizeof(int));
    for (int i = 0; i < size; i++)
        s->free_stack[i] = size - 1 - i; /* slot 0 is taken first */
    s->nfree = size;
    s->waits = 0;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
}

void fl_slots_destroy(fl_slots *s)
{
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    fl_free(s->free_stack);
    s->free_stack = NULL;
}

int fl_slots_take(fl_slots *s, int timeout_ms)
{
    struct timespec deadline;
    fl_deadline_ms(&deadline, timeout_ms);
    pthread_mutex_lock(&s->mu);
    if (s->nfree == 0)
        s->waits++;
    while (s->nfree == 0) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &deadline) == ETIMEDOUT && s->nfree == 0) {
            pthread_mutex_unlock(&s->mu);
            return -1;
        }
    }
    int index = s->free_stack[--s->nfree];
    pthread_mutex_unlock(&s->mu);
    return index;
}

void fl_slots_put(fl_slots *s, int index)
{
    pthread_mutex_lock(&s->mu);
    s->free_stack[s->nfree++] = index;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

void fl_slots_stats(fl_slots *s, int *size, int *in_use, unsigned long long *waits)
{
    pthread_mutex_lock(&s->mu);
    *size = s->size;
    *in_use = s->size - s->nfree;
    *waits = s->waits;
    pthread_mutex_unlock(&s->mu);
}

/* kv_sub.c - one pub/sub channel followed by a thread, with reconnects.
 *
 *   thread: connect + SUBSCRIBE -> on_state(1) -> read messages (poll, so
 *           the stop flag is seen within POLL_MS) -> lost: on_state(0),
 *           wait backoff (woken by stop) -> again
 */
#include "farmlive/kv_sub.h"
#include "farmlive/alloc.h"
#include "farmlive/kv.h"
#include "farmlive/log.h"
#include "farmlive/slots.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define CONNECT_TIMEOUT_MS 1000
#define POLL_MS 250
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

struct fl_kv_sub {
    fl_config cfg;
    char channel[128];
    char name[32];
    fl_kv_sub_message_fn on_message;
    fl_kv_sub_state_fn on_state;
    void *arg;
    pthread_t thread;
    atomic_int stopping;
    pthread_mutex_t mu;
    pthread_cond_t cond;
};

static redisContext *subscribe(fl_kv_sub *s)
{
    redisContext *c = fl_kv_connect(&s->cfg, CONNECT_TIMEOUT_MS);
    redisReply *reply = NULL;
    if (!c)
        return NULL;
    reply = redisCommand(c, "SUBSCRIBE %s", s->channel);
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        redisFree(c);
        c = NULL;
    }
    if (reply)
        freeReplyObject(reply);
    return c;
}

/* Reads messages until the connection fails or stop is asked. */
static void listen_on(fl_kv_sub *s, redisContext *c)
{
    while (!atomic_load(&s->stopping)) {
        void *reply = NULL;
        if (redisGetReplyFromReader(c, &reply) != REDIS_OK)
            return;
        if (reply) {
            redisReply *m = reply;
            if (m->type == REDIS_REPLY_ARRAY && m->elements == 3 && m->element[0]->type == REDIS_REPLY_STRING &&
                strcmp(m->element[0]->str, "message") == 0 && m->element[2]->type == REDIS_REPLY_STRING)
                s->on_message(s->arg, m->element[2]->str, m->element[2]->len);
            freeReplyObject(reply);
            continue;
        }
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int n = poll(&pfd, 1, POLL_MS);
        if (n < 0 && errno != EINTR)
            return;
        if (n > 0 && redisBufferRead(c) != REDIS_OK)
            return;
    }
}

static void *run(void *arg)
{
    fl_kv_sub *s = arg;
    int backoff = BACKOFF_MIN_MS;
    int was_up = 1; /* log the first failure of a streak only */

    while (!atomic_load(&s->stopping)) {
        redisContext *c = subscribe(s);
        if (c) {
            if (!was_up)
                fl_log(FL_LOG_INFO, "subscribed", "%s: %s", s->name, s->channel);
            was_up = 1;
            backoff = BACKOFF_MIN_MS;
            if (s->on_state)
                s->on_state(s->arg, 1);
            listen_on(s, c);
            redisFree(c);
            if (s->on_state)
                s->on_state(s->arg, 0);
            if (atomic_load(&s->stopping))
                break;
            fl_log(FL_LOG_WARN, "subscription_lost", "%s: reconnecting", s->name);
        } else if (was_up) {
            fl_log(FL_LOG_WARN, "subscribe_failed", "%s: retrying with backoff", s->name);
            was_up = 0;
        }
        struct timespec until;
        fl_deadline_ms(&until, backoff);
        pthread_mutex_lock(&s->mu);
        while (!atomic_load(&s->stopping) && pthread_cond_timedwait(&s->cond, &s->mu, &until) == 0)
            ;
        pthread_mutex_unlock(&s->mu);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
    return NULL;
}

fl_kv_sub *fl_kv_sub_start(const fl_config *cfg, const char *channel, const char *name, fl_kv_sub_message_fn on_message,
                           fl_kv_sub_state_fn on_state, void *arg)
{
    fl_kv_sub *s = fl_calloc(1, sizeof(*s));
    s->cfg = *cfg;
    snprintf(s->channel, sizeof(s->channel), "%s", channel);
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->on_message = on_message;
    s->on_state = on_state;
    s->arg = arg;
    atomic_init(&s->stopping, 0);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        fl_log(FL_LOG_ERROR, "thread_failed", "%s: cannot start the subscriber", name);
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->mu);
        fl_free(s);
        return NULL;
    }
    return s;
}

void fl_kv_sub_stop(fl_kv_sub *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    atomic_store(&s->stopping, 1);
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    fl_free(s);
}

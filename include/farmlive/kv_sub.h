/* kv_sub.h - a thread that follows one Redis pub/sub channel.
 *
 * fl_kv_sub_start() opens its own connection (pub/sub needs one), subscribes
 * and calls on_message(arg, payload, len) on that thread for every message.
 * on_state(arg, 1) follows every (re)subscription, on_state(arg, 0) every
 * loss: messages may have been missed in between. A lost connection is
 * reopened with doubling backoff (100 ms to 5 s). fl_kv_sub_stop() returns
 * within about 250 ms (or a connect timeout) and accepts NULL. */
#ifndef FARMLIVE_KV_SUB_H
#define FARMLIVE_KV_SUB_H

#include <stddef.h>
#include "farmlive/config.h"

typedef struct fl_kv_sub fl_kv_sub;

typedef void (*fl_kv_sub_message_fn)(void *arg, const char *payload, size_t len);
typedef void (*fl_kv_sub_state_fn)(void *arg, int up);

/* NULL when the thread cannot start (logged). name labels log lines. */
fl_kv_sub *fl_kv_sub_start(const fl_config *cfg, const char *channel, const char *name, fl_kv_sub_message_fn on_message,
                           fl_kv_sub_state_fn on_state, void *arg);
void fl_kv_sub_stop(fl_kv_sub *s);

#endif

/* bus.c - the feed's Redis side (shop/rt/bus.h).
 *
 *   shop_rt_bus_publish -> Redis batch thread: EVALSHA publish_lua
 *                          (INCR/TIME, PUBLISH, LPUSH, LTRIM, EXPIRE)
 *   kv_sub thread       <- SUBSCRIBE farmlive:rt: wire text -> on_event
 *   shop_rt_bus_backlog -> LRANGE farmlive:rt:log:{topic}, pipelined
 */
#include "farmlive/shop/rt/bus.h"
#include "farmlive/alloc.h"
#include "farmlive/kv_sub.h"
#include "farmlive/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define SEQ_KEY "farmlive:rt:seq:"
#define LOG_KEY "farmlive:rt:log:"
#define BACKLOG_PIPELINE 64 /* topics per LRANGE pipeline */

/* KEYS: seq key, log key. ARGV: channel, "<topic> <type> <flags>", the
 * data without its first '{', the log's length, the keys' lifetime. The
 * seq is formatted with %d: Lua 5.1 would print 1.8e15 as "1.8e+15". */
static const char publish_lua[] = "local t = redis.call('TIME') "
                                  "local floor = tonumber(t[1]) * 1000000 + tonumber(t[2]) "
                                  "local s = redis.call('INCR', KEYS[1]) "
                                  "if s < floor then s = floor redis.call('SET', KEYS[1], string.format('%d', s)) end "
                                  "redis.call('EXPIRE', KEYS[1], ARGV[5]) "
                                  "local id = string.format('%d', s) "
                                  "local sep = ',' "
                                  "if string.sub(ARGV[3], 1, 1) == '}' then sep = '' end "
                                  "local m = ARGV[2] .. ' ' .. id .. '\\n{\"seq\":' .. id .. sep .. ARGV[3] "
                                  "redis.call('PUBLISH', ARGV[1], m) "
                                  "redis.call('LPUSH', KEYS[2], m) "
                                  "redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1) "
                                  "redis.call('EXPIRE', KEYS[2], ARGV[5]) "
                                  "return s";

static shop_kvbatch_script publish_script = {publish_lua, ""};

struct shop_rt_bus {
    fl_kv_pool *kv;
    shop_kvbatch *batch;
    fl_kv_sub *sub;
    shop_rt_bus_event_fn on_event;
    shop_rt_bus_state_fn on_state;
    void *arg;
};

/* One queued publish: the batch item, its argv and the texts they point
 * to, in one allocation freed by its done. */
enum {
    PA_EVALSHA,
    PA_SHA,
    PA_NKEYS,
    PA_SEQ_KEY,
    PA_LOG_KEY,
    PA_CHANNEL,
    PA_HEAD,
    PA_TAIL,
    PA_BACKLOG,
    PA_KEEP,
    PA_COUNT
};

typedef struct pub_item {
    shop_kvbatch_item it;
    const char *argv[PA_COUNT];
    size_t lens[PA_COUNT];
    char text[]; /* seq key, log key, head, tail, each NUL-terminated */
} pub_item;

static atomic_int publish_failing; /* the first failure of a streak is logged, and the recovery */

static void publish_done(shop_kvbatch_item *it, redisReply *rep)
{
    pub_item *p = (pub_item *)it; /* it is p's first member */
    if (!rep || rep->type != REDIS_REPLY_INTEGER) {
        if (atomic_exchange(&publish_failing, 1) == 0)
            fl_log(FL_LOG_WARN, "rt_publish_failed", "%.*s: %s (events are lost until Redis answers)",
                   (int)p->lens[PA_HEAD], p->argv[PA_HEAD],
                   rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "Redis unreachable");
    } else if (atomic_exchange(&publish_failing, 0) == 1) {
        fl_log(FL_LOG_INFO, "rt_publish_recovered", "events reach Redis again");
    }
    fl_free(p);
}

/* Sets argv/lens slot k to the text a then b (copied to *at, NUL-terminated)
 * and moves *at past it. */
static void put_arg(pub_item *p, int k, char **at, const char *a, size_t an, const char *b, size_t bn)
{
    memcpy(*at, a, an);
    memcpy(*at + an, b, bn);
    (*at)[an + bn] = '\0';
    p->argv[k] = *at;
    p->lens[k] = an + bn;
    *at += an + bn + 1;
}

int shop_rt_bus_publish(shop_rt_bus *b, const char *topic, const char *type, unsigned flags, const char *data,
                        size_t len)
{
    char head[SHOP_RT_TOPIC_MAX + SHOP_RT_TYPE_MAX + 16];
    static const char backlog[] = "256", keep[] = "86400"; /* SHOP_RT_BACKLOG, SHOP_RT_KEEP_S */
    _Static_assert(SHOP_RT_BACKLOG == 256 && SHOP_RT_KEEP_S == 86400, "the literals above");

    if (!shop_rt_topic_valid(topic) || !shop_rt_type_valid(type) || len < 2 || len > SHOP_RT_DATA_MAX ||
        data[0] != '{' || data[len - 1] != '}')
        return -1;
    size_t tn = strlen(topic);
    size_t hn = (size_t)snprintf(head, sizeof(head), "%s %s %u", topic, type, flags & 0xffffu);
    pub_item *p = fl_malloc(sizeof(*p) + 2 * (sizeof(LOG_KEY) + tn) + hn + len + 1);
    char *at = p->text;

    memset(&p->it, 0, sizeof(p->it));
    p->it.script = &publish_script;
    p->it.argc = PA_COUNT;
    p->it.argv = p->argv;
    p->it.lens = p->lens;
    p->it.done = publish_done;
    p->argv[PA_NKEYS] = "2";
    p->lens[PA_NKEYS] = 1;
    p->argv[PA_CHANNEL] = SHOP_RT_CHANNEL;
    p->lens[PA_CHANNEL] = sizeof(SHOP_RT_CHANNEL) - 1;
    p->argv[PA_BACKLOG] = backlog;
    p->lens[PA_BACKLOG] = sizeof(backlog) - 1;
    p->argv[PA_KEEP] = keep;
    p->lens[PA_KEEP] = sizeof(keep) - 1;
    put_arg(p, PA_SEQ_KEY, &at, SEQ_KEY, sizeof(SEQ_KEY) - 1, topic, tn);
    put_arg(p, PA_LOG_KEY, &at, LOG_KEY, sizeof(LOG_KEY) - 1, topic, tn);
    put_arg(p, PA_HEAD, &at, head, hn, "", 0);
    put_arg(p, PA_TAIL, &at, data + 1, len - 1, "", 0);
    shop_kvbatch_submit(b->batch, &p->it);
    return 0;
}

static void bus_on_message(void *arg, const char *text, size_t len)
{
    shop_rt_bus *b = arg;
    shop_rt_wire w;
    if (shop_rt_wire_parse(text, len, &w) == 0)
        b->on_event(b->arg, &w);
}

static void bus_on_state(void *arg, int up)
{
    shop_rt_bus *b = arg;
    b->on_state(b->arg, up);
}

shop_rt_bus *shop_rt_bus_start(const fl_config *cfg, fl_kv_pool *kv, shop_kvbatch *batch, shop_rt_bus_event_fn on_event,
                               shop_rt_bus_state_fn on_state, void *arg)
{
    shop_rt_bus *b = fl_calloc(1, sizeof(*b));
    b->kv = kv;
    b->batch = batch;
    b->on_event = on_event;
    b->on_state = on_state;
    b->arg = arg;
    b->sub = fl_kv_sub_start(cfg, SHOP_RT_CHANNEL, "rt", bus_on_message, bus_on_state, b);
    if (!b->sub) {
        fl_free(b);
        return NULL;
    }
    return b;
}

void shop_rt_bus_stop(shop_rt_bus *b)
{
    if (!b)
        return;
    fl_kv_sub_stop(b->sub);
    fl_free(b);
}

/* One LRANGE answer (newest first) as events oldest first, for topic. */
static void backlog_events(const redisReply *rep, const char *topic, shop_rt_bus_backlog_fn got, void *arg, size_t i)
{
    shop_rt_event **ev = fl_malloc((rep->elements ? rep->elements : 1) * sizeof(*ev));
    size_t m = 0;
    for (size_t k = rep->elements; k-- > 0;) {
        const redisReply *el = rep->element[k];
        shop_rt_wire w;
        if (el->type == REDIS_REPLY_STRING && shop_rt_wire_parse(el->str, el->len, &w) == 0 &&
            strcmp(w.topic, topic) == 0)
            ev[m++] = shop_rt_event_new(w.seq, w.type, w.flags, w.data, w.data_len);
    }
    got(arg, i, ev, m, rep->elements >= SHOP_RT_BACKLOG);
    fl_free(ev);
}

int shop_rt_bus_backlog(shop_rt_bus *b, const char *const *topics, size_t n, shop_rt_bus_backlog_fn got, void *arg)
{
    char keys[BACKLOG_PIPELINE][sizeof(LOG_KEY) + SHOP_RT_TOPIC_MAX];
    const char *argv[BACKLOG_PIPELINE][4];
    fl_kv_cmdv cmds[BACKLOG_PIPELINE];
    redisReply *reps[BACKLOG_PIPELINE];
    fl_kv *kv = NULL;
    int rc = 0;

    if (n == 0)
        return 0;
    if (fl_kv_acquire(b->kv, &kv) != FL_KV_OK)
        return -1;
    for (size_t base = 0; base < n && rc == 0; base += BACKLOG_PIPELINE) {
        size_t m = n - base < BACKLOG_PIPELINE ? n - base : BACKLOG_PIPELINE;
        for (size_t j = 0; j < m; j++) {
            snprintf(keys[j], sizeof(keys[j]), LOG_KEY "%s", topics[base + j]);
            argv[j][0] = "LRANGE";
            argv[j][1] = keys[j];
            argv[j][2] = "0";
            argv[j][3] = "-1";
            cmds[j] = (fl_kv_cmdv){4, argv[j], NULL};
        }
        if (fl_kv_pipeline(kv, cmds, (int)m, reps) != FL_KV_OK)
            rc = -1;
        for (size_t j = 0; j < m; j++) {
            if (reps[j] && reps[j]->type == REDIS_REPLY_ARRAY)
                backlog_events(reps[j], topics[base + j], got, arg, base + j);
            if (reps[j])
                freeReplyObject(reps[j]);
        }
    }
    fl_kv_release(kv);
    return rc;
}

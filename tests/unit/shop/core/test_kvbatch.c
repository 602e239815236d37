/* test_kvbatch.c - src/shop/core/kvbatch.c against a real Redis.
 *
 * The server is the one tests/run.sh starts (FARMLIVE_REDIS_PORT exported);
 * without it every test is skipped. Keys are t_unit_kvb:*. Each test submits
 * items and then stops the batch, which answers everything queued first:
 * the results are read after the stop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../redis_pool.h"

#include "farmlive/shop/core/kvbatch.h"
#include "farmlive/config.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY "t_unit_kvb:n"
#define N 500

static shop_kvbatch_script incr_lua = {"return redis.call('INCR', KEYS[1])", ""};
static shop_kvbatch_script fail_lua = {"return redis.error_reply('refused by the script')", ""};

static fl_config cfg;
static fl_kv_pool *pool; /* NULL when FARMLIVE_REDIS_PORT is unset */

typedef struct item {
    shop_kvbatch_item it; /* first */
    const char *argv[4];
    size_t lens[4];
    int called, type;
    long long value;
    char err[64]; /* an error reply's text */
    int seq;      /* the order done() saw it in */
} item;

static int done_seq; /* the batch thread's; read after a stop or once done_count says so */
static atomic_int done_count;

static void on_done(shop_kvbatch_item *it, redisReply *rep)
{
    item *x = (item *)it;
    x->called++;
    x->seq = done_seq++;
    x->type = rep ? rep->type : -1;
    x->value = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : 0;
    if (rep && rep->type == REDIS_REPLY_ERROR)
        snprintf(x->err, sizeof(x->err), "%s", rep->str);
    atomic_fetch_add(&done_count, 1);
}

static void item_init(item *x, shop_kvbatch_script *script)
{
    memset(x, 0, sizeof(*x));
    x->argv[2] = "1";
    x->argv[3] = KEY;
    x->lens[2] = 1;
    x->lens[3] = strlen(KEY);
    x->it.script = script;
    x->it.argc = 4;
    x->it.argv = x->argv;
    x->it.lens = x->lens;
    x->it.done = on_done;
}

static void redis(const char *cmd)
{
    fl_kv *kv = NULL;
    assert_int_equal(fl_kv_acquire(pool, &kv), FL_KV_OK);
    redisReply *r = fl_kv_cmd(kv, cmd);
    assert_non_null(r);
    freeReplyObject(r);
    fl_kv_release(kv);
}

static int group_setup(void **state)
{
    (void)state;
    return redis_pool_open(&cfg, &pool, 0);
}

static int group_teardown(void **state)
{
    (void)state;
    fl_kv_pool_free(pool);
    pool = NULL;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    done_seq = 0;
    atomic_store(&done_count, 0);
    if (pool)
        redis("DEL " KEY);
    return 0;
}

/* Every item answered once, in submission order, each with its own reply. */
static void test_every_item_in_order(void **state)
{
    (void)state;
    if (!pool)
        skip();
    static item xs[N];
    shop_kvbatch *b = shop_kvbatch_start(pool, 64);
    assert_non_null(b);
    for (int i = 0; i < N; i++) {
        item_init(&xs[i], &incr_lua);
        shop_kvbatch_submit(b, &xs[i].it);
    }
    shop_kvbatch_stop(b);
    for (int i = 0; i < N; i++) {
        assert_int_equal(xs[i].called, 1);
        assert_int_equal(xs[i].seq, i);
        assert_int_equal(xs[i].type, REDIS_REPLY_INTEGER);
        assert_int_equal(xs[i].value, i + 1);
    }
}

/* A script's error reply is that item's alone. */
static void test_error_reply_is_one_items(void **state)
{
    (void)state;
    if (!pool)
        skip();
    item xs[3];
    shop_kvbatch *b = shop_kvbatch_start(pool, 16);
    assert_non_null(b);
    item_init(&xs[0], &incr_lua);
    item_init(&xs[1], &fail_lua);
    item_init(&xs[2], &incr_lua);
    for (int i = 0; i < 3; i++)
        shop_kvbatch_submit(b, &xs[i].it);
    shop_kvbatch_stop(b);
    assert_int_equal(xs[0].value, 1);
    assert_int_equal(xs[1].type, REDIS_REPLY_ERROR);
    assert_string_equal(xs[1].err, "refused by the script");
    assert_int_equal(xs[2].value, 2);
}

/* Redis forgot the scripts (restart, SCRIPT FLUSH) after the batch loaded
 * them: loaded again, and the items of that batch run once each. */
static void test_scripts_loaded_again(void **state)
{
    (void)state;
    if (!pool)
        skip();
    static item xs[2 * N];
    shop_kvbatch *b = shop_kvbatch_start(pool, 1024);
    assert_non_null(b);
    item_init(&xs[0], &incr_lua);
    shop_kvbatch_submit(b, &xs[0].it);
    for (int i = 0; i < 500 && atomic_load(&done_count) < 1; i++)
        usleep(10000);
    assert_int_equal(atomic_load(&done_count), 1);
    assert_int_equal(xs[0].value, 1); /* the batch holds the script's SHA1 now */
    redis("SCRIPT FLUSH");
    for (int i = 1; i < 2 * N; i++) {
        item_init(&xs[i], i % 2 ? &incr_lua : &fail_lua);
        shop_kvbatch_submit(b, &xs[i].it);
    }
    shop_kvbatch_stop(b);
    long long want = 2;
    for (int i = 1; i < 2 * N; i++) {
        assert_int_equal(xs[i].called, 1);
        if (i % 2)
            assert_int_equal(xs[i].value, want++);
        else
            assert_string_equal(xs[i].err, "refused by the script"); /* not NOSCRIPT */
    }
}

/* Redis unreachable: every item is answered, with no reply. */
static void test_unreachable(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_config c = cfg;
    c.redis_port = 1; /* nothing listens there */
    c.redis_socket[0] = '\0';
    snprintf(c.redis_host, sizeof(c.redis_host), "127.0.0.1");
    fl_kv_pool *p = fl_kv_pool_new(&c);
    item xs[10];
    shop_kvbatch *b = shop_kvbatch_start(p, 4);
    assert_non_null(b);
    for (int i = 0; i < 10; i++) {
        item_init(&xs[i], &incr_lua);
        shop_kvbatch_submit(b, &xs[i].it);
    }
    shop_kvbatch_stop(b);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(xs[i].called, 1);
        assert_int_equal(xs[i].type, -1);
    }
    fl_kv_pool_free(p);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
#define T(f) cmocka_unit_test_setup(f, setup)
    const struct CMUnitTest tests[] = {
        T(test_every_item_in_order),
        T(test_error_reply_is_one_items),
        T(test_scripts_loaded_again),
        T(test_unreachable),
    };
#undef T
    return cmocka_run_group_tests_name("kvbatch", tests, group_setup, group_teardown);
}

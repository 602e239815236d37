/* test_kv.c - src/common/kv.c against a real Redis.
 *
 * The server is the one tests/run.sh starts (FARMLIVE_REDIS_PORT exported;
 * settings read with fl_config_load). Without FARMLIVE_REDIS_PORT every test
 * is skipped. Keys are t_unit_kv:*, deleted by each test's setup.
 *
 * Includes kv.c (as h2o's t/00unit does) for acquire_timeout() and the
 * connection's hiredis context. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../redis_pool.h"

#include "../../../src/common/kv.c"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define KEY(s) "t_unit_kv:" s

static fl_config cfg;
static fl_kv_pool *pool; /* NULL when FARMLIVE_REDIS_PORT is unset */

static fl_kv *take(fl_kv_pool *p)
{
    fl_kv *kv = NULL;
    int rc = fl_kv_acquire(p, &kv);
    if (rc != FL_KV_OK)
        fail_msg("fl_kv_acquire: %d", rc);
    return kv;
}

/* The server-side id of the connection (CLIENT ID). */
static long long client_id(fl_kv *kv)
{
    redisReply *r = fl_kv_cmd(kv, "CLIENT ID");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    long long id = r->integer;
    freeReplyObject(r);
    return id;
}

/* killer closes connection id on the server side (CLIENT KILL ID). */
static void kill_id(fl_kv *killer, long long id)
{
    redisReply *r = fl_kv_cmd(killer, "CLIENT KILL ID %lld", id);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
}

static int group_setup(void **state)
{
    (void)state;
    return redis_pool_open(&cfg, &pool, 3);
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
    if (!pool)
        return 0;
    fl_kv *kv = take(pool);
    freeReplyObject(fl_kv_cmd(kv, "DEL %s %s %s %s", KEY("a"), KEY("bin"), KEY("list"), KEY("n")));
    fl_kv_release(kv);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (!pool)
        return 0;
    int size, in_use;
    unsigned long long waits;
    fl_kv_pool_stats(pool, &size, &in_use, &waits);
    if (in_use != 0) {
        /* A failed assertion jumped past its releases: start the next test
         * from a new pool rather than let the failure spread. */
        fprintf(stderr, "teardown: %d connections were not released; new pool\n", in_use);
        fl_kv_pool_free(pool);
        pool = fl_kv_pool_new(&cfg);
    }
    return 0;
}

/* -- commands ----------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *kv = take(pool);
    redisReply *r = fl_kv_cmd(kv, "SET %s %s EX %d", KEY("a"), "hello world", 60);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    assert_string_equal(r->str, "OK");
    freeReplyObject(r);

    r = fl_kv_cmd(kv, "GET %s", KEY("a"));
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_string_equal(r->str, "hello world");
    freeReplyObject(r);

    r = fl_kv_cmd(kv, "TTL %s", KEY("a"));
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_true(r->integer > 0 && r->integer <= 60);
    freeReplyObject(r);

    r = fl_kv_cmd(kv, "INCRBY %s %lld", KEY("n"), 41LL);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_int_equal(r->integer, 41);
    freeReplyObject(r);

    r = fl_kv_cmd(kv, "GET %s", KEY("missing"));
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);

    r = fl_kv_cmd(kv, "RPUSH %s x y z", KEY("list"));
    assert_int_equal(r->integer, 3);
    freeReplyObject(r);
    r = fl_kv_cmd(kv, "LRANGE %s 0 -1", KEY("list"));
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 3);
    assert_string_equal(r->element[2]->str, "z");
    freeReplyObject(r);
    fl_kv_release(kv);
}

static void test_binary_safe_argv(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *kv = take(pool);
    static const char val[] = {'a', '\0', 'b', '\r', '\n', (char)0xff};
    const char *argv[] = {"SET", KEY("bin"), val};
    const size_t lens[] = {3, strlen(KEY("bin")), sizeof(val)};
    redisReply *r = fl_kv_cmdargv(kv, 3, argv, lens);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);

    /* %b in the format form: binary too */
    r = fl_kv_cmd(kv, "GET %b", KEY("bin"), strlen(KEY("bin")));
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, sizeof(val));
    assert_memory_equal(r->str, val, sizeof(val));
    freeReplyObject(r);
    fl_kv_release(kv);
}

/* A Redis error is an answer, not a lost connection. */
static void test_error_reply_is_a_reply(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *kv = take(pool);
    redisReply *r = fl_kv_cmd(kv, "NOSUCHCOMMAND %s", "x");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(r->str, "ERR"));
    freeReplyObject(r);

    r = fl_kv_cmd(kv, "SET %s %s", KEY("a"), "text");
    freeReplyObject(r);
    r = fl_kv_cmd(kv, "INCR %s", KEY("a")); /* not an integer */
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);

    /* the context is kept and still answers */
    redisContext *before = kv->ctx;
    r = fl_kv_cmd(kv, "PING");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    assert_ptr_equal(kv->ctx, before);
    fl_kv_release(kv);
}

/* -- pipelines ----------------------------------------------------------- */

/* Replies come back in order, one per command, error replies included. */
static void test_pipeline_in_order(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *kv = take(pool);
    enum { N = 300 };
    fl_kv_cmdv cmds[N + 2];
    redisReply *reps[N + 2];
    const char *incr[] = {"INCR", KEY("n")};
    const char *bad[] = {"INCRBY", KEY("n"), "not-a-number"};
    const char *get[] = {"GET", KEY("n")};
    for (int i = 0; i < N; i++)
        cmds[i] = (fl_kv_cmdv){2, incr, NULL};
    cmds[N] = (fl_kv_cmdv){3, bad, NULL};
    cmds[N + 1] = (fl_kv_cmdv){2, get, NULL};
    long long before = client_id(kv);
    assert_int_equal(fl_kv_pipeline(kv, cmds, N + 2, reps), FL_KV_OK);
    for (int i = 0; i < N; i++) {
        assert_int_equal(reps[i]->type, REDIS_REPLY_INTEGER);
        assert_int_equal(reps[i]->integer, i + 1);
        freeReplyObject(reps[i]);
    }
    assert_int_equal(reps[N]->type, REDIS_REPLY_ERROR);
    assert_string_equal(reps[N + 1]->str, "300");
    freeReplyObject(reps[N]);
    freeReplyObject(reps[N + 1]);
    assert_int_equal(client_id(kv), before); /* an error reply does not drop the connection */
    fl_kv_release(kv);
}

/* A pipeline on a connection the server killed: EDOWN, nothing retried
 * (the commands may have run), and the next command reconnects. */
static void test_pipeline_on_killed_connection(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *kv = take(pool);
    fl_kv *killer = take(pool);
    long long id = client_id(kv);
    kill_id(killer, id);
    const char *incr[] = {"INCR", KEY("n")};
    fl_kv_cmdv cmds[2] = {{2, incr, NULL}, {2, incr, NULL}};
    redisReply *reps[2] = {(redisReply *)1, (redisReply *)1}; /* must be set to NULL */
    assert_int_equal(fl_kv_pipeline(kv, cmds, 2, reps), FL_KV_EDOWN);
    assert_null(reps[0]);
    assert_null(reps[1]);
    redisReply *r = fl_kv_cmd(kv, "GET %s", KEY("n"));
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_NIL); /* the killed pipeline ran nothing */
    freeReplyObject(r);
    assert_true(client_id(kv) != id);
    fl_kv_release(killer);
    fl_kv_release(kv);
}

/* The connection dies in the middle of a pipeline (QUIT: the server
 * answers it, then closes): the replies read before stay, the rest are
 * NULL, and the commands after it did not run. */
static void test_pipeline_cut_midway(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *kv = take(pool);
    const char *incr[] = {"INCR", KEY("n")};
    const char *quit[] = {"QUIT"};
    fl_kv_cmdv cmds[4] = {{2, incr, NULL}, {1, quit, NULL}, {2, incr, NULL}, {2, incr, NULL}};
    redisReply *reps[4];
    assert_int_equal(fl_kv_pipeline(kv, cmds, 4, reps), FL_KV_EDOWN);
    assert_non_null(reps[0]);
    assert_int_equal(reps[0]->integer, 1);
    assert_non_null(reps[1]);
    assert_null(reps[2]);
    assert_null(reps[3]);
    freeReplyObject(reps[0]);
    freeReplyObject(reps[1]);
    redisReply *r = fl_kv_cmd(kv, "GET %s", KEY("n"));
    assert_string_equal(r->str, "1");
    freeReplyObject(r);
    fl_kv_release(kv);
}

/* -- reconnect ----------------------------------------------------------- */

static void test_reconnect_after_client_kill(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *kv = take(pool);
    fl_kv *killer = take(pool);
    long long id = client_id(kv);
    long long killer_id = client_id(killer);

    /* every normal client but the caller */
    redisReply *r = fl_kv_cmd(killer, "CLIENT KILL TYPE normal");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_true(r->integer >= 1);
    freeReplyObject(r);
    assert_int_equal(client_id(killer), killer_id); /* SKIPME yes */

    /* the next command on the killed connection: one retry on a new one */
    r = fl_kv_cmd(kv, "SET %s %s", KEY("a"), "after-kill");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    assert_true(client_id(kv) != id);

    r = fl_kv_cmd(killer, "GET %s", KEY("a"));
    assert_string_equal(r->str, "after-kill");
    freeReplyObject(r);
    fl_kv_release(killer);
    fl_kv_release(kv);
}

static void test_reconnect_argv_after_kill(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *kv = take(pool);
    fl_kv *killer = take(pool);
    long long id = client_id(kv);
    kill_id(killer, id);

    const char *argv[] = {"GET", KEY("missing")};
    redisReply *r = fl_kv_cmdargv(kv, 2, argv, NULL);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_NIL);
    freeReplyObject(r);
    assert_true(client_id(kv) != id);
    fl_kv_release(killer);
    fl_kv_release(kv);
}

/* Takes two connections and puts the second back in the pool, then has
 * Redis close it there, idle, with the first (*killer, still taken).
 * Returns the killed one (to compare with, not to use) and, when id is
 * not NULL, its client id. */
static fl_kv *kill_idle_one(fl_kv **killer, long long *id)
{
    *killer = take(pool);
    fl_kv *kv = take(pool);
    long long victim = client_id(kv);
    fl_kv_release(kv);
    kill_id(*killer, victim);
    if (id)
        *id = victim;
    return kv;
}

/* Killed while idle in the pool: the next user does not notice. */
static void test_reconnect_idle_in_pool(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *killer = NULL;
    fl_kv *kv = kill_idle_one(&killer, NULL);
    fl_kv_release(killer);

    assert_int_equal(fl_kv_pool_ping(pool), FL_KV_OK);
    fl_kv *a = take(pool);
    fl_kv *b = take(pool);
    fl_kv *victim = a == kv ? a : b;
    assert_ptr_equal(victim, kv);
    redisReply *r = fl_kv_cmd(victim, "ECHO %s", "still here");
    assert_non_null(r);
    assert_string_equal(r->str, "still here");
    freeReplyObject(r);
    fl_kv_release(b);
    fl_kv_release(a);
}

/* Killed while idle in the pool, then a pipeline, which is never retried:
 * the pool replaced the connection when it was taken, so it succeeds. */
static void test_pipeline_after_idle_kill(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_kv *killer = NULL;
    long long id;
    fl_kv *kv = kill_idle_one(&killer, &id);
    usleep(20000); /* the close reaches this end of the socket */

    fl_kv *again = take(pool); /* the free list is a stack: the killed one */
    assert_ptr_equal(again, kv);
    const char *incr[] = {"INCR", KEY("n")};
    fl_kv_cmdv cmds[2] = {{2, incr, NULL}, {2, incr, NULL}};
    redisReply *reps[2];
    assert_int_equal(fl_kv_pipeline(again, cmds, 2, reps), FL_KV_OK);
    assert_int_equal(reps[0]->integer, 1);
    assert_int_equal(reps[1]->integer, 2);
    freeReplyObject(reps[0]);
    freeReplyObject(reps[1]);
    assert_true(client_id(again) != id);
    fl_kv_release(again);
    fl_kv_release(killer);
}

/* -- the pool -------------------------------------------------------------- */

struct waiter {
    fl_kv_pool *pool;
    int rc;
    fl_kv *got;
};

static void *wait_for_conn(void *arg)
{
    struct waiter *w = arg;
    w->rc = fl_kv_acquire(w->pool, &w->got);
    if (w->rc == FL_KV_OK)
        fl_kv_release(w->got);
    return NULL;
}

static void test_pool_stats_and_waits(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_config c = cfg;
    c.redis_pool = 2;
    fl_kv_pool *p = fl_kv_pool_new(&c);
    int size, in_use;
    unsigned long long waits;

    fl_kv_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(size, 2);
    assert_int_equal(in_use, 0);
    assert_int_equal(waits, 0);

    fl_kv *a = take(p);
    fl_kv *b = take(p);
    assert_ptr_not_equal(a, b);
    fl_kv_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(in_use, 2);
    assert_int_equal(waits, 0);

    fl_kv *x = (fl_kv *)1;
    assert_int_equal(acquire_timeout(p, &x, 150), FL_KV_ETIMEOUT);
    assert_null(x);
    assert_int_equal(fl_kv_pool_ping(p), FL_KV_ETIMEOUT); /* nothing free */
    fl_kv_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(in_use, 2);
    assert_int_equal(waits, 2);

    struct waiter w = {p, 1, NULL};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_for_conn, &w), 0);
    for (int i = 0; i < 500 && waits < 3; i++) { /* until the thread waits */
        usleep(10 * 1000);
        fl_kv_pool_stats(p, &size, &in_use, &waits);
    }
    assert_int_equal(waits, 3);
    fl_kv_release(b);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w.rc, FL_KV_OK);
    assert_ptr_equal(w.got, b);
    fl_kv_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(in_use, 1);
    assert_int_equal(waits, 3);

    fl_kv_release(a);
    fl_kv_release(NULL);
    fl_kv_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(in_use, 0);
    fl_kv_pool_free(p);
}

static void test_unreachable_server(void **state)
{
    (void)state;
    if (!pool)
        skip();
    fl_config c = cfg;
    c.redis_pool = 1;
    c.redis_port = 1; /* nothing listens there */
    snprintf(c.redis_host, sizeof(c.redis_host), "127.0.0.1");
    fl_kv_pool *p = fl_kv_pool_new(&c);
    fl_kv *kv = (fl_kv *)1;
    assert_int_equal(fl_kv_acquire(p, &kv), FL_KV_EDOWN);
    assert_null(kv);
    assert_int_equal(fl_kv_pool_ping(p), FL_KV_EDOWN);
    int size, in_use;
    unsigned long long waits;
    fl_kv_pool_stats(p, &size, &in_use, &waits);
    assert_int_equal(in_use, 0);
    assert_null(fl_kv_connect(&c, 200));
    fl_kv_pool_free(p);
    fl_kv_pool_free(NULL);
}

static void test_dedicated_connection(void **state)
{
    (void)state;
    if (!pool)
        skip();
    redisContext *c = fl_kv_connect(&cfg, 1000);
    assert_non_null(c);
    redisReply *r = redisCommand(c, "PING");
    assert_non_null(r);
    assert_string_equal(r->str, "PONG");
    freeReplyObject(r);
    redisFree(c);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);         /* as the shop does: a dead peer is an error, not a signal */
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's lines whole beside stderr */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_round_trip),
        T(test_binary_safe_argv),
        T(test_error_reply_is_a_reply),
        T(test_pipeline_in_order),
        T(test_pipeline_on_killed_connection),
        T(test_pipeline_cut_midway),
        T(test_reconnect_after_client_kill),
        T(test_reconnect_argv_after_kill),
        T(test_reconnect_idle_in_pool),
        T(test_pipeline_after_idle_kill),
        T(test_pool_stats_and_waits),
        T(test_unreachable_server),
        T(test_dedicated_connection),
    };
#undef T
    return cmocka_run_group_tests_name("kv", tests, group_setup, group_teardown);
}

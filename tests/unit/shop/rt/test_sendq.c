/* test_sendq.c - src/shop/rt/sendq.c: sends queued to many sockets reach
 * each in full and are reported once each; a socket that is full reports
 * what it took (or -EAGAIN) without waiting; a socket whose peer went
 * reports an error, not a signal; more than one queue's depth is flushed
 * on the way. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "farmlive/shop/rt/sendq.h"

#define SENDS (RT_SENDQ_DEPTH + 40) /* sends: more than one queue's depth */
#define SOCKETS 8

typedef struct outcome {
    int calls[SENDS];
    ssize_t res[SENDS];
} outcome;

static void done(void *arg, void *tag, ssize_t res)
{
    outcome *o = arg;
    size_t i = (size_t)(uintptr_t)tag;
    o->calls[i]++;
    o->res[i] = res;
}

static void pair(int sv[2])
{
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

static void test_many_sends(void **state)
{
    static outcome o;
    int sv[SOCKETS][2];
    char buf[SENDS * 11 + 1];
    (void)state;
    memset(&o, 0, sizeof(o));
    rt_sendq *q = rt_sendq_new();
    for (size_t k = 0; k < SOCKETS; k++)
        pair(sv[k]);
    for (size_t i = 0; i < SENDS; i++)
        rt_sendq_add(q, sv[i % SOCKETS][0], "data: one\n\n", 11, (void *)(uintptr_t)i, done, &o);
    rt_sendq_flush(q, done, &o);
    for (size_t i = 0; i < SENDS; i++) {
        assert_int_equal(o.calls[i], 1);
        assert_int_equal(o.res[i], 11);
    }
    for (size_t k = 0; k < SOCKETS; k++) {
        size_t want = 11 * ((SENDS - k + SOCKETS - 1) / SOCKETS);
        assert_int_equal(read(sv[k][1], buf, sizeof(buf)), (ssize_t)want);
        for (size_t off = 0; off < want; off += 11)
            assert_memory_equal(buf + off, "data: one\n\n", 11);
        close(sv[k][0]);
        close(sv[k][1]);
    }
    rt_sendq_flush(q, done, &o); /* nothing queued: nothing called */
    assert_int_equal(o.calls[0], 1);
    rt_sendq_free(q);
}

static void test_full_socket_does_not_wait(void **state)
{
    static char big[1 << 16];
    static outcome o;
    int sv[2];
    (void)state;
    memset(&o, 0, sizeof(o));
    pair(sv);
    rt_sendq *q = rt_sendq_new();
    ssize_t total = 0;
    for (int k = 0; k < 256 && o.res[0] >= 0; k++) { /* until the socket takes nothing */
        rt_sendq_add(q, sv[0], big, sizeof(big), (void *)(uintptr_t)0, done, &o);
        rt_sendq_flush(q, done, &o);
        assert_true(o.res[0] == -EAGAIN || (o.res[0] > 0 && o.res[0] <= (ssize_t)sizeof(big)));
        if (o.res[0] > 0)
            total += o.res[0];
    }
    assert_int_equal(o.res[0], -EAGAIN);
    assert_true(total > 0);
    close(sv[1]); /* the peer goes: an error, no SIGPIPE */
    rt_sendq_add(q, sv[0], "x", 1, (void *)(uintptr_t)1, done, &o);
    rt_sendq_flush(q, done, &o);
    assert_int_equal(o.calls[1], 1);
    assert_int_equal(o.res[1], -EPIPE);
    close(sv[0]);
    rt_sendq_free(q);
    rt_sendq_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_sends),
        cmocka_unit_test(test_full_socket_does_not_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

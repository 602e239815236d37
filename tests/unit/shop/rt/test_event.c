/* test_event.c - src/shop/rt/event.c: the SSE text of an event (one
 * data: line per line of data, whatever ends the lines), the event object,
 * topic and type names, the topic builders, and the wire text's parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/shop/rt/event.h"

static void frame_is(long long seq, const char *type, const char *data, const char *want)
{
    char out[512];
    size_t len = shop_rt_sse_frame(NULL, 0, seq, type, data, strlen(data));
    assert_int_equal(len, strlen(want)); /* the measuring pass */
    assert_int_equal(shop_rt_sse_frame(out, sizeof(out), seq, type, data, strlen(data)), len);
    assert_string_equal(out, want);
}

static void test_frame(void **state)
{
    (void)state;
    frame_is(42, "status", "{\"seq\":42}", "id: 42\nevent: status\ndata: {\"seq\":42}\n\n");
    /* LF, CRLF and CR each end a line; each line its own data: field */
    frame_is(7, "chat", "{\n\"a\":1,\r\n\"b\":2\r}",
             "id: 7\nevent: chat\ndata: {\ndata: \"a\":1,\ndata: \"b\":2\ndata: }\n\n");
    frame_is(8, "x", "a\n\nb", "id: 8\nevent: x\ndata: a\ndata: \ndata: b\n\n"); /* an empty line kept */
    frame_is(9, "x", "a\n", "id: 9\nevent: x\ndata: a\n\n");                     /* no empty last line */
    frame_is(10, "x", "", "id: 10\nevent: x\ndata: \n\n");
    frame_is(1796561441215209LL, "status", "{}", "id: 1796561441215209\nevent: status\ndata: {}\n\n");
}

static void test_frame_small_buffer(void **state)
{
    char out[8];
    (void)state;
    /* too small: the length it needs, the buffer filled as far as it goes, NUL-terminated */
    assert_int_equal(shop_rt_sse_frame(out, sizeof(out), 1, "t", "{}", 2), strlen("id: 1\nevent: t\ndata: {}\n\n"));
    assert_string_equal(out, "id: 1\ne"); /* what fits, in order */
}

static void test_event(void **state)
{
    static const char data[] = "{\"seq\":5,\"x\":\"y\"}";
    (void)state;
    shop_rt_event *e = shop_rt_event_new(5, "status", SHOP_RT_COALESCE, data, strlen(data));
    assert_int_equal(e->seq, 5);
    assert_int_equal(e->flags, SHOP_RT_COALESCE);
    assert_int_equal(e->superseded, 0);
    assert_string_equal(e->type, "status");
    assert_string_equal(e->data, data);
    assert_int_equal(e->data_len, strlen(data));
    assert_string_equal(e->frame, "id: 5\nevent: status\ndata: {\"seq\":5,\"x\":\"y\"}\n\n");
    assert_int_equal(e->frame_len, strlen(e->frame));
    assert_ptr_equal(shop_rt_event_ref(e), e);
    shop_rt_event_unref(e);
    shop_rt_event_unref(e); /* the last: freed (the sanitizer checks) */
    shop_rt_event_unref(NULL);
}

static void test_names(void **state)
{
    char name[SHOP_RT_TOPIC_MAX + 2];
    (void)state;
    assert_true(shop_rt_topic_valid("live:9f1c2a7be0d34c55"));
    assert_true(shop_rt_topic_valid("coop:12:orders"));
    assert_true(shop_rt_topic_valid("a_b-c"));
    assert_false(shop_rt_topic_valid(""));
    assert_false(shop_rt_topic_valid("Live:1"));
    assert_false(shop_rt_topic_valid("live 1"));
    assert_false(shop_rt_topic_valid("live:1\n"));
    memset(name, 'a', SHOP_RT_TOPIC_MAX);
    name[SHOP_RT_TOPIC_MAX] = '\0';
    assert_true(shop_rt_topic_valid(name));
    name[SHOP_RT_TOPIC_MAX] = 'a';
    name[SHOP_RT_TOPIC_MAX + 1] = '\0';
    assert_false(shop_rt_topic_valid(name));
    assert_true(shop_rt_type_valid("status"));
    assert_true(shop_rt_type_valid("just_bought"));
    assert_true(shop_rt_type_valid("chat.deleted"));
    assert_false(shop_rt_type_valid("a b"));
    assert_false(shop_rt_type_valid("a:b"));
    assert_false(shop_rt_type_valid("a-b"));
    assert_false(shop_rt_type_valid(""));
    assert_false(shop_rt_type_valid("a23456789012345678901234567890123")); /* 33 */
}

static void test_topics(void **state)
{
    char t[SHOP_RT_TOPIC_MAX + 1];
    (void)state;
    assert_int_equal(shop_rt_topic_live(t, "9f1c2a7be0d34c55"), 0);
    assert_string_equal(t, "live:9f1c2a7be0d34c55");
    assert_int_equal(shop_rt_topic_live(t, "9F1C2A7BE0D34C55"), -1);
    assert_int_equal(shop_rt_topic_live(t, "9f1c2a7be0d34c5"), -1);
    assert_int_equal(shop_rt_topic_live(t, "9f1c2a7be0d34c55a"), -1);
    assert_int_equal(shop_rt_topic_flash(t, 7), 0);
    assert_string_equal(t, "flash:7");
    assert_int_equal(shop_rt_topic_flash(t, 0), -1);
    assert_int_equal(shop_rt_topic_coop_orders(t, 3), 0);
    assert_string_equal(t, "coop:3:orders");
    assert_true(shop_rt_topic_valid(t));
    assert_int_equal(shop_rt_topic_coop_orders(t, -1), -1);
}

static int parse(const char *text, shop_rt_wire *w)
{
    return shop_rt_wire_parse(text, strlen(text), w);
}

static void test_wire(void **state)
{
    shop_rt_wire w;
    (void)state;
    assert_int_equal(parse("live:ab status 0 1796561441215209\n{\"seq\":1796561441215209,\"a\":\"b\"}", &w), 0);
    assert_string_equal(w.topic, "live:ab");
    assert_string_equal(w.type, "status");
    assert_int_equal(w.flags, 0);
    assert_int_equal(w.seq, 1796561441215209LL);
    assert_int_equal(w.data_len, strlen("{\"seq\":1796561441215209,\"a\":\"b\"}"));
    assert_memory_equal(w.data, "{\"seq\":", 7);
    assert_int_equal(parse("flash:1 stock 1 9\n{\"n\":\n2}", &w), 0); /* data may hold line ends */
    assert_int_equal(w.flags, SHOP_RT_COALESCE);
    assert_int_equal(w.data_len, 8);

    static const char *const bad[] = {
        "live:ab status 0 1",                        /* no data */
        "live:ab status 0 1\n",                      /* empty data */
        "live:ab status 0 1\n[1]",                   /* not an object */
        "live:ab status 0 1\n{",                     /* not closed */
        "live:ab status 0\n{}",                      /* no seq */
        "live:ab status 0 0\n{}",                    /* seq 0 */
        "live:ab status 0 -1\n{}",                   /* negative */
        "live:ab status 0 1x\n{}",                   /* not a number */
        "live:ab status 0 99999999999999999999\n{}", /* past long long */
        "live:ab status x 1\n{}",                    /* flags */
        "live:ab status 65536 1\n{}",                /* flags past 16 bits */
        "LIVE:ab status 0 1\n{}",                    /* topic */
        "live:ab st-atus 0 1\n{}",                   /* type */
        "live:ab status 0 1 2\n{}",                  /* a field too many */
        "live:ab  status 0 1\n{}",                   /* an empty field */
        " status 0 1\n{}",                           /* no topic */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &w) == 0)
            fail_msg("accepted: %s", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame),  cmocka_unit_test(test_frame_small_buffer),
        cmocka_unit_test(test_event),  cmocka_unit_test(test_names),
        cmocka_unit_test(test_topics), cmocka_unit_test(test_wire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

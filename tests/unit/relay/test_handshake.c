/* test_handshake.c - src/relay/rtmp_handshake.c: the simple handshake fed
 * whole, byte by byte and in odd splits; S0/S1/S2's layout; what is refused
 * (other versions, HTTP on the port) and feeding after the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/relay/rtmp_handshake.c"

/* C0 + C1 + C2 + 5 bytes of chunk data after it */
static size_t client_bytes(uint8_t *out)
{
    size_t n = 0;
    out[n++] = 3;
    for (int i = 0; i < RTMP_HS_SIZE; i++)
        out[n++] = (uint8_t)(i * 7 + 1);
    for (int i = 0; i < RTMP_HS_SIZE; i++)
        out[n++] = (uint8_t)(i * 3);
    memcpy(out + n, "\x03\x00\x00\x00\x00", 5);
    return n + 5;
}

/* Feeds in pieces of `step` bytes; checks the reply and the leftover. */
static void run_split(size_t step)
{
    static uint8_t in[2 * RTMP_HS_SIZE + 6];
    size_t len = client_bytes(in), pos = 0, used;
    const uint8_t *reply, *got = NULL;
    rtmp_hs hs;
    int rc = RTMP_HS_AGAIN;
    rtmp_hs_init(&hs, 1234, 99);
    while (rc == RTMP_HS_AGAIN && pos < len) {
        size_t n = len - pos < step ? len - pos : step;
        rc = rtmp_hs_feed(&hs, in + pos, n, &used, &reply);
        assert_true(used <= n);
        if (reply) {
            assert_null(got);
            got = reply;
        }
        pos += used;
    }
    assert_int_equal(rc, RTMP_HS_DONE);
    assert_int_equal(len - pos, 5); /* the chunk data stays for the next layer */
    assert_non_null(got);
    assert_int_equal(got[0], 3);                                         /* S0 */
    assert_memory_equal(got + 1, "\x00\x00\x04\xd2\x00\x00\x00\x00", 8); /* S1 time, zero */
    assert_memory_equal(got + 1 + RTMP_HS_SIZE, in + 1, 4);              /* S2 echoes C1 time */
    assert_memory_equal(got + 1 + RTMP_HS_SIZE + 8, in + 1 + 8, RTMP_HS_SIZE - 8);
    assert_int_equal(rtmp_hs_feed(&hs, in, 1, &used, &reply), RTMP_HS_ESTATE);
}

static void test_splits(void **state)
{
    (void)state;
    static const size_t steps[] = {1, 2, 7, 1536, 1537, 3000, 1 << 20};
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        run_split(steps[i]);
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        int rc;
    } cases[] = {
        {"GET / HTTP/1.1\r\n", 16, RTMP_HS_EHTTP},
        {"POST /x HTTP/1.0", 16, RTMP_HS_EHTTP},
        {"G", 1, RTMP_HS_EHTTP},
        {"\x06\x00", 2, RTMP_HS_EVERSION}, /* RTMPE */
        {"\x00", 1, RTMP_HS_EVERSION},
        {"\xff\xfe", 2, RTMP_HS_EVERSION},
        {"Gx", 2, RTMP_HS_EVERSION},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rtmp_hs hs;
        size_t used;
        const uint8_t *reply;
        rtmp_hs_init(&hs, 0, 0);
        int rc = rtmp_hs_feed(&hs, (const uint8_t *)cases[i].in, cases[i].len, &used, &reply);
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
        assert_null(reply);
        assert_string_not_equal(rtmp_hs_strerror(rc), "");
        assert_int_equal(rtmp_hs_feed(&hs, (const uint8_t *)"\x03", 1, &used, &reply), RTMP_HS_ESTATE);
    }
}

static void test_partial_waits(void **state)
{
    (void)state;
    rtmp_hs hs;
    size_t used;
    const uint8_t *reply;
    uint8_t c[100] = {3};
    rtmp_hs_init(&hs, 0, 1);
    assert_int_equal(rtmp_hs_feed(&hs, c, sizeof(c), &used, &reply), RTMP_HS_AGAIN);
    assert_int_equal(used, sizeof(c));
    assert_null(reply);
    assert_int_equal(rtmp_hs_feed(&hs, c, 0, &used, &reply), RTMP_HS_AGAIN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_splits),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_partial_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

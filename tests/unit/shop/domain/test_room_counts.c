/* test_room_counts.c - the I/O-free parts of src/shop/domain/room_counts.c:
 * adding up the processes' realtime client counts (only fresh entries, junk
 * ignored). Includes room_counts.c to reach its statics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/room_counts.c"

static redisReply str(char *s)
{
    return (redisReply){.type = REDIS_REPLY_STRING, .str = s, .len = strlen(s)};
}

static void test_sum_clients(void **state)
{
    (void)state;
    long long now = 1765000000000LL;
    char fresh[32], old[32], edge[32];
    snprintf(fresh, sizeof(fresh), "3 %lld", now - 1500);
    snprintf(old, sizeof(old), "7 %lld", now - CLIENTS_FRESH_MS - 1);
    snprintf(edge, sizeof(edge), "2 %lld", now - CLIENTS_FRESH_MS);
    redisReply e[] = {str("a"),    str(fresh), str("b"),  str(old), str("c"),
                      str("junk"), str("d"),   str(edge), str("e"), str("-4 0")};
    redisReply *p[10];
    for (size_t i = 0; i < 10; i++)
        p[i] = &e[i];
    redisReply h = {.type = REDIS_REPLY_ARRAY, .elements = 10, .element = p};
    assert_int_equal(sum_clients(&h, now), 5); /* fresh 3 + edge 2; old, junk and negative left out */
    h.elements = 9;                            /* an odd count: the last field has no value */
    assert_int_equal(sum_clients(&h, now), 5);
    assert_int_equal(sum_clients(NULL, now), 0);
    redisReply nil = {.type = REDIS_REPLY_NIL};
    assert_int_equal(sum_clients(&nil, now), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sum_clients),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_flash_counter.c - the pure parts of src/shop/domain/flash_counter.c:
 * an Idempotency-Key's mark read back (refused, pending, reused, malformed)
 * and the take's call laid out as its Lua reads it (KEYS, then ARGV). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/shop/domain/flash_counter.h"

#define HASH "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OTHER_HASH "f123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_mark_parse(void **state)
{
    (void)state;
    shop_idem k = {.account_id = 7, .scope = "flash:12", .key = "k1", .hash = HASH};
    char reqid[33] = "";
    int why = 0;
    long long left = 0, held = 0;
    assert_int_equal(
        shop_flash_mark_parse("R " HASH " -1 0123456789abcdef0123456789abcdef", &k, &why, &left, &held, reqid),
        SHOP_FLASH_MARK_REFUSED);
    assert_int_equal(why, SHOP_FLASH_TAKE_SOLD_OUT);
    assert_string_equal(reqid, "0123456789abcdef0123456789abcdef");
    assert_true(left == -1 && held == -1); /* a mark from before the counts were kept */
    /* the units left and held when it was refused */
    assert_int_equal(
        shop_flash_mark_parse("R " HASH " -1 0123456789abcdef0123456789abcdef 3 1", &k, &why, &left, &held, reqid),
        SHOP_FLASH_MARK_REFUSED);
    assert_true(why == SHOP_FLASH_TAKE_SOLD_OUT && left == 3 && held == 1);
    assert_int_equal(shop_flash_mark_parse("R " HASH " -2 abc", &k, &why, &left, &held, reqid),
                     SHOP_FLASH_MARK_REFUSED);
    assert_int_equal(why, SHOP_FLASH_TAKE_LIMIT);
    assert_int_equal(shop_flash_mark_parse("P " HASH, &k, &why, &left, &held, reqid), SHOP_FLASH_MARK_PENDING);
    assert_int_equal(shop_flash_mark_parse("R " HASH, &k, &why, &left, &held, reqid),
                     SHOP_FLASH_MARK_PENDING); /* no reason */
    /* another request's hash, or no mark of ours at all */
    shop_idem other = {.account_id = 7, .scope = "flash:12", .key = "k1", .hash = OTHER_HASH};
    assert_int_equal(shop_flash_mark_parse("P " HASH, &other, &why, &left, &held, reqid), SHOP_FLASH_MARK_REUSED);
    assert_int_equal(shop_flash_mark_parse("P 0123", &k, &why, &left, &held, reqid), SHOP_FLASH_MARK_REUSED);
    assert_int_equal(shop_flash_mark_parse("X " HASH, &k, &why, &left, &held, reqid), SHOP_FLASH_MARK_REUSED);
    assert_int_equal(shop_flash_mark_parse("", &k, &why, &left, &held, reqid), SHOP_FLASH_MARK_REUSED);
}

static void test_take_call(void **state)
{
    (void)state;
    shop_idem k = {.key = "key-1", .hash = HASH};
    shop_flash_take_call c;
    shop_flash_take_call_init(&c, 12, "sess:abc", 1209600, 2, 3, &k, "req-1");
    static const char *const want[SHOP_FLASH_TAKE_ARGC] = {NULL,
                                                           NULL,
                                                           "4", /* numkeys */
                                                           "sess:abc",
                                                           "flash:{12}:stock",
                                                           "flash:{12}:buyers",
                                                           "flash:{12}:gen", /* KEYS */
                                                           "1209600",
                                                           "2",
                                                           "3",
                                                           HASH,
                                                           "req-1",
                                                           "30",
                                                           "172800",
                                                           "flash:{12}:idem:",
                                                           "key-1"}; /* ARGV */
    for (int i = 2; i < SHOP_FLASH_TAKE_ARGC; i++) {
        assert_string_equal(c.argv[i], want[i]);
        assert_int_equal(c.lens[i], strlen(want[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mark_parse),
        cmocka_unit_test(test_take_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_carts.c - the pure parts of src/shop/domain/carts.c: guest tokens,
 * the Redis keys of carts, and why a line cannot be bought. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/crypto.h"
#include "farmlive/shop/domain/carts.h"

#define TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_token(void **state)
{
    (void)state;
    assert_true(shop_cart_token_ok(TOKEN));
    assert_false(shop_cart_token_ok(NULL));
    assert_false(shop_cart_token_ok(""));
    assert_false(shop_cart_token_ok(TOKEN "0")); /* 65 */
    assert_false(shop_cart_token_ok(TOKEN + 1)); /* 63 */
    assert_false(shop_cart_token_ok("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
    assert_false(shop_cart_token_ok("0123456789abcdeg0123456789abcdef0123456789abcdef0123456789abcdef"));
}

static void test_keys(void **state)
{
    (void)state;
    char key[SHOP_CART_KEY_MAX], hash[FL_SHA256_HEX], want[SHOP_CART_KEY_MAX];
    shop_cart_key_account(42, key);
    assert_string_equal(key, "cart:a:42");
    shop_cart_key_guest(TOKEN, key);
    fl_sha256_hex(TOKEN, strlen(TOKEN), hash); /* the token itself is never a key */
    snprintf(want, sizeof(want), "cart:g:%s", hash);
    assert_string_equal(key, want);
    assert_null(strstr(key, TOKEN));
}

/* Why a line cannot be bought, the first reason that holds. */
static void test_line_unavailable(void **state)
{
    (void)state;
    assert_string_equal(shop_cart_line_unavailable(0, 0, 0, 0, 1), "no_such_sku");
    assert_string_equal(shop_cart_line_unavailable(1, 0, 0, 10, 1), "sku_inactive");
    assert_string_equal(shop_cart_line_unavailable(1, 1, 0, 10, 1), "product_not_listed");
    assert_string_equal(shop_cart_line_unavailable(1, 1, 1, 2, 3), "not_enough_stock");
    assert_null(shop_cart_line_unavailable(1, 1, 1, 3, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_line_unavailable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

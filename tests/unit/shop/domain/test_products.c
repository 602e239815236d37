/* test_products.c - the pure checks of src/shop/domain/products.c: GTIN-14
 * check digits, image URLs, product statuses and their changes (a search's
 * words: test_product_search.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/shop/domain/products.h"

static void test_gtin14(void **state)
{
    (void)state;
    assert_true(shop_gtin14_valid("06901234567892")); /* GS1's own example, padded to 14 */
    assert_true(shop_gtin14_valid("00000000000000"));
    assert_true(shop_gtin14_valid("10012345678902"));
    assert_false(shop_gtin14_valid("06901234567893")); /* wrong check digit */
    assert_false(shop_gtin14_valid("00000000000001"));
    assert_false(shop_gtin14_valid("0690123456789")); /* 13 digits */
    assert_false(shop_gtin14_valid("069012345678920"));
    assert_false(shop_gtin14_valid("0690123456789X"));
    assert_false(shop_gtin14_valid(" 6901234567892"));
    assert_false(shop_gtin14_valid(""));
    /* every check digit but the right one is refused */
    char g[] = "1001234567890_";
    for (char d = '0'; d <= '9'; d++) {
        g[13] = d;
        assert_int_equal(shop_gtin14_valid(g), d == '2');
    }
}

static void test_image_url(void **state)
{
    (void)state;
    assert_true(shop_image_url_valid("https://img.example.com/eggs.jpg"));
    assert_true(shop_image_url_valid("https://img.example.com:8443/a.png?x=1#top"));
    assert_true(shop_image_url_valid("/assets/eggs.svg"));
    assert_true(shop_image_url_valid("/assets/AY-egg_2.v1.jpg"));
    /* plain http would hand buyers' addresses to another host */
    assert_false(shop_image_url_valid("http://img.example.com/a.png?x=1"));
    /* only the shop's own media, as /assets/{file} serves it */
    assert_false(shop_image_url_valid("/"));
    assert_false(shop_image_url_valid("/assets/"));
    assert_false(shop_image_url_valid("/assets/.hidden"));
    assert_false(shop_image_url_valid("/assets/../secrets"));
    assert_true(shop_image_url_valid("/media/3f2a9c-1200.jpg")); /* an uploaded photo's rendition */
    assert_false(shop_image_url_valid("/media/"));
    assert_false(shop_image_url_valid("/media/../var/secrets.env"));
    assert_false(shop_image_url_valid("/api/v1/me"));
    /* nothing that breaks out of an attribute, no odd hosts */
    assert_false(shop_image_url_valid("https://img.example.com/a\".jpg"));
    assert_false(shop_image_url_valid("https://img.example.com/a'onerror=x"));
    assert_false(shop_image_url_valid("https://img.example.com/<b>"));
    assert_false(shop_image_url_valid("https://user@img.example.com/a.jpg"));
    assert_false(shop_image_url_valid("https://localhost/a.jpg"));
    assert_false(shop_image_url_valid("https://.example.com/a.jpg"));
    assert_false(shop_image_url_valid("https://img.example.com:/a.jpg"));
    assert_false(shop_image_url_valid("https://img.example.com:123456/a.jpg"));
    assert_false(shop_image_url_valid("https:///a.jpg"));
    assert_false(shop_image_url_valid("https://img.例子.cn/a.jpg")); /* punycode it */
    assert_false(shop_image_url_valid("//evil.example.com/a.jpg"));  /* protocol-relative */
    assert_false(shop_image_url_valid("ftp://example.com/a.jpg"));
    assert_false(shop_image_url_valid("javascript:alert(1)"));
    assert_false(shop_image_url_valid("data:image/png;base64,AAAA"));
    assert_false(shop_image_url_valid("HTTPS://img.example.com/a.jpg"));
    assert_false(shop_image_url_valid("assets/a.jpg"));
    assert_false(shop_image_url_valid("https://img.example.com/a b.jpg"));
    assert_false(shop_image_url_valid("/a\tb"));
    assert_false(shop_image_url_valid("/a\x7f"));
    assert_false(shop_image_url_valid("https://img.example.com/a\x7f"));
    assert_false(shop_image_url_valid(""));
}

static void test_status(void **state)
{
    (void)state;
    assert_true(shop_product_status_valid("draft", 1));
    assert_true(shop_product_status_valid("listed", 1));
    assert_false(shop_product_status_valid("delisted", 1)); /* nothing is created delisted */
    assert_true(shop_product_status_valid("delisted", 0));
    assert_false(shop_product_status_valid("sold", 0));
    assert_false(shop_product_status_valid("Listed", 0));
    assert_false(shop_product_status_valid("", 0));

    static const char *const all[] = {"draft", "listed", "delisted"};
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++)
            assert_int_equal(shop_product_status_change_ok(all[i], all[j]), i == j || strcmp(all[j], "draft") != 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gtin14),
        cmocka_unit_test(test_image_url),
        cmocka_unit_test(test_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

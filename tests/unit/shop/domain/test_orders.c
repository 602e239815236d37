/* test_orders.c - the pure parts of src/shop/domain/orders.c: what a buy's
 * body must hold (payment method, every address field and its length in
 * characters, not bytes, a phone a courier can call), and the statuses a
 * list may filter by. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/shop/domain/orders.h"

static json_t *body(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    assert_non_null(v);
    return v;
}

#define ADDR                                                                                                           \
    "\"address\":{\"name\":\"王丽\",\"phone\":\"13800000000\",\"province\":\"江西省\",\"city\":\"萍乡市\","    \
    "\"county\":\"安源区\",\"detail\":\"大城镇 1 号\"}"

static void test_input(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        int ok, online;
        const char *in_msg;
    } cases[] = {
        {"{\"payment_method\":\"online\"," ADDR "}", 1, 1, NULL},
        {"{\"payment_method\":\"cod\"," ADDR "}", 1, 0, NULL},
        {"{\"payment_method\":\"card\"," ADDR "}", 0, 0, "payment_method"},
        {"{\"payment_method\":1," ADDR "}", 0, 0, "payment_method"},
        {"{" ADDR "}", 0, 0, "payment_method"},
        {"{\"payment_method\":\"cod\"}", 0, 0, "address is required"},
        {"{\"payment_method\":\"cod\",\"address\":[]}", 0, 0, "address is required"},
        {"{\"payment_method\":\"cod\",\"address\":{\"name\":\"王丽\"}}", 0, 0, "address.phone"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *b = body(cases[i].body);
        shop_address a = {0};
        shop_fault f = {0};
        int online = -1, rc = shop_order_input(b, &online, &a, &f);
        if (cases[i].ok) {
            assert_int_equal(rc, SHOP_OK);
            assert_int_equal(online, cases[i].online);
            assert_string_equal(a.name, "王丽");
            assert_string_equal(a.detail, "大城镇 1 号");
        } else {
            assert_int_equal(rc, SHOP_E_VALIDATION);
            assert_int_equal(f.err, SHOP_E_VALIDATION);
            if (!strstr(f.msg, cases[i].in_msg))
                fail_msg("case %zu: message '%s' does not name '%s'", i, f.msg, cases[i].in_msg);
        }
        json_decref(b);
    }
}

/* Lengths count characters: 64 Chinese characters are a good name, 65 are not. */
static void test_lengths_in_characters(void **state)
{
    (void)state;
    char name[65 * 3 + 1];
    for (int n = 64; n <= 65; n++) {
        json_t *b = body("{\"payment_method\":\"cod\"," ADDR "}");
        for (int i = 0; i < n; i++)
            memcpy(name + 3 * i, "王", 3);
        name[n * 3] = '\0';
        json_object_set_new(json_object_get(b, "address"), "name", json_string(name));
        shop_address a;
        shop_fault f = {0};
        int online;
        int rc = shop_order_input(b, &online, &a, &f);
        if (rc != (n == 64 ? SHOP_OK : SHOP_E_VALIDATION))
            fail_msg("a name of %d characters: %d (%s)", n, rc, f.msg);
        json_object_set_new(json_object_get(b, "address"), "detail", json_string(""));
        assert_int_equal(shop_order_input(b, &online, &a, &f), SHOP_E_VALIDATION); /* empty */
        json_decref(b);
    }
}

static void test_status(void **state)
{
    (void)state;
    const char *all[] = {"pending_payment", "paid",      "confirmed", "shipped",
                         "delivered",       "completed", "cancelled", "refunded"};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        assert_string_equal(shop_order_status(all[i]), all[i]);
    assert_null(shop_order_status("lost"));
    assert_null(shop_order_status(""));
    assert_null(shop_order_status("PAID"));
    assert_null(shop_order_status(NULL));
}

/* An address's phone: one a courier can call (phone.c decides which). */
static void test_phone(void **state)
{
    (void)state;
    json_t *b = body("{\"payment_method\":\"cod\"," ADDR "}");
    json_object_set_new(json_object_get(b, "address"), "phone", json_string("abc"));
    shop_address a;
    shop_fault f = {0};
    int online;
    assert_int_equal(shop_order_input(b, &online, &a, &f), SHOP_E_VALIDATION);
    assert_non_null(strstr(f.msg, "address.phone"));
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input),
        cmocka_unit_test(test_lengths_in_characters),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_phone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_order_model.c - src/shop/domain/order_model.c without MariaDB: the
 * serializer (escaping, nulls, times, the address, the lines), the same
 * text for a new order and for the same order read back (the columns as
 * MariaDB gives them), and the field list behind every statement: the
 * SELECT, the INSERTs and their JSON_TABLE parameters name the same fields
 * in the same order. Includes order_model.c to reach its statics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../../src/shop/domain/order_model.c"

#define ODD_DETAIL "大城镇 \"1\" 号\\后院\n\t二楼\x01 / é \xF0\x9F\xA5\x9A"

static const shop_address address = {"王丽", "13800000000", "江西省", "萍乡市", "安源区", ODD_DETAIL};

/* A new online order of two lines, created at 2026-11-20 20:00:00 UTC
 * (1795204800), id 101 as if inserted. */
static void new_order(shop_order *o, fl_arena *a)
{
    shop_order_init(o, a,
                    &(shop_order_new){.buyer_account_id = 7,
                                      .coop_id = 3,
                                      .coop_name = "安源 \"合作社\"",
                                      .flash_sale_id = 12,
                                      .live_id = 9,
                                      .live_public_id = "9f1c2a7be0d34c55",
                                      .online = 1,
                                      .total_fen = 5970,
                                      .address = &address,
                                      .created = 1795204800,
                                      .expiry_s = 900});
    o->v[SHOP_OF_ID] = "101";
    static const struct {
        long long lot_id, qty;
        const char *code;
    } lots[] = {{40, 2, "AY-EGG-20261120-01"}, {41, 1, "AY-EGG-20261121-02"}};
    for (size_t i = 0; i < 2; i++)
        shop_order_add_line(o, a,
                            &(shop_order_line_new){.sku_id = 5,
                                                   .lot_id = lots[i].lot_id,
                                                   .lot_code = lots[i].code,
                                                   .product_name = "绿壳乌鸡蛋",
                                                   .spec = "30枚",
                                                   .unit = "盒",
                                                   .quantity = lots[i].qty,
                                                   .unit_price_fen = 1990});
}

static char *text_of(const shop_order *o)
{
    fl_buf b;
    fl_buf_init(&b, 64, 1 << 20);
    assert_int_equal(shop_order_text(&b, o), 0);
    char *t = strdup(b.p);
    fl_buf_free(&b);
    return t;
}

static void test_serializer(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    shop_order o;
    json_error_t jerr;
    new_order(&o, a);
    char *text = text_of(&o);
    json_t *v = json_loads(text, 0, &jerr);
    assert_non_null(v);
    /* compact, members in the list's order: what jansson writes of it again */
    char *again = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, again);
    assert_string_equal(json_string_value(json_object_get(json_object_get(v, "address"), "detail")), ODD_DETAIL);
    assert_string_equal(json_string_value(json_object_get(v, "coop_name")), "安源 \"合作社\"");
    assert_int_equal(json_integer_value(json_object_get(v, "flash_sale_id")), 12);
    /* the session it was sold in: written as its row id, answered as its public id */
    assert_string_equal(json_string_value(json_object_get(v, "live_id")), "9f1c2a7be0d34c55");
    assert_string_equal(json_string_value(json_object_get(v, "status")), "pending_payment");
    assert_string_equal(json_string_value(json_object_get(v, "payment_method")), "online");
    assert_string_equal(json_string_value(json_object_get(v, "created_at")), "2026-11-20T20:00:00Z");
    assert_string_equal(json_string_value(json_object_get(v, "expires_at")), "2026-11-20T20:15:00Z");
    assert_true(json_is_null(json_object_get(v, "paid_at")));
    assert_true(json_is_null(json_object_get(v, "carrier")));
    json_t *lines = json_object_get(v, "lines");
    assert_int_equal(json_array_size(lines), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(lines, 0), "line_total_fen")), 3980);
    assert_null(json_object_get(json_array_get(lines, 0), "order_id")); /* written, not answered */
    /* the answer's members, in order, are the field list's: the address
     * fields as one "address", then "lines" */
    const char *want[SHOP_OF_COUNT + 1], *key;
    json_t *val;
    size_t nwant = 0, k = 0;
    for (size_t i = 0; i < SHOP_OF_COUNT; i++)
        if (!order_fields[i].json) /* written, not answered (live_id: answered as the session's public id) */
            continue;
        else if (order_fields[i].kind != SHOP_FIELD_ADDR)
            want[nwant++] = order_fields[i].json;
        else if (order_fields[i - 1].kind != SHOP_FIELD_ADDR)
            want[nwant++] = "address";
    want[nwant++] = "lines";
    json_object_foreach(v, key, val)
    {
        assert_true(k < nwant);
        assert_string_equal(key, want[k++]);
    }
    assert_int_equal(k, nwant);
    free(again);
    free(text);
    json_decref(v);
    fl_arena_free(a);
}

static void test_cod_and_nulls(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    shop_order o;
    shop_order_init(&o, a,
                    &(shop_order_new){.buyer_account_id = 1,
                                      .coop_id = 2,
                                      .coop_name = "c",
                                      .address = &address,
                                      .created = 1795204800,
                                      .expiry_s = 900});
    char *text = text_of(&o);
    assert_non_null(strstr(text, "\"id\":null,\"status\":\"confirmed\","));
    assert_non_null(strstr(text, "\"flash_sale_id\":null,\"live_id\":null,\"payment_method\":\"cod\","));
    assert_non_null(strstr(text, "\"expires_at\":null,"));
    assert_non_null(strstr(text, "\"lines\":[]}"));
    free(text);
    /* a string that is not UTF-8 is refused, as jansson refuses it */
    o.v[SHOP_OF_CARRIER] = "\xFF";
    fl_buf b;
    fl_buf_init(&b, 64, 1 << 20);
    assert_int_equal(shop_order_text(&b, &o), -1);
    fl_buf_free(&b);
    fl_arena_free(a);
}

/* The same order read back: the columns as MariaDB gives them for the row
 * the writer inserted (DATETIME(3) with its fraction, SQL NULL as NULL,
 * the line total computed by the SELECT). */
static void test_read_path_same_text(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    shop_order written, read;
    new_order(&written, a);
    const char *cols[SHOP_OF_COUNT] = {
        [SHOP_OF_ID] = "101",
        [SHOP_OF_STATUS] = "pending_payment",
        [SHOP_OF_BUYER_ACCOUNT_ID] = "7",
        [SHOP_OF_COOP_ID] = "3",
        [SHOP_OF_COOP_NAME] = "安源 \"合作社\"",
        [SHOP_OF_FLASH_SALE_ID] = "12",
        [SHOP_OF_LIVE_ID] = "9",
        [SHOP_OF_LIVE_PUBLIC_ID] = "9f1c2a7be0d34c55",
        [SHOP_OF_PAYMENT_METHOD] = "online",
        [SHOP_OF_TOTAL_FEN] = "5970",
        [SHOP_OF_SHIP_NAME] = "王丽",
        [SHOP_OF_SHIP_PHONE] = "13800000000",
        [SHOP_OF_SHIP_PROVINCE] = "江西省",
        [SHOP_OF_SHIP_CITY] = "萍乡市",
        [SHOP_OF_SHIP_COUNTY] = "安源区",
        [SHOP_OF_SHIP_DETAIL] = ODD_DETAIL,
        [SHOP_OF_EXPIRES_AT] = "2026-11-20 20:15:00.000",
        [SHOP_OF_CREATED_AT] = "2026-11-20 20:00:00.000",
    };
    const char *line1[SHOP_OL_COUNT] = {"101", "5",    "40",  "AY-EGG-20261120-01", "绿壳乌鸡蛋", "30枚", "盒",
                                        "2",   "1990", "3980"};
    const char *line2[SHOP_OL_COUNT] = {"101", "5",    "41",  "AY-EGG-20261121-02", "绿壳乌鸡蛋", "30枚", "盒",
                                        "1",   "1990", "1990"};
    order_from_cols(&read, cols);
    line_from_cols(&read, a, line1);
    line_from_cols(&read, a, line2);
    char *t1 = text_of(&written), *t2 = text_of(&read);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    fl_arena_free(a);
}

/* The columns an INSERT names, in order, into cols, and its JSON_TABLE's
 * (each read from the path of its own name) into jt. */
static void insert_columns(const char *stmt, char *cols, size_t n, char *jt, size_t m)
{
    const char *p = strchr(stmt, '('), *q = strchr(p, ')');
    snprintf(cols, n, "%.*s", (int)(q - p - 1), p + 1);
    p = strstr(stmt, "COLUMNS(i FOR ORDINALITY");
    assert_non_null(p);
    p += strlen("COLUMNS(i FOR ORDINALITY");
    jt[0] = '\0';
    while (strncmp(p, ", `", 3) == 0) { /* , `col` TYPE PATH '$.col' */
        const char *name = p + 3, *end = strchr(name, '`');
        size_t len = strlen(jt), nlen = (size_t)(end - name);
        snprintf(jt + len, m - len, "%s%.*s", len ? ", " : "", (int)nlen, name);
        p = strstr(end, " PATH '$.");
        assert_non_null(p);
        p += strlen(" PATH '$.");
        assert_memory_equal(p, name, nlen);
        assert_int_equal(p[nlen], '\'');
        p += nlen + 1;
    }
    assert_memory_equal(p, "))", 2);
}

static void test_field_lists_make_the_statements(void **state)
{
    (void)state;
    char cols[1024], jt[1024], want[1024] = "", list[SQL_MAX] = "";
    sql_ready();
    /* the read path: every field, in the list's order */
    select_list(list, order_fields, SHOP_OF_COUNT);
    assert_memory_equal(sql.select_one, "SELECT ", 7);
    assert_memory_equal(sql.select_one + 7, list, strlen(list));
    assert_non_null(strstr(sql.select_buyer, list));
    assert_non_null(strstr(sql.select_coop, list));
    assert_non_null(strstr(sql.select_one, "SELECT o.id, o.status, o.buyer_account_id, o.coop_id, c.name, "));
    list[0] = '\0';
    select_list(list, line_fields, SHOP_OL_COUNT);
    assert_non_null(strstr(sql.select_lines, list));
    /* the writer: the fields with a JSON_TABLE type, the same in the
     * column list, the SELECT of j and the JSON_TABLE */
    for (size_t i = 0; i < SHOP_OF_COUNT; i++)
        if (order_fields[i].write)
            snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s", want[0] ? ", " : "",
                     column(&order_fields[i]));
    assert_string_equal(want, "status, buyer_account_id, coop_id, flash_sale_id, live_id, payment_method, total_fen, "
                              "ship_name, ship_phone, ship_province, ship_city, ship_county, ship_detail, "
                              "expires_at, created_at");
    insert_columns(sql.insert, cols, sizeof(cols), jt, sizeof(jt));
    assert_string_equal(cols, want);
    assert_string_equal(jt, want);
    assert_non_null(strstr(sql.insert, "INSERT INTO orders ("));
    assert_non_null(strstr(sql.insert, ") SELECT j.`status`, j.`buyer_account_id`, "));
    assert_non_null(strstr(sql.insert, ")) j ORDER BY j.i"));
    insert_columns(sql.insert_lines, cols, sizeof(cols), jt, sizeof(jt));
    assert_string_equal(cols, "order_id, sku_id, lot_id, product_name, spec, unit, quantity, unit_price_fen");
    assert_string_equal(jt, cols);
}

/* A record's JSON_TABLE row names exactly the INSERT's columns. */
static void test_param_rows(void **state)
{
    (void)state;
    fl_arena *a = fl_arena_new(0);
    shop_order o;
    fl_buf b;
    json_error_t jerr;
    new_order(&o, a);
    fl_buf_init(&b, 64, 1 << 20);
    assert_int_equal(param_row(&b, order_fields, SHOP_OF_COUNT, o.v), 0);
    json_t *row = json_loads(b.p, 0, &jerr);
    assert_non_null(row);
    size_t n = 0;
    for (size_t i = 0; i < SHOP_OF_COUNT; i++) {
        if (!order_fields[i].write) {
            assert_null(json_object_get(row, column(&order_fields[i])));
            continue;
        }
        n++;
        json_t *v = json_object_get(row, column(&order_fields[i]));
        assert_non_null(v);
    }
    assert_int_equal(json_object_size(row), n);
    assert_string_equal(json_string_value(json_object_get(row, "ship_detail")), ODD_DETAIL);
    assert_string_equal(json_string_value(json_object_get(row, "created_at")), "2026-11-20 20:00:00");
    assert_int_equal(json_integer_value(json_object_get(row, "flash_sale_id")), 12);
    json_decref(row);
    fl_buf_free(&b);
    fl_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serializer),          cmocka_unit_test(test_cod_and_nulls),
        cmocka_unit_test(test_read_path_same_text), cmocka_unit_test(test_field_lists_make_the_statements),
        cmocka_unit_test(test_param_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

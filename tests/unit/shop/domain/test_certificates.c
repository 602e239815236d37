/* test_certificates.c - the pure parts of src/shop/domain/certificates.c:
 * the canonical text a certificate's signature covers (against a text
 * worked out independently with Python's json.dumps(sort_keys=True)), the
 * public JSON and its signature check, and the rules of a new certificate
 * (one table). Includes certificates.c to reach its statics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "farmlive/crypto.h"
#include "../../../../src/shop/domain/certificates.c"

static fl_signkey key;

static int group_setup(void **state)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    (void)state;
    if (fl_crypto_init() != 0)
        return -1;
    memset(seed, 3, sizeof(seed));
    fl_signkey_from_seed(seed, &key);
    return 0;
}

static void conformity_cols(const char *col[XC_COUNT])
{
    memset(col, 0, sizeof(const char *) * XC_COUNT);
    col[XC_ID] = "12";
    col[XC_COOP] = "3";
    col[XC_KIND] = "conformity";
    col[XC_NUMBER] = "HGZ-1";
    col[XC_HOLDER] = "合作社";
    col[XC_PRODUCT] = "绿壳乌鸡蛋";
    col[XC_QTY] = "120盒";
    col[XC_CONTACT] = "0799-6231088";
    col[XC_ADDRESS] = "安源区";
    col[XC_ORIGIN] = "安源区";
    col[XC_BASIS] = "entrusted_test";
    col[XC_COMMIT] = "[\"不使用禁用药物\"]";
    col[XC_RESULTS] =
        "[{\"item\":\"恩诺沙星\",\"method\":\"GB 31658.17-2021\",\"result\":\"未检出\",\"limit\":\"不得检出\","
        "\"verdict\":\"pass\"}]";
    col[XC_ISSUED] = "2026-11-20";
    col[XC_STATUS] = "valid";
    col[XC_CREATED] = "2026-11-20T08:00:00Z";
    col[XC_EXPIRED] = "0";
}

static void test_canonical_form(void **state)
{
    const char *col[XC_COUNT];
    size_t len = 0;
    char *canon;
    (void)state;
    conformity_cols(col);
    canon = cert_canon(col, &len);
    assert_string_equal(
        canon,
        "{\"address\":\"安源区\",\"basis\":\"entrusted_test\",\"commitments\":[\"不使用禁用药物\"],\"contact\":"
        "\"0799-6231088\",\"coop_id\":3,\"holder\":\"合作社\",\"id\":12,\"issued_on\":\"2026-11-20\",\"issuing_body\":"
        "null,\"kind\":\"conformity\",\"number\":\"HGZ-1\",\"origin\":\"安源区\",\"product_name\":\"绿壳乌鸡蛋\","
        "\"quantity\":\"120盒\",\"revoked_reason\":null,\"scope\":null,\"status\":\"valid\",\"test_results\":[{"
        "\"item\":"
        "\"恩诺沙星\",\"limit\":\"不得检出\",\"method\":\"GB "
        "31658.17-2021\",\"result\":\"未检出\",\"verdict\":\"pass\"}],"
        "\"type\":\"farmlive.certificate.v1\",\"valid_from\":null,\"valid_until\":null,\"verify_url\":null}");
    assert_int_equal(len, strlen(canon));
    fl_free(canon);
    col[XC_RESULTS] = "[{\"item\":\"x\",\"result\":0.1}]"; /* a decimal has no canonical form */
    assert_null(cert_canon(col, &len));
}

static void test_public_json(void **state)
{
    const char *col[XC_COUNT];
    char sig[FL_SIG_HEX], *canon;
    size_t len = 0;
    json_t *c;
    (void)state;
    conformity_cols(col);
    canon = cert_canon(col, &len);
    fl_sign_hex(&key, canon, len, sig);
    fl_free(canon);
    col[XC_SIG] = sig;
    c = cert_json(key.pk, col);
    assert_true(json_is_true(json_object_get(c, "signature_valid")));
    assert_null(json_object_get(c, "type"));
    assert_false(json_is_true(json_object_get(c, "expired")));
    assert_int_equal(json_integer_value(json_object_get(c, "id")), 12);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(c, "test_results"), 0), "item")), "恩诺沙星");
    json_decref(c);

    col[XC_STATUS] = "revoked"; /* a signed field changed: the signature no longer holds */
    c = cert_json(key.pk, col);
    assert_false(json_is_true(json_object_get(c, "signature_valid")));
    json_decref(c);
    col[XC_SIG] = NULL; /* unsigned */
    col[XC_EXPIRED] = "1";
    c = cert_json(key.pk, col);
    assert_false(json_is_true(json_object_get(c, "signature_valid")));
    assert_true(json_is_true(json_object_get(c, "expired")));
    json_decref(c);
}

/* A certificate of kind built from a JSON body, as the API would pass it. */
static int check_body(const char *body_text, shop_fault *f)
{
    json_t *body = json_loads(body_text, 0, NULL);
    shop_cert_new in = {0};
    int rc;
    assert_non_null(body);
    for (size_t i = 0; i < SHOP_CERT_TEXTS; i++)
        in.text[i] = json_string_value(json_object_get(body, shop_cert_texts[i].key));
    in.commitments = json_object_get(body, "commitments");
    in.test_results = json_object_get(body, "test_results");
    rc = cert_check(&in, 20777 /* 2026-11-20 */, f);
    json_decref(body);
    return rc;
}

#define CONF                                                                                                           \
    "\"kind\":\"conformity\",\"holder\":\"h\",\"product_name\":\"p\",\"quantity\":\"1\",\"contact\":\"c\","            \
    "\"address\":\"a\",\"origin\":\"o\",\"issued_on\":\"2026-11-20\",\"commitments\":[\"x\"]"
#define RESULT "{\"item\":\"i\",\"method\":\"m\",\"result\":\"r\",\"limit\":\"l\",\"verdict\":\"pass\"}"
#define GREEN                                                                                                          \
    "\"kind\":\"green_food\",\"number\":\"LB-15-2611-36-0001-A\",\"issuing_body\":\"b\",\"holder\":\"h\","             \
    "\"issued_on\":\"2026-01-10\",\"valid_from\":\"2026-01-10\""

static void test_rules(void **state)
{
    static const struct {
        const char *body, *error; /* error NULL: accepted; else the start of the message */
    } cases[] = {
        {"{" CONF ",\"basis\":\"entrusted_test\",\"test_results\":[" RESULT "]}", NULL},
        {"{" CONF ",\"basis\":\"internal_control\"}", NULL},
        {"{" GREEN ",\"valid_until\":\"2029-01-09\"}", NULL},
        {"{" GREEN ",\"valid_until\":\"2029-01-09\",\"number\":\"LB-15-2611-36-0001-AA\"}", NULL},
        {"{\"kind\":\"geo_indication\",\"number\":\"AGI-1\",\"issuing_body\":\"b\",\"holder\":\"h\","
         "\"issued_on\":\"2019-12-01\",\"valid_from\":\"2019-12-01\"}",
         NULL},
        {"{\"kind\":\"organic\",\"number\":\"COFCC-OP-26-00123\",\"issuing_body\":\"b\",\"holder\":\"h\","
         "\"issued_on\":\"2026-03-01\",\"valid_from\":\"2026-03-01\",\"valid_until\":\"2027-02-28\"}",
         NULL},
        {"{}", "kind is required"},
        {"{\"kind\":\"halal\"}", "kind must be"},
        {"{" CONF ",\"basis\":\"internal_control\",\"contact\":null}", "contact is required"},
        {"{" CONF "}", "basis is required"},
        {"{" CONF ",\"basis\":\"trust_me\"}", "basis must be"},
        {"{" CONF ",\"basis\":\"entrusted_test\"}", "test_results is required"},
        {"{" CONF ",\"basis\":\"self_test\",\"test_results\":[{\"item\":\"i\",\"method\":\"m\",\"result\":\"r\","
         "\"limit\":\"l\",\"verdict\":\"fail\"}]}",
         "test_results[0] failed"},
        {"{" CONF ",\"basis\":\"self_test\",\"test_results\":[{\"item\":\"i\"}]}", "test_results[0] must be"},
        {"{" CONF ",\"basis\":\"self_test\",\"test_results\":[{\"item\":\"i\",\"method\":\"m\",\"result\":\"r\","
         "\"limit\":\"l\",\"verdict\":\"maybe\"}]}",
         "test_results[0].verdict must be pass or fail"},
        {"{" CONF ",\"basis\":\"internal_control\",\"commitments\":[]}", "commitments must be a list"},
        {"{" CONF ",\"basis\":\"internal_control\",\"commitments\":null}", "commitments is required"},
        {"{" CONF ",\"basis\":\"internal_control\",\"issued_on\":\"2026-13-01\"}", "issued_on must be a real date"},
        {"{" CONF ",\"basis\":\"internal_control\",\"issued_on\":\"2026-11-21\"}",
         "issued_on 2026-11-21 is in the future"},
        {"{" GREEN "}", "valid_until is required"},
        {"{" GREEN ",\"valid_until\":\"2029-01-09\",\"issuing_body\":null}", "issuing_body is required"},
        {"{" GREEN ",\"valid_until\":\"2029-01-09\",\"number\":\"GF-123\"}", "a green_food number is shaped"},
        {"{" GREEN ",\"valid_from\":\"2026-05-01\",\"valid_until\":\"2026-04-30\"}",
         "valid_until is before valid_from"},
        {"{" GREEN ",\"issued_on\":\"2026-05-01\",\"valid_from\":\"2026-01-01\",\"valid_until\":\"2026-04-30\"}",
         "valid_until is before issued_on"},
        {"{\"kind\":\"organic\",\"number\":\"12345\",\"issuing_body\":\"b\",\"holder\":\"h\",\"issued_on\":"
         "\"2026-01-01\",\"valid_from\":\"2026-01-01\",\"valid_until\":\"2027-01-01\"}",
         "an organic number is shaped"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        shop_fault f = {0};
        int rc = check_body(cases[i].body, &f);
        if (!cases[i].error ? rc != SHOP_OK
                            : rc != SHOP_E_VALIDATION || strncmp(f.msg, cases[i].error, strlen(cases[i].error)) != 0)
            fail_msg("case %zu: rc %d, '%s', want %s", i, rc, f.msg, cases[i].error ? cases[i].error : "accepted");
    }
}

static void test_attachable(void **state)
{
    shop_fault f = {0};
    (void)state;
    assert_int_equal(attachable("valid", NULL, &f), SHOP_OK);
    assert_int_equal(attachable("valid", "2999-01-01", &f), SHOP_OK);
    assert_int_equal(attachable("valid", "2023-01-01", &f), SHOP_E_VALIDATION);
    assert_string_equal(f.msg, "the certificate expired on 2023-01-01");
    assert_int_equal(attachable("revoked", NULL, &f), SHOP_E_VALIDATION);
    assert_string_equal(f.msg, "a revoked certificate cannot be attached");
    assert_true(shop_cert_kind_valid("organic"));
    assert_false(shop_cert_kind_valid("halal") || shop_cert_kind_valid(NULL));
}

/* The dashboard's warning: valid, not yet past, within SHOP_CERT_WARN_DAYS. */
static void test_expiring(void **state)
{
    (void)state;
    assert_true(shop_cert_expiring("valid", "2026-12-06", "2026-12-06"));
    assert_true(shop_cert_expiring("valid", "2027-02-04", "2026-12-06")); /* 60 days on */
    assert_false(shop_cert_expiring("valid", "2027-02-05", "2026-12-06"));
    assert_false(shop_cert_expiring("valid", "2026-12-05", "2026-12-06")); /* past: expired, not expiring */
    assert_false(shop_cert_expiring("revoked", "2026-12-20", "2026-12-06"));
    assert_false(shop_cert_expiring("valid", NULL, "2026-12-06"));
    assert_false(shop_cert_expiring("valid", "2026-13-01", "2026-12-06"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_form), cmocka_unit_test(test_public_json), cmocka_unit_test(test_rules),
        cmocka_unit_test(test_attachable),     cmocka_unit_test(test_expiring),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}

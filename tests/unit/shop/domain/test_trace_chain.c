/* test_trace_chain.c - src/shop/domain/trace_chain.c without MariaDB: the
 * canonical forms (an event, a chain head) against texts and a hash worked
 * out independently, and the verdict on chains broken every way the check
 * knows, each naming the first event that breaks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/crypto.h"
#include "../../../../src/shop/domain/trace_chain.c"

#define CODE "TE-1"
#define N 4

static fl_signkey key, other_key;

static int group_setup(void **state)
{
    unsigned char seed[crypto_sign_SEEDBYTES];
    (void)state;
    if (fl_crypto_init() != 0)
        return -1;
    memset(seed, 7, sizeof(seed));
    fl_signkey_from_seed(seed, &key);
    memset(seed, 8, sizeof(seed));
    fl_signkey_from_seed(seed, &other_key);
    return 0;
}

/* A sealed chain of N events and its signed head, as trace.c would store them. */
typedef struct chain {
    shop_trace_event ev[N];
    char details[N][64], prev[N][FL_CHAIN_HEX], hash[N][FL_CHAIN_HEX], sig[FL_SIG_HEX];
    shop_trace_head head;
} chain;

static void seal(chain *c, size_t from)
{
    for (size_t i = from; i < N; i++) {
        size_t len = 0;
        char *canon;
        snprintf(c->prev[i], FL_CHAIN_HEX, "%s", i ? c->hash[i - 1] : FL_CHAIN_GENESIS);
        canon = shop_trace_event_canon(CODE, &c->ev[i], &len);
        assert_non_null(canon);
        fl_chain_hash(canon, len, c->prev[i], c->hash[i]);
        fl_free(canon);
    }
}

static void build(chain *c)
{
    static const char *const kinds[N] = {"raised", "fed", "inspected", "shipped"};
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < N; i++) {
        snprintf(c->details[i], sizeof(c->details[i]), "{\"batch\":%zu,\"note\":\"鸡舍\"}", i + 1);
        c->ev[i] = (shop_trace_event){.id = 100 + (long long)i,
                                      .seq = (long long)i + 1,
                                      .kind = kinds[i],
                                      .occurred_at = "2026-11-01T00:00:00Z",
                                      .place = "大城基地",
                                      .actor = "刘春花",
                                      .details = c->details[i],
                                      .prev_hash = c->prev[i],
                                      .hash = c->hash[i]};
    }
    seal(c, 0);
    shop_trace_head_sign(&key, CODE, N, c->hash[N - 1], c->sig);
    c->head = (shop_trace_head){.count = N, .hash = c->hash[N - 1], .signature = c->sig, .key_id = key.key_id};
}

static void check(chain *c, shop_trace_verdict *v)
{
    shop_trace_chain_check(CODE, c->ev, N, &c->head, key.pk, v);
}

static void test_event_canon(void **state)
{
    shop_trace_event ev = {.seq = 1,
                           .kind = "raised",
                           .occurred_at = "2026-10-01T01:00:00Z",
                           .place = "大城基地",
                           .actor = "刘春花",
                           .details = "{ \"flock\" : \"1200 只\" }"};
    char h[FL_CHAIN_HEX], *canon;
    size_t len = 0;
    (void)state;
    canon = shop_trace_event_canon(CODE, &ev, &len);
    assert_string_equal(canon, "{\"actor\":\"刘春花\",\"details\":{\"flock\":\"1200 只\"},\"kind\":\"raised\",\"lot\":"
                               "\"TE-1\",\"occurred_at\":\"2026-10-01T01:00:00Z\",\"place\":\"大城基地\",\"seq\":1}");
    assert_int_equal(len, strlen(canon));
    fl_chain_hash(canon, len, FL_CHAIN_GENESIS, h); /* worked out with sha256sum */
    assert_string_equal(h, "38f0164c0f93615363878619f41dafcd9d42bc78e260c0e600a896b5c2d2ee6e");
    fl_free(canon);

    ev.actor = NULL; /* a missing text is null, not left out */
    canon = shop_trace_event_canon(CODE, &ev, &len);
    assert_non_null(strstr(canon, "{\"actor\":null,"));
    fl_free(canon);
    ev.details = "{\"kg\":1.5}"; /* no canonical form for a decimal */
    assert_null(shop_trace_event_canon(CODE, &ev, &len));
    ev.details = "{not json";
    assert_null(shop_trace_event_canon(CODE, &ev, &len));
    ev.details = NULL;
    assert_null(shop_trace_event_canon(CODE, &ev, &len));
}

static void test_head_message(void **state)
{
    char sig[FL_SIG_HEX], *msg;
    size_t len = 0;
    (void)state;
    msg = shop_trace_head_message(CODE, 3, "ab", &len);
    assert_string_equal(msg, "{\"count\":3,\"head\":\"ab\",\"lot\":\"TE-1\",\"type\":\"farmlive.lot-head.v1\"}");
    shop_trace_head_sign(&key, CODE, 3, "ab", sig);
    assert_int_equal(fl_sign_verify_hex(key.pk, msg, len, sig), 0);
    fl_free(msg);
}

static void test_intact(void **state)
{
    shop_trace_verdict v;
    chain c;
    (void)state;
    build(&c);
    check(&c, &v);
    assert_string_equal(v.reason, "");
    assert_int_equal(v.broken, N);
    assert_null(v.broken_why);
    assert_true(v.head_valid);
    assert_int_equal(v.checked, N);
    /* a lot without a signed head never verifies, not even with no events */
    shop_trace_chain_check(CODE, c.ev, 0, NULL, key.pk, &v);
    assert_string_equal(v.reason, "the chain head is not signed");
    shop_trace_chain_check(CODE, c.ev, N, NULL, key.pk, &v);
    assert_string_equal(v.reason, "the chain head is not signed");
}

/* Each way an event breaks, the index of the first broken one and why. */
static void test_broken_events(void **state)
{
    static const struct {
        const char *what;
        size_t at;
        const char *why, *reason;
    } cases[] = {
        {"edited details", 2, "content does not match its hash",
         "event 3 (inspected): content does not match its hash"},
        {"recomputed hash", 2, "previous hash does not match the event before it",
         "event 3 (inspected): previous hash does not match the event before it"},
        {"seq out of place", 1, "sequence number out of order", "event 2 (fed): sequence number out of order"},
        {"details not JSON", 1, "details are not valid JSON", "event 2 (fed): details are not valid JSON"},
        {"unsealed", 3, "previous hash does not match the event before it",
         "event 4 (shipped): previous hash does not match the event before it"},
    };
    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        shop_trace_verdict v;
        chain c;
        build(&c);
        switch (k) {
        case 0:
            snprintf(c.details[2], sizeof(c.details[2]), "{\"batch\":3,\"note\":\"0.5\"}");
            break;
        case 1: /* event 2 rewritten and its hash recomputed: event 3's prev breaks */
            snprintf(c.details[1], sizeof(c.details[1]), "{\"batch\":20}");
            {
                char keep[FL_CHAIN_HEX];
                memcpy(keep, c.hash[1], sizeof(keep));
                seal(&c, 1);
                memcpy(c.prev[2], keep, sizeof(keep));
            }
            break;
        case 2:
            c.ev[1].seq = 7;
            break;
        case 3:
            snprintf(c.details[1], sizeof(c.details[1]), "{broken");
            break;
        case 4:
            c.ev[3].prev_hash = c.ev[3].hash = NULL;
            break;
        }
        check(&c, &v);
        if (v.broken != cases[k].at || !v.broken_why || strcmp(v.broken_why, cases[k].why) != 0 ||
            strcmp(v.reason, cases[k].reason) != 0)
            fail_msg("%s: broken %zu (%s): %s", cases[k].what, v.broken, v.broken_why ? v.broken_why : "-", v.reason);
    }
}

static void test_head(void **state)
{
    shop_trace_verdict v;
    char sig[FL_SIG_HEX];
    chain c;
    (void)state;

    build(&c);
    shop_trace_chain_check(CODE, c.ev, N, NULL, key.pk, &v);
    assert_string_equal(v.reason, "the chain head is not signed");
    assert_int_equal(v.broken, N);

    shop_trace_chain_check(CODE, c.ev, N, &c.head, other_key.pk, &v);
    assert_string_equal(v.reason, "the chain head's signature is not valid");
    assert_false(v.head_valid);

    /* the last event deleted (the head still covers it) */
    shop_trace_chain_check(CODE, c.ev, N - 1, &c.head, key.pk, &v);
    assert_string_equal(v.reason, "the signed head covers 4 events, 3 remain");

    /* an event appended without re-signing the head */
    shop_trace_head_sign(&key, CODE, N - 1, c.hash[N - 2], sig);
    c.head = (shop_trace_head){.count = N - 1, .hash = c.hash[N - 2], .signature = sig, .key_id = key.key_id};
    check(&c, &v);
    assert_int_equal(v.broken, N - 1);
    assert_string_equal(v.broken_why, "not covered by the signed chain head");
    assert_string_equal(v.reason, "event 4 is not covered by the signed head");

    /* a signed head naming another hash: the last event is blamed */
    shop_trace_head_sign(&key, CODE, N, c.hash[0], sig);
    c.head = (shop_trace_head){.count = N, .hash = c.hash[0], .signature = sig, .key_id = key.key_id};
    check(&c, &v);
    assert_int_equal(v.broken, N - 1);
    assert_string_equal(v.broken_why, "its hash is not the signed chain head");
    assert_string_equal(v.reason, "the chain does not end in the signed head");
}

static void test_verification_json(void **state)
{
    shop_trace_verdict v;
    json_t *certs, *out;
    chain c;
    (void)state;

    build(&c);
    certs = json_pack("[{s:i,s:s,s:b},{s:i,s:s,s:b}]", "id", 5, "kind", "conformity", "signature_valid", 1, "id", 6,
                      "kind", "organic", "signature_valid", 0);
    check(&c, &v);
    out = shop_trace_verification_json(CODE, c.ev, &c.head, &v, certs, key.key_id);
    assert_false(json_is_true(json_object_get(out, "verified")));
    assert_string_equal(json_string_value(json_object_get(out, "reason")), "certificate 6: signature is not valid");
    assert_true(json_is_null(json_object_get(out, "broken_event")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "head"), "count")), N);
    assert_int_equal(json_array_size(json_object_get(out, "certificates")), 2);
    json_decref(out);

    snprintf(c.details[1], sizeof(c.details[1]), "{\"batch\":99}");
    check(&c, &v);
    out = shop_trace_verification_json(CODE, c.ev, NULL, &v, json_array_get(certs, 0) ? certs : NULL, key.key_id);
    assert_false(json_is_true(json_object_get(out, "verified")));
    assert_string_equal(json_string_value(json_object_get(out, "reason")),
                        "event 2 (fed): content does not match its hash"); /* the chain's fault wins */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "broken_event"), "id")), 101);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "broken_event"), "seq")), 2);
    assert_true(json_is_null(json_object_get(out, "head")));
    json_decref(out);
    json_decref(certs);
}

static void test_event_json(void **state)
{
    chain c;
    json_t *o;
    (void)state;
    build(&c);
    o = shop_trace_event_json(&c.ev[0]);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "details"), "batch")), 1);
    assert_string_equal(json_string_value(json_object_get(o, "prev_hash")), FL_CHAIN_GENESIS);
    json_decref(o);
    c.ev[0].details = "{broken";
    o = shop_trace_event_json(&c.ev[0]);
    assert_true(json_is_null(json_object_get(o, "details")));
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_canon), cmocka_unit_test(test_head_message),
        cmocka_unit_test(test_intact),      cmocka_unit_test(test_broken_events),
        cmocka_unit_test(test_head),        cmocka_unit_test(test_verification_json),
        cmocka_unit_test(test_event_json),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}

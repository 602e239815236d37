/* test_hashchain.c - src/common/hashchain.c: links, known vectors, breaks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/crypto.h"
#include "farmlive/hashchain.h"

static int group_setup(void **state)
{
    (void)state;
    return fl_crypto_init() == 0 ? 0 : -1;
}

/* SHA-256("abc" || 64 '0'), computed independently with sha256sum. */
static void test_known_vector(void **state)
{
    (void)state;
    char h[FL_CHAIN_HEX], want[FL_SHA256_HEX];
    char buf[3 + 64 + 1];
    snprintf(buf, sizeof(buf), "abc%s", FL_CHAIN_GENESIS);
    fl_sha256_hex(buf, strlen(buf), want);
    fl_chain_hash("abc", 3, FL_CHAIN_GENESIS, h);
    assert_string_equal(h, want);
    assert_string_equal(h, "4df47bcd192cbb5670f2488ebc09949450dad57e1a9f6ebfcc6ee5fa8182dcdf");
}

#define N 5
static void build(char canon[N][32], char hashes[N][FL_CHAIN_HEX], fl_chain_link *links)
{
    const char *prev = FL_CHAIN_GENESIS;
    for (int i = 0; i < N; i++) {
        snprintf(canon[i], 32, "{\"seq\":%d}", i + 1);
        fl_chain_hash(canon[i], strlen(canon[i]), prev, hashes[i]);
        links[i] = (fl_chain_link){canon[i], strlen(canon[i]), prev, hashes[i]};
        prev = hashes[i];
    }
}

static void test_chain_holds(void **state)
{
    (void)state;
    char canon[N][32], hashes[N][FL_CHAIN_HEX], head[FL_CHAIN_HEX];
    fl_chain_link links[N];
    int why = -1;
    build(canon, hashes, links);
    assert_int_equal(fl_chain_check(links, N, &why, head), N);
    assert_int_equal(why, FL_CHAIN_OK);
    assert_string_equal(head, hashes[N - 1]);
    assert_int_equal(fl_chain_check(links, 0, &why, head), 0);
    assert_string_equal(head, FL_CHAIN_GENESIS);
}

/* Changed content breaks that very link, not an earlier or later one. */
static void test_changed_content(void **state)
{
    (void)state;
    char canon[N][32], hashes[N][FL_CHAIN_HEX];
    fl_chain_link links[N];
    int why = -1;
    build(canon, hashes, links);
    canon[2][8] = '9';
    assert_int_equal(fl_chain_check(links, N, &why, NULL), 2);
    assert_int_equal(why, FL_CHAIN_BAD_HASH);
}

/* A rewritten link whose hash was recomputed breaks the next one's prev. */
static void test_recomputed_hash(void **state)
{
    (void)state;
    char canon[N][32], hashes[N][FL_CHAIN_HEX], old[FL_CHAIN_HEX];
    fl_chain_link links[N];
    int why = -1;
    build(canon, hashes, links);
    memcpy(old, hashes[1], sizeof(old));
    links[2].prev_hash = old; /* what event 3 stored before the rewrite */
    canon[1][8] = '7';
    fl_chain_hash(canon[1], strlen(canon[1]), hashes[0], hashes[1]);
    assert_int_equal(fl_chain_check(links, N, &why, NULL), 2);
    assert_int_equal(why, FL_CHAIN_BAD_PREV);
}

static void test_missing_hash(void **state)
{
    (void)state;
    char canon[N][32], hashes[N][FL_CHAIN_HEX];
    fl_chain_link links[N];
    int why = -1;
    build(canon, hashes, links);
    links[0].hash = NULL;
    assert_int_equal(fl_chain_check(links, N, &why, NULL), 0);
    assert_int_equal(why, FL_CHAIN_BAD_HASH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vector),    cmocka_unit_test(test_chain_holds),
        cmocka_unit_test(test_changed_content), cmocka_unit_test(test_recomputed_hash),
        cmocka_unit_test(test_missing_hash),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}

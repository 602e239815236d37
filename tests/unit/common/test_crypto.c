/* test_crypto.c - src/common/crypto.c: tokens, argon2id, SHA-256, compare.
 *
 * The group setup calls fl_crypto_init() once, as the shop does at start. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "farmlive/crypto.h"

static int is_lower_hex(const char *s, size_t len)
{
    if (strlen(s) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int group_setup(void **state)
{
    (void)state;
    return fl_crypto_init() == 0 ? 0 : -1;
}

/* -- random tokens ------------------------------------------------------ */

static void test_token_is_64_lower_hex(void **state)
{
    (void)state;
    char t[FL_TOKEN_HEX];
    memset(t, 'X', sizeof(t));
    fl_random_token(t);
    assert_int_equal(FL_TOKEN_HEX, 65);
    if (!is_lower_hex(t, 64))
        fail_msg("token \"%s\" is not 64 lowercase hex characters", t);
}

static void test_tokens_differ(void **state)
{
    (void)state;
    enum { N = 64 };
    char t[N][FL_TOKEN_HEX];
    for (size_t i = 0; i < N; i++) {
        fl_random_token(t[i]);
        assert_true(is_lower_hex(t[i], 64));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(t[i], t[j]);
    }
}

/* Any length, including more than the 64-byte internal chunk. */
static void test_random_hex_lengths(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 16, 63, 64, 65, 100, 200};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        char out[2 * 200 + 2];
        memset(out, 'X', sizeof(out));
        fl_random_hex(out, lens[i]);
        if (lens[i] == 0) {
            /* nothing written at all for zero bytes */
            assert_int_equal(out[0], 'X');
            continue;
        }
        if (!is_lower_hex(out, 2 * lens[i]))
            fail_msg("fl_random_hex(%zu) gave \"%.64s...\"", lens[i], out);
        assert_int_equal(out[2 * lens[i] + 1], 'X'); /* nothing past the NUL */
    }
}

/* -- passwords ----------------------------------------------------------- */

static void test_password_hash_and_verify(void **state)
{
    (void)state;
    char h1[FL_PWHASH_MAX], h2[FL_PWHASH_MAX];
    assert_int_equal(fl_password_hash("correct horse battery staple", h1), 0);
    assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
    assert_true(strlen(h1) < FL_PWHASH_MAX);
    assert_int_equal(fl_password_verify(h1, "correct horse battery staple"), 0);
    assert_int_equal(fl_password_verify(h1, "correct horse battery stapl"), -1);
    assert_int_equal(fl_password_verify(h1, "Correct horse battery staple"), -1);
    assert_int_equal(fl_password_verify(h1, ""), -1);

    /* salted: the same password hashes differently, both verify */
    assert_int_equal(fl_password_hash("correct horse battery staple", h2), 0);
    assert_string_not_equal(h1, h2);
    assert_int_equal(fl_password_verify(h2, "correct horse battery staple"), 0);
}

static void test_password_utf8_and_empty(void **state)
{
    (void)state;
    char h[FL_PWHASH_MAX];
    assert_int_equal(fl_password_hash("p\xc3\xa4ssw\xc3\xb6rt \xe5\x86\x9c\xe5\x9c\xba", h), 0);
    assert_int_equal(fl_password_verify(h, "p\xc3\xa4ssw\xc3\xb6rt \xe5\x86\x9c\xe5\x9c\xba"), 0);
    assert_int_equal(fl_password_verify(h, "passwort"), -1);

    assert_int_equal(fl_password_hash("", h), 0);
    assert_int_equal(fl_password_verify(h, ""), 0);
    assert_int_equal(fl_password_verify(h, " "), -1);
}

static void test_password_verify_rejects_garbage(void **state)
{
    (void)state;
    assert_int_equal(fl_password_verify("", "x"), -1);
    assert_int_equal(fl_password_verify("not a hash", "x"), -1);
    assert_int_equal(fl_password_verify("$argon2id$v=19$m=65536,t=2,p=1$", "x"), -1);
    /* a hash whose digest was altered */
    char h[FL_PWHASH_MAX];
    assert_int_equal(fl_password_hash("secret", h), 0);
    size_t n = strlen(h);
    h[n - 2] = h[n - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(fl_password_verify(h, "secret"), -1);
}

/* -- SHA-256 ------------------------------------------------------------- */

static void test_sha256_vectors(void **state)
{
    (void)state;
    /* FIPS 180-2 appendix B, and the empty message */
    static const struct {
        const char *in;
        const char *hex;
    } v[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char out[FL_SHA256_HEX];
        fl_sha256_hex(v[i].in, strlen(v[i].in), out);
        assert_string_equal(out, v[i].hex);
    }
}

static void test_sha256_binary_input(void **state)
{
    (void)state;
    /* length, not NUL, ends the input */
    const unsigned char data[] = {'a', 'b', 'c', 0, 'd'};
    char with_nul[FL_SHA256_HEX], abc[FL_SHA256_HEX];
    fl_sha256_hex(data, sizeof(data), with_nul);
    fl_sha256_hex(data, 3, abc);
    assert_string_equal(abc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_string_not_equal(with_nul, abc);
    assert_true(is_lower_hex(with_nul, 64));
}

/* -- constant-time compare ----------------------------------------------- */

static void test_streq_ct(void **state)
{
    (void)state;
    assert_int_equal(fl_streq_ct("", ""), 1);
    assert_int_equal(fl_streq_ct("abc", "abc"), 1);
    assert_int_equal(fl_streq_ct("abc", "abd"), 0);
    assert_int_equal(fl_streq_ct("abc", "ab"), 0);
    assert_int_equal(fl_streq_ct("ab", "abc"), 0);
    assert_int_equal(fl_streq_ct("", "a"), 0);
    assert_int_equal(fl_streq_ct("Abc", "abc"), 0);
    char t1[FL_TOKEN_HEX], t2[FL_TOKEN_HEX];
    fl_random_token(t1);
    memcpy(t2, t1, sizeof(t1));
    assert_int_equal(fl_streq_ct(t1, t2), 1);
    t2[63] = t2[63] == '0' ? '1' : '0';
    assert_int_equal(fl_streq_ct(t1, t2), 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's lines whole beside stderr */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_is_64_lower_hex),
        cmocka_unit_test(test_tokens_differ),
        cmocka_unit_test(test_random_hex_lengths),
        cmocka_unit_test(test_password_hash_and_verify),
        cmocka_unit_test(test_password_utf8_and_empty),
        cmocka_unit_test(test_password_verify_rejects_garbage),
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_sha256_binary_input),
        cmocka_unit_test(test_streq_ct),
    };
    return cmocka_run_group_tests_name("crypto", tests, group_setup, NULL);
}

/* test_sign.c - src/common/sign.c: key file, signatures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "farmlive/crypto.h"
#include "farmlive/sign.h"

static char dir[64];

static int group_setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/fl-test-sign.XXXXXX");
    return fl_crypto_init() == 0 && mkdtemp(dir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    char p[128];
    (void)state;
    snprintf(p, sizeof(p), "%s/k", dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/bad", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

/* First load creates a 0600 file; the second load gives the same key. */
static void test_create_then_load(void **state)
{
    (void)state;
    char path[128], err[256] = "";
    fl_signkey a, b;
    struct stat st;
    snprintf(path, sizeof(path), "%s/k", dir);
    assert_int_equal(fl_signkey_load(path, &a, err, sizeof(err)), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 65);
    assert_int_equal(fl_signkey_load(path, &b, err, sizeof(err)), 0);
    assert_memory_equal(a.pk, b.pk, sizeof(a.pk));
    assert_string_equal(a.pk_hex, b.pk_hex);
    assert_int_equal(strlen(a.pk_hex), 64);
    assert_int_equal(strlen(a.key_id), 16);
    fl_signkey_wipe(&a);
    fl_signkey_wipe(&b);
    fl_signkey_wipe(NULL);
}

static void test_refuses_readable_or_bad_file(void **state)
{
    (void)state;
    char path[128], err[256] = "";
    fl_signkey k;
    FILE *f;
    snprintf(path, sizeof(path), "%s/bad", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("not hex at all, not hex at all, not hex at all, not hex at all!!\n", f);
    fclose(f);
    chmod(path, 0644);
    assert_int_equal(fl_signkey_load(path, &k, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "chmod 600"));
    chmod(path, 0600);
    assert_int_equal(fl_signkey_load(path, &k, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "64 hex"));
}

/* RFC 8032 test 1: the empty message under the known seed. */
static void test_rfc8032_vector(void **state)
{
    (void)state;
    static const char *seed_hex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    static const char *pk_hex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    static const char *sig = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
                             "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";
    unsigned char seed[32];
    char out[FL_SIG_HEX];
    fl_signkey k;
    assert_int_equal(sodium_hex2bin(seed, 32, seed_hex, 64, NULL, NULL, NULL), 0);
    fl_signkey_from_seed(seed, &k);
    assert_string_equal(k.pk_hex, pk_hex);
    fl_sign_hex(&k, "", 0, out);
    assert_string_equal(out, sig);
    assert_int_equal(fl_sign_verify_hex(k.pk, "", 0, sig), 0);
}

static void test_verify_rejects(void **state)
{
    (void)state;
    unsigned char seed[32] = {1};
    char sig[FL_SIG_HEX];
    fl_signkey k, other;
    fl_signkey_from_seed(seed, &k);
    seed[0] = 2;
    fl_signkey_from_seed(seed, &other);
    fl_sign_hex(&k, "head", 4, sig);
    assert_int_equal(fl_sign_verify_hex(k.pk, "head", 4, sig), 0);
    assert_int_equal(fl_sign_verify_hex(k.pk, "hea d", 5, sig), -1);
    assert_int_equal(fl_sign_verify_hex(other.pk, "head", 4, sig), -1);
    assert_int_equal(fl_sign_verify_hex(k.pk, "head", 4, NULL), -1);
    assert_int_equal(fl_sign_verify_hex(k.pk, "head", 4, "abcd"), -1);
    sig[0] = sig[0] == '0' ? '1' : '0';
    assert_int_equal(fl_sign_verify_hex(k.pk, "head", 4, sig), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_then_load),
        cmocka_unit_test(test_refuses_readable_or_bad_file),
        cmocka_unit_test(test_rfc8032_vector),
        cmocka_unit_test(test_verify_rejects),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

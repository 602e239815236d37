/* test_chat_text.c - src/shop/domain/chat_text.c: what a chat message may
 * hold, banned words, masked names. Data-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "farmlive/shop/domain/chat_text.h"

static const struct {
    const char *in;
    size_t len; /* 0: strlen */
    int rc;
    const char *want;
} CLEAN[] = {
    {"你好，这个鸡蛋多少钱？", 0, SHOP_CHAT_OK, "你好，这个鸡蛋多少钱？"},
    {"  hello   world  ", 0, SHOP_CHAT_OK, "hello world"},
    {"line\nbreak\r\ttab", 0, SHOP_CHAT_OK, "line break tab"},
    {"<script>alert(1)</script>", 0, SHOP_CHAT_OK, "<script>alert(1)</script>"}, /* text, kept */
    {"a\x01\x1f\x7f"
     "b",
     0, SHOP_CHAT_OK, "a b"},
    {"a\xc2\x85"
     "b",
     0, SHOP_CHAT_OK, "a b"}, /* C1 NEL */
    {"a\xe2\x80\xa8"
     "b",
     0, SHOP_CHAT_OK, "a b"}, /* U+2028 */
    {"😀 emoji", 0, SHOP_CHAT_OK, "😀 emoji"},
    {"", 0, SHOP_CHAT_EMPTY, NULL},
    {" \n\t ", 0, SHOP_CHAT_EMPTY, NULL},
    {"\xff", 0, SHOP_CHAT_NOT_UTF8, NULL},
    {"\xc0\xaf", 0, SHOP_CHAT_NOT_UTF8, NULL},         /* overlong '/' */
    {"\xed\xa0\x80", 0, SHOP_CHAT_NOT_UTF8, NULL},     /* a surrogate */
    {"\xf4\x90\x80\x80", 0, SHOP_CHAT_NOT_UTF8, NULL}, /* above U+10FFFF */
    {"ok\xe4\xbd", 0, SHOP_CHAT_NOT_UTF8, NULL},       /* truncated */
    {"nul\0inside", 10, SHOP_CHAT_OK, "nul inside"},
};

static void test_clean(void **state)
{
    (void)state;
    char out[SHOP_CHAT_MAX_BYTES + 1];
    for (size_t i = 0; i < sizeof(CLEAN) / sizeof(CLEAN[0]); i++) {
        size_t chars = 0, len = CLEAN[i].len ? CLEAN[i].len : strlen(CLEAN[i].in);
        int rc = shop_chat_text_clean(CLEAN[i].in, len, out, &chars);
        if (rc != CLEAN[i].rc)
            fail_msg("case %zu: rc %d, want %d", i, rc, CLEAN[i].rc);
        if (CLEAN[i].want && strcmp(out, CLEAN[i].want) != 0)
            fail_msg("case %zu: '%s', want '%s'", i, out, CLEAN[i].want);
    }
}

static void test_length_limit(void **state)
{
    (void)state;
    char in[4 * SHOP_CHAT_MAX_CHARS + 16], out[SHOP_CHAT_MAX_BYTES + 1];
    size_t chars = 0, n = 0;
    /* exactly the limit in 3-byte characters: kept */
    for (int i = 0; i < SHOP_CHAT_MAX_CHARS; i++, n += 3)
        memcpy(in + n, "蛋", 3);
    assert_int_equal(shop_chat_text_clean(in, n, out, &chars), SHOP_CHAT_OK);
    assert_int_equal(chars, SHOP_CHAT_MAX_CHARS);
    assert_int_equal(strlen(out), n);
    /* in 4-byte characters: the output buffer's worst case */
    n = 0;
    for (int i = 0; i < SHOP_CHAT_MAX_CHARS; i++, n += 4)
        memcpy(in + n, "😀", 4);
    assert_int_equal(shop_chat_text_clean(in, n, out, &chars), SHOP_CHAT_OK);
    assert_int_equal(strlen(out), SHOP_CHAT_MAX_BYTES);
    /* one more: refused; trailing blanks do not count */
    memcpy(in + n, "a", 1);
    assert_int_equal(shop_chat_text_clean(in, n + 1, out, &chars), SHOP_CHAT_TOO_LONG);
    memcpy(in + n, "  \n", 3);
    assert_int_equal(shop_chat_text_clean(in, n + 3, out, &chars), SHOP_CHAT_OK);
    /* too long, but invalid further on: said to be invalid */
    memcpy(in + n, "a\xff", 2);
    assert_int_equal(shop_chat_text_clean(in, n + 2, out, &chars), SHOP_CHAT_NOT_UTF8);
    /* 10 KB of text: refused, nothing written past the buffer (ASan) */
    static char big[10240];
    memset(big, 'x', sizeof(big));
    assert_int_equal(shop_chat_text_clean(big, sizeof(big), out, &chars), SHOP_CHAT_TOO_LONG);
}

static void test_banned(void **state)
{
    (void)state;
    const char *words[] = {"", "微信", "spam", "加V"};
    assert_int_equal(shop_chat_banned("加我微信买更便宜", words, 4), 1);
    assert_int_equal(shop_chat_banned("SPAM here", words, 4), 1);
    assert_int_equal(shop_chat_banned("sPaMmy", words, 4), 1);
    assert_int_equal(shop_chat_banned("加v看看", words, 4), 1); /* ASCII without case */
    assert_int_equal(shop_chat_banned("鸡蛋很新鲜", words, 4), 0);
    assert_int_equal(shop_chat_banned("", words, 4), 0);
    assert_int_equal(shop_chat_banned("anything", words, 1), 0); /* the empty word never matches */
    assert_int_equal(shop_chat_banned("anything", NULL, 0), 0);
}

static void test_mask(void **state)
{
    (void)state;
    char out[8];
    shop_chat_mask_name("张三", out);
    assert_string_equal(out, "张**");
    shop_chat_mask_name("欧阳娜娜", out);
    assert_string_equal(out, "欧**");
    shop_chat_mask_name("alice", out);
    assert_string_equal(out, "a**");
    shop_chat_mask_name("  王", out);
    assert_string_equal(out, "王**");
    shop_chat_mask_name("😀x", out);
    assert_string_equal(out, "😀**");
    shop_chat_mask_name("", out);
    assert_string_equal(out, "**");
    shop_chat_mask_name(NULL, out);
    assert_string_equal(out, "**");
    shop_chat_mask_name("\xff\xfe", out);
    assert_string_equal(out, "**");
    shop_chat_mask_name("\x01x", out);
    assert_string_equal(out, "**");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_banned),
        cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

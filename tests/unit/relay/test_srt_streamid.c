/* test_srt_streamid.c - src/relay/srt_streamid.c: the stream key in the
 * SRT stream ids publishers send (ffmpeg's ?streamid=KEY, the
 * access-control form apps and SRS use), and what is refused.
 * Data-driven. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/relay/srt_streamid.c"

typedef struct sid_case {
    const char *sid;
    int want;
    const char *key;
} sid_case;

/* clang-format off */
static const sid_case cases[] = {
    {"k3yABC-_.~9", SRT_SID_OK, "k3yABC-_.~9"},
    {"live/abc123", SRT_SID_OK, "abc123"},
    {"#!::r=live/abc123,m=publish", SRT_SID_OK, "abc123"},
    {"#!::m=publish,r=abc123", SRT_SID_OK, "abc123"},
    {"#!::r=abc123", SRT_SID_OK, "abc123"},
    {"#!::u=farmer,r=live/abc123,m=publish,s=1234", SRT_SID_OK, "abc123"},
    {"#!::r=abc123,", SRT_SID_OK, "abc123"},
    {"", SRT_SID_EMPTY, ""},
    {NULL, SRT_SID_EMPTY, ""},
    {"#!::r=live/abc123,m=request", SRT_SID_NOT_PUBLISH, ""},
    {"#!::m=bidirectional,r=abc123", SRT_SID_NOT_PUBLISH, ""},
    {"#!::m=publish", SRT_SID_BAD, ""},
    {"#!::r=", SRT_SID_BAD, ""},
    {"#!::r=live/", SRT_SID_BAD, ""},
    {"#!::r=a,r=b", SRT_SID_BAD, ""},
    {"#!::r", SRT_SID_BAD, ""},
    {"#!::=x", SRT_SID_BAD, ""},
    {"#!::r=ab c", SRT_SID_BAD, ""},
    {"key with space", SRT_SID_BAD, ""},
    {"key?token=1", SRT_SID_BAD, ""},
    {"live/", SRT_SID_BAD, ""},
    {"a/b", SRT_SID_BAD, ""},
    {"#!::r=k\xc3\xa9y", SRT_SID_BAD, ""},
};
/* clang-format on */

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char key[SRT_KEY_MAX + 1] = "junk";
        int rc = srt_streamid_parse(cases[i].sid, key, sizeof(key));
        if (rc != cases[i].want || strcmp(key, cases[i].key) != 0)
            fail_msg("stream id '%s': got %d '%s', want %d '%s'", cases[i].sid ? cases[i].sid : "(null)", rc, key,
                     cases[i].want, cases[i].key);
    }
}

static void test_lengths(void **state)
{
    (void)state;
    char sid[SRT_STREAMID_MAX + 8], key[SRT_KEY_MAX + 1];
    memset(sid, 'k', SRT_KEY_MAX);
    sid[SRT_KEY_MAX] = '\0';
    assert_int_equal(srt_streamid_parse(sid, key, sizeof(key)), SRT_SID_OK); /* the longest key */
    assert_int_equal(strlen(key), SRT_KEY_MAX);
    sid[SRT_KEY_MAX] = 'k';
    sid[SRT_KEY_MAX + 1] = '\0';
    assert_int_equal(srt_streamid_parse(sid, key, sizeof(key)), SRT_SID_BAD); /* one more */
    char small[4];
    assert_int_equal(srt_streamid_parse("abcd", small, sizeof(small)), SRT_SID_BAD); /* no room: refused, not cut */
    memset(sid, 'x', sizeof(sid) - 1);
    sid[sizeof(sid) - 1] = '\0';
    assert_int_equal(srt_streamid_parse(sid, key, sizeof(key)), SRT_SID_BAD); /* over libsrt's 512 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_record.c - src/relay/record.c without libavformat: recording names
 * a download may ask for, live id validation, and the replay listing
 * (finished .mp4 files only, per live id, newest first). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../../src/relay/record.c"

static void test_recording_path(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(relay_recording_path("/v", "abc-20261126T101010Z.mp4", out, sizeof(out)), 0);
    assert_string_equal(out, "/v/recordings/abc-20261126T101010Z.mp4");
    static const char *const bad[] = {"",           ".mp4",  "../x.mp4",    "a/b.mp4",
                                      "x.mp4.part", "x.txt", ".hidden.mp4", "a..b.mp4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(relay_recording_path("/v", bad[i], out, sizeof(out)), -1);
    assert_int_equal(relay_recording_path("/v", "abc.mp4", out, 10), -1); /* does not fit */
}

static void test_live_id_valid(void **state)
{
    (void)state;
    assert_true(relay_live_id_valid("Ab_9-z"));
    assert_false(relay_live_id_valid(""));
    assert_false(relay_live_id_valid("a/b"));
    assert_false(relay_live_id_valid("a.b"));
    assert_false(relay_live_id_valid("a b"));
    char id[70];
    memset(id, 'x', 64);
    id[64] = 0;
    assert_true(relay_live_id_valid(id));
    id[64] = 'x';
    id[65] = 0;
    assert_false(relay_live_id_valid(id));
}

static void touch(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/recordings/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("xx", f);
    fclose(f);
}

static void test_listing(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_record.XXXXXX", sub[64], cmd[128];
    assert_non_null(mkdtemp(dir));
    assert_int_equal(make_dirs(dir, sub, sizeof(sub)), 0);
    json_t *empty = relay_recordings_list("/nonexistent", NULL);
    assert_int_equal(json_array_size(empty), 0);
    json_decref(empty);
    touch(dir, "abc-20261126T101010Z.mp4");
    touch(dir, "abc-20261126T111111Z.mp4");
    touch(dir, "abc-20261126T121212Z.mp4.part"); /* still recording */
    touch(dir, "abcd-20261126T101010Z.mp4");     /* another id with the same prefix */
    json_t *l = relay_recordings_list(dir, "abc");
    assert_int_equal(json_array_size(l), 2);
    json_t *first = json_array_get(l, 0);
    assert_string_equal(json_string_value(json_object_get(first, "file")),
                        "abc-20261126T111111Z.mp4");
    assert_string_equal(json_string_value(json_object_get(first, "live_id")), "abc");
    assert_string_equal(json_string_value(json_object_get(first, "started")), "20261126T111111Z");
    assert_string_equal(json_string_value(json_object_get(first, "url")),
                        "/recordings/abc-20261126T111111Z.mp4");
    assert_int_equal(json_integer_value(json_object_get(first, "size")), 2);
    json_decref(l);
    l = relay_recordings_list(dir, NULL);
    assert_int_equal(json_array_size(l), 3);
    json_decref(l);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recording_path),
        cmocka_unit_test(test_live_id_valid),
        cmocka_unit_test(test_listing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_cmd.c - src/relay/rtmp_cmd.c and rtmp_media.c: the publish
 * conversation as FFmpeg and OBS hold it (connect, releaseStream,
 * FCPublish, createStream, publish, @setDataFrame, deleteStream) with the
 * replies read back through the chunk reader; refusals (unknown app, bad
 * keys, publish before connect); and the media checks as a table of
 * (track, timestamp, first bytes) -> verdict. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/relay/rtmp_cmd.c"
#include "farmlive/rtmp_media.h"

/* Decodes every message the session queued; returns how many, and the
 * names (first AMF0 string) of the command messages in order. */
static size_t replies(rtmp_session *s, char names[][32], size_t max)
{
    rtmp_chunk_reader r;
    size_t pos = 0, n = 0;
    rtmp_chunk_reader_init(&r, 0);
    while (pos < s->out.len) {
        size_t used;
        rtmp_msg m;
        int rc = rtmp_chunk_read(&r, s->out.p + pos, s->out.len - pos, &used, &m);
        assert_true(rc >= 0);
        pos += used;
        if (rc != RTMP_CHUNK_MSG)
            continue;
        if (n < max) {
            names[n][0] = '\0';
            if (m.type == RTMP_MSG_COMMAND_AMF0) {
                amf0_value *v = NULL;
                size_t u;
                if (amf0_decode(m.payload, m.len, &v, &u) == AMF0_OK && amf0_string(v))
                    snprintf(names[n], 32, "%s", v->str);
                amf0_free(v);
            } else {
                snprintf(names[n], 32, "ctl%d", m.type);
            }
        }
        n++;
    }
    rtmp_chunk_reader_free(&r);
    s->out.len = 0;
    return n;
}

static amf0_buf last_msg;

static int send_cmd(rtmp_session *s, uint8_t type, uint32_t sid, void (*build)(amf0_buf *b, const void *arg),
                    const void *arg)
{
    /* kept until the next call: s->meta may point into it */
    amf0_buf_free(&last_msg);
    amf0_buf_init(&last_msg, 1 << 16);
    build(&last_msg, arg);
    rtmp_msg m = {.csid = 3, .type = type, .stream_id = sid, .payload = last_msg.p, .len = last_msg.len};
    return rtmp_cmd_handle(s, &m);
}

static void b_connect(amf0_buf *b, const void *app)
{
    amf0_put_cstr(b, "connect");
    amf0_put_number(b, 1);
    amf0_put_object_begin(b);
    amf0_put_key(b, "app", 3);
    amf0_put_cstr(b, app);
    amf0_put_key(b, "tcUrl", 5);
    amf0_put_cstr(b, "rtmp://127.0.0.1/live");
    amf0_put_object_end(b);
}

static void b_with_name(amf0_buf *b, const void *arg)
{
    const char *const *a = arg; /* command, stream name (or NULL) */
    amf0_put_cstr(b, a[0]);
    amf0_put_number(b, 4);
    amf0_put_null(b);
    if (a[1])
        amf0_put_cstr(b, a[1]);
    if (a[1])
        amf0_put_cstr(b, "live");
}

static void b_metadata(amf0_buf *b, const void *arg)
{
    (void)arg;
    amf0_put_cstr(b, "@setDataFrame");
    amf0_put_cstr(b, "onMetaData");
    amf0_put_ecma_begin(b, 1);
    amf0_put_key(b, "width", 5);
    amf0_put_number(b, 320);
    amf0_put_object_end(b);
}

static int cmd(rtmp_session *s, const char *name, const char *arg)
{
    const char *a[2] = {name, arg};
    return send_cmd(s, RTMP_MSG_COMMAND_AMF0, strcmp(name, "publish") == 0 ? 1 : 0, b_with_name, a);
}

static void test_publish_flow(void **state)
{
    (void)state;
    rtmp_session s;
    char names[16][32];
    rtmp_session_init(&s);
    assert_int_equal(send_cmd(&s, RTMP_MSG_COMMAND_AMF0, 0, b_connect, "live/"), RTMP_CMD_OK);
    assert_int_equal(replies(&s, names, 16), 4);
    assert_string_equal(names[0], "ctl5"); /* Window Ack Size */
    assert_string_equal(names[1], "ctl6"); /* Set Peer Bandwidth */
    assert_string_equal(names[2], "ctl1"); /* Set Chunk Size */
    assert_string_equal(names[3], "_result");
    assert_int_equal(s.out_chunk_size, RTMP_OUT_CHUNK_SIZE);

    assert_int_equal(cmd(&s, "releaseStream", "k1"), RTMP_CMD_OK);
    assert_int_equal(cmd(&s, "FCPublish", "k1"), RTMP_CMD_OK);
    assert_int_equal(cmd(&s, "createStream", NULL), RTMP_CMD_OK);
    assert_int_equal(cmd(&s, "getStreamLength", "k1"), RTMP_CMD_OK); /* unknown: ignored */
    assert_int_equal(replies(&s, names, 16), 4);
    assert_string_equal(names[1], "onFCPublish");

    assert_int_equal(cmd(&s, "publish", "abc123?token=x"), RTMP_CMD_PUBLISH);
    assert_string_equal(s.key, "abc123");
    assert_int_equal(s.stream_id, 1);
    /* metadata before Publish.Start: handed over too (the server holds it) */
    assert_int_equal(send_cmd(&s, RTMP_MSG_DATA_AMF0, 1, b_metadata, NULL), RTMP_CMD_METADATA);
    rtmp_cmd_publish_start(&s);
    assert_int_equal(replies(&s, names, 16), 2);
    assert_string_equal(names[0], "ctl4"); /* Stream Begin */
    assert_string_equal(names[1], "onStatus");
    assert_int_equal(send_cmd(&s, RTMP_MSG_DATA_AMF0, 1, b_metadata, NULL), RTMP_CMD_METADATA);
    amf0_value *meta = NULL;
    size_t used;
    assert_int_equal(amf0_decode(s.meta, s.meta_len, &meta, &used), AMF0_OK);
    assert_int_equal(meta->type, AMF0_ECMA_ARRAY);
    assert_int_equal(used, s.meta_len);
    amf0_free(meta);
    assert_int_equal(cmd(&s, "publish", "again"), RTMP_CMD_CLOSE);
    assert_int_equal(cmd(&s, "FCUnpublish", "abc123"), RTMP_CMD_OK);
    assert_int_equal(cmd(&s, "deleteStream", NULL), RTMP_CMD_UNPUBLISH);
    assert_int_equal(cmd(&s, "deleteStream", NULL), RTMP_CMD_OK);
    rtmp_session_free(&s);
    amf0_buf_free(&last_msg);
}

static void test_refusals(void **state)
{
    (void)state;
    static const char *const bad_keys[] = {"", "a/b", "key with space", "ключ", "x\"y"};
    rtmp_session s;
    char names[8][32];

    rtmp_session_init(&s);
    assert_int_equal(send_cmd(&s, RTMP_MSG_COMMAND_AMF0, 0, b_connect, "vod"), RTMP_CMD_CLOSE);
    assert_int_equal(replies(&s, names, 8), 1);
    assert_string_equal(names[0], "_error");
    rtmp_session_free(&s);

    rtmp_session_init(&s);
    assert_int_equal(cmd(&s, "publish", "k"), RTMP_CMD_CLOSE); /* before connect */
    assert_int_equal(cmd(&s, "createStream", NULL), RTMP_CMD_CLOSE);
    rtmp_session_free(&s);

    for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
        rtmp_session_init(&s);
        send_cmd(&s, RTMP_MSG_COMMAND_AMF0, 0, b_connect, "live");
        replies(&s, names, 8);
        if (cmd(&s, "publish", bad_keys[i]) != RTMP_CMD_CLOSE)
            fail_msg("key '%s' accepted", bad_keys[i]);
        assert_int_equal(replies(&s, names, 8), 1);
        assert_string_equal(names[0], "onStatus");
        rtmp_session_free(&s);
    }
    char long_key[RTMP_KEY_MAX + 2];
    memset(long_key, 'a', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    assert_false(rtmp_key_valid(long_key));
    long_key[RTMP_KEY_MAX] = '\0';
    assert_true(rtmp_key_valid(long_key));

    /* undecodable: a command closes, a data message is ignored */
    rtmp_session_init(&s);
    rtmp_msg m = {.csid = 3, .type = RTMP_MSG_COMMAND_AMF0, .payload = (const uint8_t *)"\x02\xff", .len = 2};
    assert_int_equal(rtmp_cmd_handle(&s, &m), RTMP_CMD_CLOSE);
    m.type = RTMP_MSG_DATA_AMF0;
    assert_int_equal(rtmp_cmd_handle(&s, &m), RTMP_CMD_OK);
    rtmp_session_free(&s);
    amf0_buf_free(&last_msg);
}

static void test_media_checks(void **state)
{
    (void)state;
    static const struct {
        int video;
        uint8_t b0, b1;
        int want;
    } steps[] = {
        {1, 0x27, 1, RTMP_MEDIA_DROP},    /* frame before the sequence header */
        {1, 0x17, 0, RTMP_MEDIA_FORWARD}, /* AVC sequence header */
        {0, 0xaf, 0, RTMP_MEDIA_FORWARD}, /* AAC sequence header */
        {1, 0x17, 1, RTMP_MEDIA_FORWARD}, {0, 0xaf, 1, RTMP_MEDIA_FORWARD},
        {1, 0x57, 0, RTMP_MEDIA_DROP},    /* video info frame */
        {1, 0x27, 1, RTMP_MEDIA_FORWARD}, /* timestamps: the normalizer's (test_tsnorm) */
    };
    rtmp_media m;
    char why[200];
    uint8_t body[8] = {0};
    rtmp_media_init(&m);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        body[0] = steps[i].b0;
        body[1] = steps[i].b1;
        int rc = rtmp_media_check(&m, steps[i].video, body, sizeof(body), why, sizeof(why));
        if (rc != steps[i].want)
            fail_msg("step %zu: %d, want %d (%s)", i, rc, steps[i].want, why);
    }

    static const struct {
        int video;
        uint8_t bytes[5];
        const char *name;
    } codecs[] = {
        {1, {0x1c, 0}, "HEVC"},
        {1, {0x90, 'h', 'v', 'c', '1'}, "hvc1"},
        {1, {0x90, 'a', 'v', '0', '1'}, "AV1"},
        {1, {0x12, 0}, "H.263"},
        {1, {0x14, 0}, "VP6"},
        {0, {0x2f, 0}, "MP3"},
        {0, {0x9f, 'O', 'p', 'u', 's'}, "enhanced"},
        {0, {0xbf, 0}, "Speex"},
    };
    for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++) {
        rtmp_media_init(&m);
        int rc = rtmp_media_check(&m, codecs[i].video, codecs[i].bytes, 5, why, sizeof(why));
        if (rc != RTMP_MEDIA_ECODEC || !strstr(why, codecs[i].name))
            fail_msg("codec %zu: rc %d, why '%s', want it to name %s", i, rc, why, codecs[i].name);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_flow),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_media_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

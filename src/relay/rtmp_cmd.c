/* rtmp_cmd.c - the publish-side RTMP command table and its replies. Pure.
 *
 *   encoder (OBS, FFmpeg)                    relay
 *   connect(1, {app:"live", tcUrl})  ---->
 *                                    <----  Window Ack Size, Set Peer Bandwidth,
 *                                           Set Chunk Size 4096,
 *                                           _result(1, {fmsVer, capabilities},
 *                                             {NetConnection.Connect.Success})
 *   releaseStream(2, null, key)      ---->  _result(2, null, undefined)
 *   FCPublish(3, null, key)          ---->  onFCPublish(0, null, {Publish.Start}),
 *                                           _result(3, null, undefined)
 *   createStream(4, null)            ---->  _result(4, null, 1)
 *   publish(5, null, key, "live")    ---->  (the server asks the shop)
 *                                    <----  Stream Begin 1,
 *                                           onStatus(0, null, {NetStream.Publish.Start})
 *                                       or  onStatus(0, null, {level:"error",
 *                                             NetStream.Publish.BadName}) and close
 *   @setDataFrame("onMetaData", {...}) ---> RTMP_CMD_METADATA
 *   audio / video ...                       (rtmp_media.c, then the hub)
 *   FCUnpublish(6, null, key)        ---->  _result(6, null, undefined)
 *   deleteStream(7, null, 1)         ---->  RTMP_CMD_UNPUBLISH
 *
 * Commands are dispatched from one name -> handler table (as nginx-rtmp's
 * cmd module does); unknown commands are ignored, as encoders send a few
 * of their own (getStreamLength, _checkbw, ...). Handlers write replies into
 * s->out and return an RTMP_CMD_* code for the server. */
#include "farmlive/rtmp_cmd.h"
#include "farmlive/amf0.h"

#include <stdio.h>
#include <string.h>

#define CSID_CMD 3
#define CSID_STREAM 5
#define MAX_ARGS 8

typedef struct cmd_args {
    amf0_value *v[MAX_ARGS];
    size_t n;
    double txn;
    const rtmp_msg *msg;
    const uint8_t *body; /* AMF0 bytes of the message */
    size_t len;
} cmd_args;

typedef int (*cmd_handler)(rtmp_session *s, cmd_args *a);

static int on_connect(rtmp_session *s, cmd_args *a);
static int on_release_stream(rtmp_session *s, cmd_args *a);
static int on_fc_publish(rtmp_session *s, cmd_args *a);
static int on_create_stream(rtmp_session *s, cmd_args *a);
static int on_publish(rtmp_session *s, cmd_args *a);
static int on_fc_unpublish(rtmp_session *s, cmd_args *a);
static int on_delete_stream(rtmp_session *s, cmd_args *a);
static int on_set_data_frame(rtmp_session *s, cmd_args *a);
static int on_metadata(rtmp_session *s, cmd_args *a);

static const struct {
    const char *name;
    int data; /* a data message (type 18/15) rather than a command */
    cmd_handler handler;
} commands[] = {
    {"connect", 0, on_connect},
    {"releaseStream", 0, on_release_stream},
    {"FCPublish", 0, on_fc_publish},
    {"createStream", 0, on_create_stream},
    {"publish", 0, on_publish},
    {"FCUnpublish", 0, on_fc_unpublish},
    {"deleteStream", 0, on_delete_stream},
    {"closeStream", 0, on_delete_stream},
    {"@setDataFrame", 1, on_set_data_frame},
    {"onMetaData", 1, on_metadata},
};

void rtmp_session_init(rtmp_session *s)
{
    memset(s, 0, sizeof(*s));
    s->state = RTMP_SESS_NEW;
    s->out_chunk_size = RTMP_DEFAULT_CHUNK_SIZE;
    s->next_stream_id = 1;
    rtmp_wbuf_init(&s->out, RTMP_WBUF_MAX);
}

void rtmp_session_free(rtmp_session *s)
{
    rtmp_wbuf_free(&s->out);
}

static int close_with(rtmp_session *s, const char *why)
{
    snprintf(s->why, sizeof(s->why), "%s", why);
    return RTMP_CMD_CLOSE;
}

/* Sends an AMF0 command message built in b (then frees b). */
static void send_amf(rtmp_session *s, amf0_buf *b, uint32_t csid, uint32_t stream_id)
{
    if (b->err) {
        s->out.err = -1;
    } else {
        rtmp_msg m = {
            .csid = csid, .type = RTMP_MSG_COMMAND_AMF0, .stream_id = stream_id, .payload = b->p, .len = b->len};
        rtmp_wbuf_msg(&s->out, &m, s->out_chunk_size);
    }
    amf0_buf_free(b);
}

static void put_prop_str(amf0_buf *b, const char *k, const char *v)
{
    amf0_put_key(b, k, strlen(k));
    amf0_put_cstr(b, v);
}

static void put_prop_num(amf0_buf *b, const char *k, double v)
{
    amf0_put_key(b, k, strlen(k));
    amf0_put_number(b, v);
}

/* _result(txn, null, undefined): the plain "done" answer. */
static void send_simple_result(rtmp_session *s, double txn)
{
    amf0_buf b;
    amf0_buf_init(&b, 4096);
    amf0_put_cstr(&b, "_result");
    amf0_put_number(&b, txn);
    amf0_put_null(&b);
    amf0_put_undefined(&b);
    send_amf(s, &b, CSID_CMD, 0);
}

static void send_status(rtmp_session *s, const char *name, const char *level, const char *code, const char *desc)
{
    amf0_buf b;
    amf0_buf_init(&b, 4096);
    amf0_put_cstr(&b, name);
    amf0_put_number(&b, 0);
    amf0_put_null(&b);
    amf0_put_object_begin(&b);
    put_prop_str(&b, "level", level);
    put_prop_str(&b, "code", code);
    put_prop_str(&b, "description", desc);
    amf0_put_object_end(&b);
    send_amf(s, &b, CSID_STREAM, s->stream_id);
}

/* "key?token=..." -> "key" (nginx-rtmp and SRS drop the query the same way). */
static void copy_key(rtmp_session *s, const char *name)
{
    size_t n = strcspn(name, "?");
    if (n > RTMP_KEY_MAX)
        n = 0; /* too long: leave it empty, so rtmp_key_valid() refuses it */
    memcpy(s->key, name, n);
    s->key[n] = '\0';
}

int rtmp_key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > RTMP_KEY_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '~' || c == '-'))
            return 0;
    }
    return 1;
}

static int on_connect(rtmp_session *s, cmd_args *a)
{
    const amf0_value *obj = a->n > 2 ? a->v[2] : NULL;
    const char *app = amf0_get_string(obj, "app");
    const char *tc = amf0_get_string(obj, "tcUrl");
    if (s->state != RTMP_SESS_NEW)
        return close_with(s, "connect sent twice");
    if (!app)
        return close_with(s, "connect without an app");
    snprintf(s->app, sizeof(s->app), "%s", app);
    size_t n = strcspn(s->app, "?");
    while (n > 0 && s->app[n - 1] == '/')
        n--;
    s->app[n] = '\0';
    snprintf(s->tc_url, sizeof(s->tc_url), "%s", tc ? tc : "");
    if (strcmp(s->app, RTMP_APP) != 0) {
        amf0_buf b;
        amf0_buf_init(&b, 4096);
        amf0_put_cstr(&b, "_error");
        amf0_put_number(&b, a->txn);
        amf0_put_null(&b);
        amf0_put_object_begin(&b);
        put_prop_str(&b, "level", "error");
        put_prop_str(&b, "code", "NetConnection.Connect.Rejected");
        put_prop_str(&b, "description", "unknown application; publish to rtmp://HOST:PORT/live/KEY");
        amf0_put_object_end(&b);
        send_amf(s, &b, CSID_CMD, 0);
        char why[180];
        snprintf(why, sizeof(why), "connect to unknown app '%.100s'", s->app);
        return close_with(s, why);
    }

    rtmp_send_u32(&s->out, RTMP_MSG_WINDOW_ACK_SIZE, RTMP_WINDOW_ACK, s->out_chunk_size);
    rtmp_send_peer_bandwidth(&s->out, RTMP_WINDOW_ACK, 2, s->out_chunk_size);
    rtmp_send_u32(&s->out, RTMP_MSG_SET_CHUNK_SIZE, RTMP_OUT_CHUNK_SIZE, s->out_chunk_size);
    s->out_chunk_size = RTMP_OUT_CHUNK_SIZE;

    amf0_buf b;
    amf0_buf_init(&b, 4096);
    amf0_put_cstr(&b, "_result");
    amf0_put_number(&b, a->txn);
    amf0_put_object_begin(&b);
    put_prop_str(&b, "fmsVer", "FMS/3,0,1,123");
    put_prop_num(&b, "capabilities", 31);
    amf0_put_object_end(&b);
    amf0_put_object_begin(&b);
    put_prop_str(&b, "level", "status");
    put_prop_str(&b, "code", "NetConnection.Connect.Success");
    put_prop_str(&b, "description", "Connection succeeded.");
    put_prop_num(&b, "objectEncoding", 0);
    amf0_put_object_end(&b);
    send_amf(s, &b, CSID_CMD, 0);
    s->state = RTMP_SESS_CONNECTED;
    return RTMP_CMD_OK;
}

static int on_release_stream(rtmp_session *s, cmd_args *a)
{
    send_simple_result(s, a->txn);
    return RTMP_CMD_OK;
}

static int on_fc_publish(rtmp_session *s, cmd_args *a)
{
    const char *name = a->n > 3 ? amf0_string(a->v[3]) : NULL;
    amf0_buf b;
    amf0_buf_init(&b, 4096);
    amf0_put_cstr(&b, "onFCPublish");
    amf0_put_number(&b, 0);
    amf0_put_null(&b);
    amf0_put_object_begin(&b);
    put_prop_str(&b, "code", "NetStream.Publish.Start");
    amf0_put_key(&b, "description", 11);
    amf0_put_string(&b, name ? name : "", name ? strcspn(name, "?") : 0);
    amf0_put_object_end(&b);
    send_amf(s, &b, CSID_CMD, 0);
    send_simple_result(s, a->txn);
    return RTMP_CMD_OK;
}

static int on_create_stream(rtmp_session *s, cmd_args *a)
{
    if (s->state == RTMP_SESS_NEW)
        return close_with(s, "createStream before connect");
    if (s->next_stream_id > 16)
        return close_with(s, "too many createStream calls");
    uint32_t id = s->next_stream_id++;
    amf0_buf b;
    amf0_buf_init(&b, 4096);
    amf0_put_cstr(&b, "_result");
    amf0_put_number(&b, a->txn);
    amf0_put_null(&b);
    amf0_put_number(&b, id);
    send_amf(s, &b, CSID_CMD, 0);
    return RTMP_CMD_OK;
}

static int on_publish(rtmp_session *s, cmd_args *a)
{
    const char *name = a->n > 3 ? amf0_string(a->v[3]) : NULL;
    if (s->state != RTMP_SESS_CONNECTED)
        return close_with(s, s->state == RTMP_SESS_NEW ? "publish before connect" : "publish sent twice");
    s->stream_id = a->msg->stream_id ? a->msg->stream_id : 1;
    copy_key(s, name ? name : "");
    if (!rtmp_key_valid(s->key)) {
        rtmp_cmd_publish_refuse(s, "NetStream.Publish.BadName", "invalid stream key");
        return close_with(s, "publish with an invalid stream key");
    }
    s->state = RTMP_SESS_PUBLISH_PENDING;
    return RTMP_CMD_PUBLISH;
}

static int on_fc_unpublish(rtmp_session *s, cmd_args *a)
{
    send_simple_result(s, a->txn);
    return RTMP_CMD_OK;
}

static int on_delete_stream(rtmp_session *s, cmd_args *a)
{
    (void)a;
    if (s->state != RTMP_SESS_PUBLISHING && s->state != RTMP_SESS_PUBLISH_PENDING)
        return RTMP_CMD_OK;
    s->state = RTMP_SESS_CONNECTED;
    return RTMP_CMD_UNPUBLISH;
}

/* The bytes after the first k AMF0 values of the body, when they decode as
 * an object or ECMA array: onMetaData's body for the outputs. */
static int metadata_after(rtmp_session *s, cmd_args *a, size_t k)
{
    size_t pos = 0, used;
    for (size_t i = 0; i < k; i++) {
        amf0_value *v = NULL;
        if (amf0_decode(a->body + pos, a->len - pos, &v, &used) != AMF0_OK)
            return RTMP_CMD_OK;
        amf0_free(v);
        pos += used;
    }
    if (a->n <= k || (a->v[k]->type != AMF0_ECMA_ARRAY && a->v[k]->type != AMF0_OBJECT))
        return RTMP_CMD_OK;
    if (s->state != RTMP_SESS_PUBLISHING && s->state != RTMP_SESS_PUBLISH_PENDING)
        return RTMP_CMD_OK; /* pending: the server holds it until the reply */
    s->meta = a->body + pos;
    s->meta_len = a->len - pos;
    return RTMP_CMD_METADATA;
}

static int on_set_data_frame(rtmp_session *s, cmd_args *a)
{
    const char *what = a->n > 1 ? amf0_string(a->v[1]) : NULL;
    if (!what || strcmp(what, "onMetaData") != 0)
        return RTMP_CMD_OK;
    return metadata_after(s, a, 2);
}

static int on_metadata(rtmp_session *s, cmd_args *a)
{
    return metadata_after(s, a, 1);
}

int rtmp_cmd_handle(rtmp_session *s, const rtmp_msg *m)
{
    cmd_args a = {.msg = m, .body = m->payload, .len = m->len};
    int data = m->type == RTMP_MSG_DATA_AMF0 || m->type == RTMP_MSG_DATA_AMF3;
    int rc = RTMP_CMD_OK;

    s->meta = NULL;
    s->meta_len = 0;
    if ((m->type == RTMP_MSG_COMMAND_AMF3 || m->type == RTMP_MSG_DATA_AMF3) && a.len > 0) {
        a.body++; /* AMF3 messages start with a format byte, then AMF0 here */
        a.len--;
    }
    int drc = amf0_decode_all(a.body, a.len, a.v, MAX_ARGS, &a.n);
    if (drc != AMF0_OK || a.n == 0 || !amf0_string(a.v[0])) {
        amf0_free_all(a.v, a.n);
        if (data)
            return RTMP_CMD_OK; /* a data message we cannot read is not worth a close */
        return close_with(s, "undecodable AMF0 command");
    }
    const char *name = a.v[0]->str;
    a.txn = a.n > 1 ? amf0_number(a.v[1], 0) : 0;
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (commands[i].data == data && strcmp(commands[i].name, name) == 0) {
            rc = commands[i].handler(s, &a);
            break;
        }
    }
    amf0_free_all(a.v, a.n);
    if (rc >= 0 && s->out.err)
        return close_with(s, "reply buffer full");
    return rc;
}

void rtmp_cmd_publish_start(rtmp_session *s)
{
    char desc[RTMP_KEY_MAX + 40];
    rtmp_send_stream_begin(&s->out, s->stream_id, s->out_chunk_size);
    snprintf(desc, sizeof(desc), "%s is now published.", s->key);
    send_status(s, "onStatus", "status", "NetStream.Publish.Start", desc);
    s->state = RTMP_SESS_PUBLISHING;
}

void rtmp_cmd_publish_refuse(rtmp_session *s, const char *code, const char *description)
{
    send_status(s, "onStatus", "error", code, description);
}

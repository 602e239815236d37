/* relay_api.c - the relay's HTTP API as the shop calls it (see
 * shop/domain/relay_api.h): one libcurl transfer per call, on the caller's
 * thread, bounded in time and size. */
#include "farmlive/shop/domain/relay_api.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define BODY_MAX (4 << 20)

struct body {
    char *data;
    size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t k = size * n;
    if (b->len + k > BODY_MAX)
        return 0; /* too large: the transfer fails */
    b->data = fl_realloc(b->data, b->len + k + 1);
    memcpy(b->data + b->len, p, k);
    b->len += k;
    b->data[b->len] = '\0';
    return k;
}

int shop_relay_call(const fl_config *cfg, const char *method, const char *path, int secret, long timeout_ms,
                    shop_relay_answer *ans)
{
    char url[800], header[200];
    struct body b = {NULL, 0};
    struct curl_slist *headers = NULL;
    CURL *c = NULL;
    int rc = -1;

    memset(ans, 0, sizeof(*ans));
    if (!cfg->relay_url[0]) {
        snprintf(ans->why, sizeof(ans->why), "no relay: FARMLIVE_RELAY_URL is empty");
        return -1;
    }
    if (!(c = curl_easy_init())) {
        snprintf(ans->why, sizeof(ans->why), "libcurl did not start");
        return -1;
    }
    snprintf(url, sizeof(url), "%s%s", cfg->relay_url, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    }
    if (secret) {
        snprintf(header, sizeof(header), "X-Internal-Secret: %s", cfg->internal_secret);
        headers = curl_slist_append(headers, header);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    }
    CURLcode cc = curl_easy_perform(c);
    long os_errno = 0;
    if (cc == CURLE_COULDNT_CONNECT) /* also "no route", "unreachable": only a refusal says nothing listens */
        curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
    ans->refused = cc == CURLE_COULDNT_CONNECT && os_errno == ECONNREFUSED;
    if (cc == CURLE_OK && curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ans->status) == CURLE_OK) {
        ans->body = b.data ? json_loads(b.data, 0, NULL) : NULL;
        rc = 0;
    } else {
        snprintf(ans->why, sizeof(ans->why), "%s", curl_easy_strerror(cc));
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    fl_free(b.data);
    return rc;
}

void shop_relay_answer_free(shop_relay_answer *ans)
{
    json_decref(ans->body);
    ans->body = NULL;
}

int shop_relay_drop(const fl_config *cfg, const char *live_id, json_t **recording)
{
    char path[96];
    shop_relay_answer ans;
    int rc;
    if (recording)
        *recording = NULL;
    snprintf(path, sizeof(path), "/internal/v1/streams/%s/drop", live_id);
    if (shop_relay_call(cfg, "POST", path, 1, SHOP_RELAY_DROP_TIMEOUT_MS, &ans) < 0) {
        fl_log(FL_LOG_WARN, "relay_drop_failed", "%s: the relay was not asked or did not answer (%s)", live_id,
               ans.why);
        rc = -1;
    } else if (ans.status == 200 && json_is_boolean(json_object_get(ans.body, "dropped"))) {
        rc = json_is_true(json_object_get(ans.body, "dropped"));
        fl_log(FL_LOG_INFO, rc ? "relay_dropped" : "relay_drop_none", "%s: %s", live_id,
               rc ? "the relay dropped the publisher and finalized the recording" : "the relay held no such stream");
        if (recording && json_is_object(json_object_get(ans.body, "recording")))
            *recording = json_incref(json_object_get(ans.body, "recording"));
    } else if (ans.status == 404 || ans.status == 405) { /* a relay without the drop route */
        fl_log(FL_LOG_WARN, "relay_drop_unsupported", "%s: the relay has no drop route (HTTP %ld): not dropped",
               live_id, ans.status);
        rc = 0;
    } else {
        fl_log(FL_LOG_WARN, "relay_drop_failed", "%s: the relay answered HTTP %ld", live_id, ans.status);
        rc = -1;
    }
    shop_relay_answer_free(&ans);
    return rc;
}

int shop_relay_recording(const fl_config *cfg, const char *live_id, json_t **rec)
{
    char path[96];
    shop_relay_answer ans;
    *rec = NULL;
    snprintf(path, sizeof(path), "/api/recordings?live_id=%s", live_id);
    if (shop_relay_call(cfg, "GET", path, 0, SHOP_RELAY_TIMEOUT_MS, &ans) < 0 || ans.status != 200) {
        fl_log(FL_LOG_DEBUG, "relay_recording_unknown", "%s: %s (HTTP %ld)", live_id, ans.why, ans.status);
        shop_relay_answer_free(&ans);
        return -1;
    }
    json_t *list = json_object_get(ans.body, "recordings");
    json_t *first = json_array_get(list, 0);
    if (json_is_object(first) && json_is_string(json_object_get(first, "url")))
        *rec = json_incref(first);
    shop_relay_answer_free(&ans);
    return 0;
}

int shop_relay_stream(const fl_config *cfg, const char *live_id, json_t **stream)
{
    shop_relay_answer ans;
    json_t *s;
    size_t i;
    *stream = NULL;
    if (shop_relay_call(cfg, "GET", "/api/streams", 0, SHOP_RELAY_TIMEOUT_MS, &ans) < 0 || ans.status != 200) {
        fl_log(FL_LOG_DEBUG, "relay_streams_unknown", "%s: %s (HTTP %ld)", live_id, ans.why, ans.status);
        shop_relay_answer_free(&ans);
        return -1;
    }
    json_array_foreach(json_object_get(ans.body, "streams"), i, s)
    {
        const char *id = json_string_value(json_object_get(s, "live_id"));
        if (id && strcmp(id, live_id) == 0) {
            *stream = json_incref(s);
            break;
        }
    }
    shop_relay_answer_free(&ans);
    return 0;
}

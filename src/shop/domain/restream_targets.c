/* restream_targets.c - a cooperative's restream targets (contract in
 * shop/domain/restream_targets.h).
 *
 *   add:   url -> split (server part | key) -> secretbox(key) under the key
 *          file's key -> INSERT (server_url, key_nonce, key_box, key_hint)
 *   relay: SELECT the session's coop's enabled rows -> open each box ->
 *          [{"id","url"}] in clear, for the internal publish answer only */
#include "farmlive/shop/domain/restream_targets.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/keyfile.h"
#include "farmlive/log.h"
#include "farmlive/timefmt.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NONCE_HEX (2 * crypto_secretbox_NONCEBYTES + 1)
#define BOX_MAX (SHOP_RESTREAM_KEY_MAX + crypto_secretbox_MACBYTES)
#define BOX_HEX (2 * BOX_MAX + 1)
#define HINT_MAX 16
#define HINT_MIN_KEY 12 /* keys shorter than this show nothing of themselves */

/* ---- the URL, pure ---------------------------------------------------------- */

int shop_restream_url_split(const char *url, size_t *key_at, char *err, size_t errlen)
{
    size_t n = strlen(url), at;
    const char *p, *host, *slash;
    if (n > SHOP_RESTREAM_URL_MAX)
        return snprintf(err, errlen, "at most %d bytes", SHOP_RESTREAM_URL_MAX), -1;
    for (size_t i = 0; i < n; i++)
        if (url[i] <= ' ' || url[i] >= 0x7f)
            return snprintf(err, errlen, "printable ASCII without spaces"), -1;
    if (strncmp(url, "rtmp://", 7) == 0)
        host = url + 7;
    else if (strncmp(url, "rtmps://", 8) == 0)
        host = url + 8;
    else
        return snprintf(err, errlen, "an rtmp:// or rtmps:// URL"), -1;
    slash = strchr(host, '/');
    if (!slash || slash == host)
        return snprintf(err, errlen, "rtmp://host[:port]/app/stream-key: no host"), -1;
    /* host[:port] */
    const char *hend = slash, *colon = NULL;
    if (host[0] == '[') {
        const char *close = memchr(host, ']', (size_t)(slash - host));
        if (!close || close == host + 1 || strspn(host + 1, "0123456789abcdefABCDEF:.") != (size_t)(close - host - 1))
            return snprintf(err, errlen, "a bad [IPv6] host"), -1;
        if (close + 1 != slash && close[1] != ':')
            return snprintf(err, errlen, "a bad [IPv6] host"), -1;
        colon = close + 1 != slash ? close + 1 : NULL;
    } else {
        colon = memchr(host, ':', (size_t)(slash - host));
        hend = colon ? colon : slash;
        if (hend == host ||
            strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != (size_t)(hend - host))
            return snprintf(err, errlen, "a host of letters, digits, dots and dashes"), -1;
    }
    if (colon) {
        long port = 0;
        size_t digits = (size_t)(slash - colon - 1);
        if (digits < 1 || digits > 5 || strspn(colon + 1, "0123456789") != digits)
            return snprintf(err, errlen, "a port from 1 to 65535"), -1;
        for (p = colon + 1; p < slash; p++)
            port = port * 10 + (*p - '0');
        if (port < 1 || port > 65535)
            return snprintf(err, errlen, "a port from 1 to 65535"), -1;
    }
    /* /app[/more]/KEY: the key is the last path segment (with the query) */
    const char *q = strchr(slash, '?');
    const char *path_end = q ? q : url + n;
    const char *last = slash;
    for (p = slash; p < path_end; p++)
        if (*p == '/')
            last = p;
    if (last == slash)
        return snprintf(err, errlen, "rtmp://host[:port]/app/stream-key: an app and a stream key"), -1;
    at = (size_t)(last + 1 - url);
    if (at >= n || url[at] == '?')
        return snprintf(err, errlen, "rtmp://host[:port]/app/stream-key: no stream key"), -1;
    if (n - at > SHOP_RESTREAM_KEY_MAX)
        return snprintf(err, errlen, "a stream key of at most %d bytes", SHOP_RESTREAM_KEY_MAX), -1;
    for (p = slash + 1; p <= last; p++)
        if (p[0] == '/' && p[-1] == '/')
            return snprintf(err, errlen, "an empty path segment"), -1;
    *key_at = at;
    return 0;
}

/* host and port of "rtmp[s]://host[:port]/...", brackets of an IPv6 host
 * dropped; 0, or -1 when it is not that shape. */
static int host_port(const char *url, char *host, size_t hostlen, int *port)
{
    const char *h, *end, *colon;
    if (strncmp(url, "rtmp://", 7) == 0)
        h = url + 7, *port = 1935;
    else if (strncmp(url, "rtmps://", 8) == 0)
        h = url + 8, *port = 443;
    else
        return -1;
    end = h + strcspn(h, "/?");
    if (h[0] == '[') {
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (!close)
            return -1;
        colon = close[1] == ':' ? close + 1 : NULL;
        snprintf(host, hostlen, "%.*s", (int)(close - h - 1), h + 1);
    } else {
        colon = memchr(h, ':', (size_t)(end - h));
        snprintf(host, hostlen, "%.*s", (int)((colon ? colon : end) - h), h);
    }
    if (colon)
        *port = atoi(colon + 1);
    return host[0] ? 0 : -1;
}

static int loopback(const char *host)
{
    return strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
           (strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == strlen(host));
}

int shop_restream_url_points_at(const char *url, const char *host, int port)
{
    char h[SHOP_RESTREAM_URL_MAX + 1];
    int p = 0;
    if (!host || !host[0] || host_port(url, h, sizeof(h), &p) < 0 || p != port)
        return 0;
    return strcasecmp(h, host) == 0 || (loopback(h) && loopback(host));
}

/* 1 when url is this platform's own relay: its RTMP address as farmers are
 * told it (FARMLIVE_RTMP_PUBLIC_URL), or as the shop reaches it. */
static int points_home(const fl_config *cfg, const char *url)
{
    char host[256];
    int port = 0;
    if (host_port(cfg->rtmp_public_url, host, sizeof(host), &port) == 0 && shop_restream_url_points_at(url, host, port))
        return 1;
    return shop_restream_url_points_at(url, cfg->relay_host, cfg->rtmp_port);
}

void shop_restream_key_hint(const char *key, char *out, size_t outlen)
{
    if (strlen(key) >= HINT_MIN_KEY)
        snprintf(out, outlen, "%.4s\u2026", key);
    else
        snprintf(out, outlen, "\u2026");
}

/* ---- the server key ------------------------------------------------------------ */

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char box_key[crypto_secretbox_KEYBYTES];
static atomic_int key_ready;

_Static_assert(crypto_secretbox_KEYBYTES == FL_KEYFILE_BYTES, "one key file holds the secretbox key");

static int server_key(const fl_config *cfg, const unsigned char **out, shop_fault *f)
{
    char err[700];
    int rc = 0;
    if (!atomic_load(&key_ready)) {
        pthread_mutex_lock(&key_lock);
        if (!atomic_load(&key_ready)) {
            rc = fl_keyfile_load(cfg->restream_key_file, box_key, err, sizeof(err));
            atomic_store(&key_ready, rc == 0);
        }
        pthread_mutex_unlock(&key_lock);
    }
    if (rc != 0) {
        fl_log(FL_LOG_ERROR, "restream_key", "%s", err);
        return shop_fault_set(f, SHOP_E_UNAVAILABLE, NULL, "the restream targets' key cannot be loaded");
    }
    *out = box_key;
    return SHOP_OK;
}

/* ---- rows -------------------------------------------------------------------- */

#define TARGET_SELECT "SELECT id, coop_id, name, server_url, key_hint, enabled, created_at FROM restream_targets "
enum { TC_ID, TC_COOP, TC_NAME, TC_SERVER, TC_HINT, TC_ENABLED, TC_AT };

static json_t *target_json(const fl_rows *rows, size_t i)
{
    char at[FL_TIME_LEN], url[SHOP_RESTREAM_URL_MAX + HINT_MAX + 2];
    fl_time_from_sql(fl_rows_str(rows, i, TC_AT), at);
    snprintf(url, sizeof(url), "%s/%s", fl_rows_str(rows, i, TC_SERVER), fl_rows_str(rows, i, TC_HINT));
    return json_pack("{s:I,s:I,s:o,s:o,s:o,s:b,s:s}", "id", (json_int_t)fl_rows_int(rows, i, TC_ID), "coop_id",
                     (json_int_t)fl_rows_int(rows, i, TC_COOP), "name", shop_json_str(fl_rows_str(rows, i, TC_NAME)),
                     "url", shop_json_str(url), "server_url", shop_json_str(fl_rows_str(rows, i, TC_SERVER)), "enabled",
                     (int)fl_rows_int(rows, i, TC_ENABLED), "created_at", at);
}

static int read_target(fl_db *db, long long coop_id, long long id, json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, TARGET_SELECT "WHERE id = ? AND coop_id = ?", "ii", id, coop_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "restream target %lld not found in cooperative %lld", id,
                         coop_id)) == SHOP_OK)
        *out = target_json(rows, 0);
    fl_rows_free(rows);
    return rc;
}

static int name_valid(const char *name)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return 0;
        chars += (*p & 0xc0) != 0x80;
    }
    return chars >= 1 && chars <= SHOP_RESTREAM_NAME_MAX;
}

int shop_restream_target_add(const fl_config *cfg, fl_db *db, const shop_actor *who, long long coop_id,
                             const char *name, const char *url, int enabled, json_t **out, shop_fault *f)
{
    char why[120], server[SHOP_RESTREAM_URL_MAX + 1], hint[HINT_MAX], nonce_hex[NONCE_HEX], box_hex[BOX_HEX];
    unsigned char nonce[crypto_secretbox_NONCEBYTES], box[BOX_MAX];
    const unsigned char *k = NULL;
    fl_rows *rows = NULL;
    size_t key_at = 0;
    int rc;

    *out = NULL;
    if ((rc = shop_rights_coop_enter(db, coop_id, who->account_id, who->platform_admin, SHOP_MEMBER_ADMIN, f)) < 0)
        return rc;
    if (!name_valid(name))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "name: 1 to %d characters, no control characters",
                              SHOP_RESTREAM_NAME_MAX);
    if (shop_restream_url_split(url, &key_at, why, sizeof(why)) != 0)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "url: want %s", why);
    if (points_home(cfg, url)) /* the session pushed back into itself, or into another of ours */
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL,
                              "url: that is this platform's own relay, not another platform");
    if ((rc = server_key(cfg, &k, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows, "SELECT COUNT(*) FROM restream_targets WHERE coop_id = ?", "i", coop_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    rc = fl_rows_int(rows, 0, 0) >= SHOP_RESTREAM_TARGETS_MAX;
    fl_rows_free(rows);
    rows = NULL;
    if (rc)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "url: cooperative %lld already has %d restream targets",
                              coop_id, SHOP_RESTREAM_TARGETS_MAX);
    const char *key = url + key_at;
    size_t key_len = strlen(key);
    snprintf(server, sizeof(server), "%.*s", (int)(key_at - 1), url);
    shop_restream_key_hint(key, hint, sizeof(hint));
    randombytes_buf(nonce, sizeof(nonce));
    crypto_secretbox_easy(box, (const unsigned char *)key, key_len, nonce, k);
    sodium_bin2hex(nonce_hex, sizeof(nonce_hex), nonce, sizeof(nonce));
    sodium_bin2hex(box_hex, sizeof(box_hex), box, key_len + crypto_secretbox_MACBYTES);
    rc = fl_db_exec(db,
                    "INSERT INTO restream_targets (coop_id, name, server_url, key_nonce, key_box, key_hint, enabled, "
                    "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    "isssssii", coop_id, name, server, nonce_hex, box_hex, hint, (long long)(enabled != 0),
                    who->account_id);
    sodium_memzero(box_hex, sizeof(box_hex));
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    return read_target(db, coop_id, (long long)fl_db_insert_id(db), out, f);
}

int shop_restream_target_list(fl_db *db, const shop_actor *who, long long coop_id, long long before, long long limit,
                              json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    size_t key = TC_ID;
    int rc;

    *out = NULL;
    if ((rc = shop_rights_coop_enter(db, coop_id, who->account_id, who->platform_admin, SHOP_MEMBER_ADMIN, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows, TARGET_SELECT "WHERE coop_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?",
                     "iiii", coop_id, before, before, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = shop_page_json(rows, limit, target_json, &key, 1);
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_restream_target_update(fl_db *db, const shop_actor *who, long long coop_id, long long target_id,
                                const char *name, int enabled, json_t **out, shop_fault *f)
{
    int rc;
    *out = NULL;
    if ((rc = shop_rights_coop_enter(db, coop_id, who->account_id, who->platform_admin, SHOP_MEMBER_ADMIN, f)) < 0)
        return rc;
    if (name && !name_valid(name))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "name: 1 to %d characters, no control characters",
                              SHOP_RESTREAM_NAME_MAX);
    rc = fl_db_exec(db,
                    "UPDATE restream_targets SET name = COALESCE(?, name), enabled = IF(? < 0, enabled, ?) "
                    "WHERE id = ? AND coop_id = ?",
                    "siiii", name, (long long)enabled, (long long)(enabled > 0), target_id, coop_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    return read_target(db, coop_id, target_id, out, f);
}

int shop_restream_target_remove(fl_db *db, const shop_actor *who, long long coop_id, long long target_id, shop_fault *f)
{
    int rc;
    if ((rc = shop_rights_coop_enter(db, coop_id, who->account_id, who->platform_admin, SHOP_MEMBER_ADMIN, f)) < 0)
        return rc;
    rc = fl_db_exec(db, "DELETE FROM restream_targets WHERE id = ? AND coop_id = ?", "ii", target_id, coop_id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_db_affected(db) == 0)
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "restream target %lld not found in cooperative %lld",
                              target_id, coop_id);
    return SHOP_OK;
}

/* ---- the relay's side -------------------------------------------------------- */

/* The key of one row into key (NUL-terminated): 0, or -1 when the box does
 * not open. */
static int open_box(const unsigned char *k, const char *nonce_hex, const char *box_hex,
                    char key[SHOP_RESTREAM_KEY_MAX + 1])
{
    unsigned char nonce[crypto_secretbox_NONCEBYTES], box[BOX_MAX];
    size_t nonce_len = 0, box_len = 0;
    if (!nonce_hex || !box_hex ||
        sodium_hex2bin(nonce, sizeof(nonce), nonce_hex, strlen(nonce_hex), NULL, &nonce_len, NULL) != 0 ||
        nonce_len != sizeof(nonce) ||
        sodium_hex2bin(box, sizeof(box), box_hex, strlen(box_hex), NULL, &box_len, NULL) != 0 ||
        box_len <= crypto_secretbox_MACBYTES ||
        crypto_secretbox_open_easy((unsigned char *)key, box, box_len, nonce, k) != 0)
        return -1;
    key[box_len - crypto_secretbox_MACBYTES] = '\0';
    return 0;
}

int shop_restream_session_targets(const fl_config *cfg, fl_db *db, const char *public_id, json_t **out, shop_fault *f)
{
    enum { RC_ID, RC_SERVER, RC_NONCE, RC_BOX };
    char key[SHOP_RESTREAM_KEY_MAX + 1], url[SHOP_RESTREAM_URL_MAX + 2], id[32];
    const unsigned char *k = NULL;
    fl_rows *rows = NULL;
    int rc;

    *out = NULL;
    rc = fl_db_query(db, &rows,
                     "SELECT t.id, t.server_url, t.key_nonce, t.key_box FROM restream_targets t "
                     "JOIN live_sessions l ON l.coop_id = t.coop_id WHERE l.public_id = ? AND t.enabled = 1 "
                     "ORDER BY t.id LIMIT ?",
                     "si", public_id, (long long)SHOP_RESTREAM_TARGETS_MAX);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = json_array();
    if (fl_rows_count(rows) > 0 && (rc = server_key(cfg, &k, f)) < 0) {
        json_decref(*out);
        *out = NULL;
        fl_rows_free(rows);
        return rc;
    }
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        long long tid = fl_rows_int(rows, i, RC_ID);
        if (open_box(k, fl_rows_str(rows, i, RC_NONCE), fl_rows_str(rows, i, RC_BOX), key) != 0) {
            fl_log(FL_LOG_ERROR, "restream_key",
                   "restream target %lld: its stream key does not open with the "
                   "key file's key (replaced?): left out",
                   tid);
            continue;
        }
        snprintf(id, sizeof(id), "t%lld", tid);
        snprintf(url, sizeof(url), "%s/%s", fl_rows_str(rows, i, RC_SERVER), key);
        json_array_append_new(*out, json_pack("{s:s,s:s}", "id", id, "url", url));
        sodium_memzero(key, sizeof(key));
        sodium_memzero(url, sizeof(url));
    }
    fl_rows_free(rows);
    return SHOP_OK;
}

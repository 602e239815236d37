/* shop/domain/restream_targets.h - other platforms' RTMP push URLs a
 * cooperative's live sessions are forwarded to (issue 17, restreaming).
 *
 * A coop admin adds, lists, enables or disables, and removes them; the
 * relay gets a session's enabled ones in clear in the publish answer
 * (/internal/v1/live/publish) and pushes to each while the session is live.
 *
 * A URL is rtmp://host[:port]/app[/more]/KEY or rtmps://...: its secret part
 * is its last path segment with the query after it (YouTube's
 * rtmp://a.rtmp.youtube.com/live2/xxxx-xxxx, Douyin's .../stage/stream-1?
 * expire=...&sign=...). That part is stored encrypted (libsodium's
 * crypto_secretbox, XSalsa20-Poly1305, a random nonce per row) under the
 * shop's 32-byte key in FARMLIVE_RESTREAM_KEY_FILE (made at first use, mode
 * 0600): a one-way hash, as the sessions' own stream keys are kept, could
 * not be forwarded. Answers show it masked ("url": the server part and the
 * key's first 4 characters, "abcd…"; nothing of a key under 12 characters);
 * logs never hold it. */
#ifndef FARMLIVE_SHOP_DOMAIN_RESTREAM_TARGETS_H
#define FARMLIVE_SHOP_DOMAIN_RESTREAM_TARGETS_H

#include <jansson.h>
#include <stddef.h>

#include "farmlive/config.h"
#include "farmlive/db.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/status.h"

#define SHOP_RESTREAM_TARGETS_MAX 4 /* per cooperative: each one is a copy of the stream up from the relay */
#define SHOP_RESTREAM_URL_MAX 1024  /* bytes of a push URL */
#define SHOP_RESTREAM_KEY_MAX 512   /* bytes of its secret part */
#define SHOP_RESTREAM_NAME_MAX 64   /* characters of a target's name */

/* Pure: where url's secret part starts (*key_at) when url is a push URL the
 * relay can use (rtmp:// or rtmps://, a host of letters, digits, dots and
 * dashes or a [bracketed] IPv6 address, an optional port 1..65535, at least
 * one path segment before a non-empty key, printable ASCII without spaces,
 * at most SHOP_RESTREAM_URL_MAX bytes, a key of at most
 * SHOP_RESTREAM_KEY_MAX). 0, or -1 with why in err. */
int shop_restream_url_split(const char *url, size_t *key_at, char *err, size_t errlen);
/* Pure: 1 when push URL url (valid, as above) names host (letters compared
 * without case; "localhost", 127.x.x.x and ::1 all one loopback) at port
 * (rtmp's default 1935, rtmps' 443), else 0. A target that is the
 * platform's own relay (FARMLIVE_RTMP_PUBLIC_URL's host and port, or
 * FARMLIVE_RELAY_HOST with FARMLIVE_RTMP_PORT) is refused by add: it would
 * push a session back into the relay (a loop). */
int shop_restream_url_points_at(const char *url, const char *host, int port);
/* Pure: the key as answers show it ("abcd…", or "…" for a short one). */
void shop_restream_key_hint(const char *key, char *out, size_t outlen);

/* A coop admin's (or a platform admin's) operations on coop_id's targets;
 * 404 for a cooperative or a target that is not there, 403 for others.
 * add: name 1..SHOP_RESTREAM_NAME_MAX characters, url as above (422 naming
 * the field), at most SHOP_RESTREAM_TARGETS_MAX per cooperative (422);
 * *out the target as listed. update: name (NULL: unchanged), enabled (-1:
 * unchanged). list: newest first, paged by id. */
int shop_restream_target_add(const fl_config *cfg, fl_db *db, const shop_actor *who, long long coop_id,
                             const char *name, const char *url, int enabled, json_t **out, shop_fault *f);
int shop_restream_target_list(fl_db *db, const shop_actor *who, long long coop_id, long long before, long long limit,
                              json_t **out, shop_fault *f);
int shop_restream_target_update(fl_db *db, const shop_actor *who, long long coop_id, long long target_id,
                                const char *name, int enabled, json_t **out, shop_fault *f);
int shop_restream_target_remove(fl_db *db, const shop_actor *who, long long coop_id, long long target_id,
                                shop_fault *f);

/* For the relay only (the internal publish answer): the enabled targets of
 * the session public_id's cooperative as [{"id":"t<N>","url":<in clear>}],
 * oldest first. A row the key cannot open (the key file was replaced) is
 * left out with a log line naming its id. */
int shop_restream_session_targets(const fl_config *cfg, fl_db *db, const char *public_id, json_t **out, shop_fault *f);

#endif

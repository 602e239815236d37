/* chat.c - a live room's chat (see shop/domain/chat.h): the rules around
 * the text rules of chat_text.c, MariaDB's live_chat / live_mutes /
 * chat_banned_words, the flood counter in Redis, and the room's topic.
 *
 *   post:  clean the text (422) -> the session (404, ended 409) -> the
 *          author and whether muted (403) -> the flood counter (429) ->
 *          banned words -> INSERT -> raise "chat" unless hidden
 *
 * Events are raised after the row is written (autocommit) and never fail
 * the caller: MariaDB holds the truth, the list serves a late joiner. */
#include "farmlive/shop/domain/chat.h"
#include "farmlive/shop/domain/live_room.h"
#include "farmlive/shop/domain/chat_text.h"
#include "farmlive/shop/domain/live.h"
#include "farmlive/shop/core/query.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/shop/rt/feed.h"
#include "farmlive/log.h"
#include "farmlive/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* INCR the account's window counter (the window starts with its first
 * message): {count, seconds left}. */
static const char flood_lua[] = "local n = redis.call('INCR', KEYS[1]) "
                                "local t = redis.call('TTL', KEYS[1]) "
                                "if t < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) t = tonumber(ARGV[1]) end "
                                "return {n, t}";

/* The room's rights for a moderation step: a farmer or admin of the
 * session's cooperative (or a platform admin). */
static int moderator(fl_db *db, const shop_actor *who, const char *public_id, shop_room *room, shop_fault *f)
{
    return shop_room_enter(db, who, public_id, 0, room, f);
}

/* Raises data on the room's topic; a lost event is logged, never the
 * caller's failure. */
static void room_raise(const shop_ctx *ctx, const char *public_id, const char *type, unsigned flags, json_t *data)
{
    char topic[SHOP_RT_TOPIC_MAX + 1];
    char *text = data ? json_dumps(data, JSON_COMPACT) : NULL;
    if (!text || shop_rt_topic_live(topic, public_id) != 0 ||
        shop_rt_publish(ctx->rt, topic, type, flags, text, strlen(text)) != 0)
        fl_log(FL_LOG_WARN, "chat_event_lost", "%s of %s not raised", type, public_id);
    free(text);
    json_decref(data);
}

/* One message as JSON. account_id < 0: not shown. */
static json_t *message_json(long long id, const char *public_id, const char *name, const char *text, int hidden,
                            const char *at, long long account_id)
{
    char masked[8];
    shop_chat_mask_name(name, masked);
    json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:b,s:s}", "id", (json_int_t)id, "live_id", public_id, "author", masked,
                          "text", shop_json_str(text), "hidden", hidden, "at", at);
    if (account_id >= 0)
        json_object_set_new(o, "account_id", json_integer(account_id));
    return o;
}

int shop_room_flood(fl_kv *kv, const char *what, long long account_id, int max, int window_s, shop_fault *f)
{
    char key[96];
    long long n = 0, ttl = window_s;
    snprintf(key, sizeof(key), "rl:%s:%lld", what, account_id);
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 1 %s %d", flood_lua, key, window_s);
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
        if (rep)
            freeReplyObject(rep);
        return shop_fault_kv(f);
    }
    n = rep->element[0]->integer;
    ttl = rep->element[1]->integer;
    freeReplyObject(rep);
    if (n <= max)
        return SHOP_OK;
    shop_fault_set(f, SHOP_E_RATE_LIMITED, NULL, "more than %d %s requests in %d seconds; try again in %lld seconds",
                   max, what, window_s, ttl > 0 ? ttl : 1);
    f->retry_after_s = ttl > 0 ? (int)ttl : 1;
    return SHOP_E_RATE_LIMITED;
}

/* 1 when text holds one of the cooperative's or the platform's banned
 * words; < 0 on a database fault (f filled). */
static int banned(fl_db *db, long long coop_id, const char *text, shop_fault *f)
{
    fl_rows *rows = NULL;
    const char *words[SHOP_CHAT_WORDS_MAX * 2];
    size_t n = 0;
    int rc = fl_db_query(db, &rows, "SELECT word FROM chat_banned_words WHERE scope_id IN (?, 0) ORDER BY id LIMIT ?",
                         "ii", coop_id, (long long)(SHOP_CHAT_WORDS_MAX * 2));
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    for (size_t i = 0; i < fl_rows_count(rows) && n < SHOP_CHAT_WORDS_MAX * 2; i++)
        words[n++] = fl_rows_str(rows, i, 0);
    rc = shop_chat_banned(text, words, n);
    fl_rows_free(rows);
    return rc;
}

int shop_chat_post(const shop_ctx *ctx, fl_db *db, fl_kv *kv, const shop_actor *who, const char *public_id,
                   const char *text, size_t len, json_t **out, shop_fault *f)
{
    enum { AC_NAME, AC_MUTED };
    char clean[SHOP_CHAT_MAX_BYTES + 1], at[FL_TIME_LEN], sqlat[FL_SQLTIME_LEN];
    size_t chars = 0;
    shop_room room;
    fl_rows *rows = NULL;
    long long now = (long long)time(NULL), id;
    int rc, hidden;

    *out = NULL;
    if (!who || who->account_id <= 0)
        return shop_fault_set(f, SHOP_E_UNAUTHORIZED, NULL, "sign in first");
    switch (shop_chat_text_clean(text, len, clean, &chars)) {
    case SHOP_CHAT_OK:
        break;
    case SHOP_CHAT_EMPTY:
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "text: nothing to post");
    case SHOP_CHAT_TOO_LONG:
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "text: at most %d characters", SHOP_CHAT_MAX_CHARS);
    default:
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "text: not valid UTF-8");
    }
    if ((rc = shop_room_enter(db, NULL, public_id, 0, &room, f)) < 0)
        return rc;
    if (strcmp(room.status, "ended") == 0)
        return shop_fault_set(f, SHOP_E_CONFLICT, "session_ended", "live session %s has ended", public_id);
    rc = fl_db_query(db, &rows,
                     "SELECT a.display_name, EXISTS (SELECT 1 FROM live_mutes m WHERE m.live_id = ? AND "
                     "m.account_id = a.id) FROM accounts a WHERE a.id = ?",
                     "ii", room.id, who->account_id);
    if ((rc = shop_found(rc, rows, f, SHOP_E_UNAUTHORIZED, "sign in first")) < 0)
        goto out_free;
    if (fl_rows_int(rows, 0, AC_MUTED)) {
        rc = shop_fault_set(f, SHOP_E_FORBIDDEN, "muted", "you are muted in live session %s", public_id);
        goto out_free;
    }
    if ((rc = shop_room_flood(kv, "chat", who->account_id, SHOP_CHAT_RATE_MAX, SHOP_CHAT_RATE_WINDOW_S, f)) < 0 ||
        (rc = hidden = banned(db, room.coop_id, clean, f)) < 0)
        goto out_free;
    fl_time_sql(now, sqlat);
    rc = fl_db_exec(db, "INSERT INTO live_chat (live_id, account_id, body, hidden, created_at) VALUES (?, ?, ?, ?, ?)",
                    "iisis", room.id, who->account_id, clean, (long long)hidden, sqlat);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out_free;
    }
    id = (long long)fl_db_insert_id(db);
    fl_time_format(now, at);
    *out = message_json(id, public_id, fl_rows_str(rows, 0, AC_NAME), clean, hidden, at, -1);
    if (!hidden)
        room_raise(ctx, public_id, SHOP_CHAT_EVENT, 0,
                   message_json(id, public_id, fl_rows_str(rows, 0, AC_NAME), clean, 0, at, -1));
    rc = SHOP_OK;
out_free:
    fl_rows_free(rows);
    return rc;
}

int shop_chat_list(fl_db *db, const shop_actor *who, const char *public_id, long long before, long long limit,
                   json_t **out, shop_fault *f)
{
    enum { LC_ID, LC_ACCOUNT, LC_NAME, LC_BODY, LC_HIDDEN, LC_AT };
    shop_room room;
    shop_fault ignored;
    fl_rows *rows = NULL;
    long long me = who ? who->account_id : 0;
    int rc, mod;

    *out = NULL;
    if ((rc = shop_room_enter(db, NULL, public_id, 0, &room, f)) < 0)
        return rc;
    mod = me > 0 && shop_rights_actor(db, who, room.coop_id, SHOP_MEMBER_FARMER, &ignored) == SHOP_OK;
    rc = fl_db_query(db, &rows,
                     "SELECT c.id, c.account_id, a.display_name, c.body, c.hidden, c.created_at FROM live_chat c "
                     "JOIN accounts a ON a.id = c.account_id WHERE c.live_id = ? AND c.deleted_at IS NULL AND "
                     "(c.hidden = 0 OR c.account_id = ?) AND (? = 0 OR c.id < ?) ORDER BY c.id DESC LIMIT ?",
                     "iiiii", room.id, me, before, before, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    json_t *items = json_array();
    for (size_t i = 0; i < fl_rows_count(rows) && i < (size_t)limit; i++) {
        char at[FL_TIME_LEN];
        fl_time_from_sql(fl_rows_str(rows, i, LC_AT), at);
        json_array_append_new(items, message_json(fl_rows_int(rows, i, LC_ID), public_id, fl_rows_str(rows, i, LC_NAME),
                                                  fl_rows_str(rows, i, LC_BODY), (int)fl_rows_int(rows, i, LC_HIDDEN),
                                                  at, mod ? fl_rows_int(rows, i, LC_ACCOUNT) : -1));
    }
    *out = json_pack("{s:o,s:o}", "items", items, "next_cursor", shop_cursor_next(rows, limit, LC_ID));
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_chat_delete(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, long long msg_id,
                     shop_fault *f)
{
    shop_room room;
    fl_rows *rows = NULL;
    int rc;

    if ((rc = moderator(db, who, public_id, &room, f)) < 0)
        return rc;
    rc = fl_db_exec(db,
                    "UPDATE live_chat SET deleted_at = NOW(3), deleted_by = ? WHERE id = ? AND live_id = ? AND "
                    "deleted_at IS NULL",
                    "iii", who->account_id, msg_id, room.id);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_db_affected(db) == 0) { /* unknown here, or deleted already */
        rc = fl_db_query(db, &rows, "SELECT 1 FROM live_chat WHERE id = ? AND live_id = ?", "ii", msg_id, room.id);
        rc = shop_found(rc, rows, f, SHOP_E_NOT_FOUND, "message %lld not found in live session %s", msg_id, public_id);
        fl_rows_free(rows);
        return rc;
    }
    room_raise(ctx, public_id, SHOP_CHAT_EVENT_DELETED, 0,
               json_pack("{s:I,s:s}", "id", (json_int_t)msg_id, "live_id", public_id));
    return SHOP_OK;
}

int shop_chat_mute(fl_db *db, const shop_actor *who, const char *public_id, long long account_id, long long message_id,
                   json_t **out, shop_fault *f)
{
    shop_room room;
    fl_rows *rows = NULL;
    int rc, role = SHOP_MEMBER_NONE;

    *out = NULL;
    if ((rc = moderator(db, who, public_id, &room, f)) < 0)
        return rc;
    if ((account_id > 0) == (message_id > 0))
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "name exactly one of account_id and message_id");
    if (account_id > 0)
        rc = fl_db_query(db, &rows, "SELECT id FROM accounts WHERE id = ?", "i", account_id);
    else
        rc = fl_db_query(db, &rows, "SELECT account_id FROM live_chat WHERE id = ? AND live_id = ?", "ii", message_id,
                         room.id);
    rc = shop_found(rc, rows, f, SHOP_E_VALIDATION,
                    account_id > 0 ? "account_id: no such account" : "message_id: no such message in this session");
    if (rc < 0)
        goto out_free;
    account_id = fl_rows_int(rows, 0, 0);
    if ((rc = shop_rights_member_role(db, room.coop_id, account_id, &role, f)) < 0)
        goto out_free;
    if (role != SHOP_MEMBER_NONE) {
        rc = shop_fault_set(f, SHOP_E_VALIDATION, NULL, "account %lld is a member of the session's cooperative",
                            account_id);
        goto out_free;
    }
    rc = fl_db_exec(db, "INSERT IGNORE INTO live_mutes (live_id, account_id, muted_by) VALUES (?, ?, ?)", "iii",
                    room.id, account_id, who->account_id);
    if (rc != FL_DB_OK) {
        rc = shop_fault_db(f, rc);
        goto out_free;
    }
    *out = json_pack("{s:s,s:I}", "live_id", public_id, "account_id", (json_int_t)account_id);
    rc = SHOP_OK;
out_free:
    fl_rows_free(rows);
    return rc;
}

int shop_chat_unmute(fl_db *db, const shop_actor *who, const char *public_id, long long account_id, shop_fault *f)
{
    shop_room room;
    int rc;
    if ((rc = moderator(db, who, public_id, &room, f)) < 0)
        return rc;
    rc = fl_db_exec(db, "DELETE FROM live_mutes WHERE live_id = ? AND account_id = ?", "ii", room.id, account_id);
    return rc == FL_DB_OK ? SHOP_OK : shop_fault_db(f, rc);
}

/* ---- banned words ------------------------------------------------------------ */

static json_t *word_json(const fl_rows *rows, size_t i)
{
    enum { WC_ID, WC_WORD, WC_AT };
    char at[FL_TIME_LEN];
    fl_time_from_sql(fl_rows_str(rows, i, WC_AT), at);
    return json_pack("{s:I,s:o,s:s}", "id", (json_int_t)fl_rows_int(rows, i, WC_ID), "word",
                     shop_json_str(fl_rows_str(rows, i, WC_WORD)), "created_at", at);
}

#define WORD_SELECT "SELECT id, word, created_at FROM chat_banned_words "

/* Whether who keeps the list of scope (a cooperative's id: its admins; 0,
 * the platform's: the platform admins). */
static int word_rights(fl_db *db, const shop_actor *who, long long scope, shop_fault *f)
{
    if (scope != 0)
        return shop_rights_coop_enter(db, scope, who->account_id, who->platform_admin, SHOP_MEMBER_ADMIN, f);
    if (!who->platform_admin)
        return shop_fault_set(f, SHOP_E_FORBIDDEN, NULL, "the platform's banned words are its admins'");
    return SHOP_OK;
}

/* "cooperative 7" or "the platform", for messages. */
static const char *scope_name(long long scope, char buf[40])
{
    if (scope == 0)
        return "the platform";
    snprintf(buf, 40, "cooperative %lld", scope);
    return buf;
}

int shop_chat_word_add(fl_db *db, const shop_actor *who, long long scope, const char *word, json_t **out, shop_fault *f)
{
    char clean[SHOP_CHAT_MAX_BYTES + 1], name[40];
    size_t chars = 0;
    fl_rows *rows = NULL;
    int rc;

    *out = NULL;
    if ((rc = word_rights(db, who, scope, f)) < 0)
        return rc;
    if (shop_chat_text_clean(word, strlen(word), clean, &chars) != SHOP_CHAT_OK || chars > SHOP_CHAT_WORD_MAX)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "word: 1 to %d characters of valid UTF-8",
                              SHOP_CHAT_WORD_MAX);
    rc = fl_db_query(db, &rows, "SELECT COUNT(*) FROM chat_banned_words WHERE scope_id = ?", "i", scope);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    rc = fl_rows_int(rows, 0, 0) >= SHOP_CHAT_WORDS_MAX;
    fl_rows_free(rows);
    rows = NULL;
    if (rc)
        return shop_fault_set(f, SHOP_E_VALIDATION, NULL, "word: %s already has %d banned words",
                              scope_name(scope, name), SHOP_CHAT_WORDS_MAX);
    rc = fl_db_exec(db, "INSERT INTO chat_banned_words (coop_id, word) VALUES (NULLIF(?, 0), ?)", "is", scope, clean);
    if (rc == FL_DB_EDUP)
        return shop_fault_set(f, SHOP_E_CONFLICT, "duplicate", "word: already banned in %s", scope_name(scope, name));
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    rc = fl_db_query(db, &rows, WORD_SELECT "WHERE id = ?", "i", (long long)fl_db_insert_id(db));
    if ((rc = shop_found(rc, rows, f, SHOP_E_INTERNAL, "the new word vanished")) == SHOP_OK)
        *out = word_json(rows, 0);
    fl_rows_free(rows);
    return rc;
}

int shop_chat_word_list(fl_db *db, const shop_actor *who, long long scope, long long before, long long limit,
                        json_t **out, shop_fault *f)
{
    fl_rows *rows = NULL;
    size_t key = 0;
    int rc;

    *out = NULL;
    if ((rc = word_rights(db, who, scope, f)) < 0)
        return rc;
    rc = fl_db_query(db, &rows, WORD_SELECT "WHERE scope_id = ? AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ?", "iiii",
                     scope, before, before, limit + 1);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    *out = shop_page_json(rows, limit, word_json, &key, 1);
    fl_rows_free(rows);
    return SHOP_OK;
}

int shop_chat_word_remove(fl_db *db, const shop_actor *who, long long scope, long long word_id, shop_fault *f)
{
    char name[40];
    int rc;
    if ((rc = word_rights(db, who, scope, f)) < 0)
        return rc;
    rc = fl_db_exec(db, "DELETE FROM chat_banned_words WHERE id = ? AND scope_id = ?", "ii", word_id, scope);
    if (rc != FL_DB_OK)
        return shop_fault_db(f, rc);
    if (fl_db_affected(db) == 0)
        return shop_fault_set(f, SHOP_E_NOT_FOUND, NULL, "banned word %lld not found in %s", word_id,
                              scope_name(scope, name));
    return SHOP_OK;
}

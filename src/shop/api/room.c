/* room.c - a live room's chat, mutes, likes and banned words over HTTP
 * (routes in shop/api/room.h): parse, call domain/chat.c or
 * domain/room_counts.c, answer. */
#include "farmlive/shop/api/room.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/domain/chat.h"
#include "farmlive/shop/domain/chat_text.h"
#include "farmlive/shop/domain/room_counts.h"

#include <limits.h>
#include <string.h>

/* The list's page: the standard cursor and limit, 50 when no limit is
 * given (a late joiner's backlog). */
static int chat_page(shop_req *r, shop_page *pg)
{
    int rc;
    if ((rc = shop_query_page(r, 1, pg)) < 0)
        return rc;
    if (!shop_query(r, "limit"))
        pg->limit = SHOP_CHAT_BACKLOG;
    return SHOP_OK;
}

int shop_room_chat_post(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    const char *text = NULL;
    json_t *out = NULL;
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_body_str(r, "text", 1, 0, SHOP_CHAT_MAX_BYTES, &text)) < 0 || (rc = shop_db(r, &db)) < 0 ||
        (rc = shop_kv(r, &kv)) < 0)
        return rc;
    rc = shop_chat_post(r->ctx, db, kv, &who, shop_param(r, 0), text, strlen(text), &out, &f);
    return shop_reply_outcome(r, rc, 201, out, &f);
}

int shop_room_chat_list(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_page pg;
    shop_fault f;
    int rc;

    if ((rc = chat_page(r, &pg)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_chat_list(db, &who, shop_param(r, 0), pg.after[0], pg.limit, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_room_chat_delete(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long msg = 0;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, 1, &msg)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_chat_delete(r->ctx, db, &who, shop_param(r, 0), msg, &f);
    return shop_reply_outcome(r, rc, 204, NULL, &f);
}

int shop_room_mute(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long account = 0, message = 0;
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_body_int(r, "account_id", 0, 1, LLONG_MAX, &account, NULL)) < 0 ||
        (rc = shop_body_int(r, "message_id", 0, 1, LLONG_MAX, &message, NULL)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_chat_mute(db, &who, shop_param(r, 0), account, message, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

int shop_room_unmute(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long account = 0;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, 1, &account)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_chat_unmute(db, &who, shop_param(r, 0), account, &f);
    return shop_reply_outcome(r, rc, 204, NULL, &f);
}

int shop_room_likes_post(shop_req *r)
{
    shop_actor who = shop_auth_actor(r);
    long long taps = 1;
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_body_int(r, "taps", 0, 1, SHOP_ROOM_TAPS_MAX, &taps, NULL)) < 0 || (rc = shop_db(r, &db)) < 0 ||
        (rc = shop_kv(r, &kv)) < 0)
        return rc;
    rc = shop_room_like(db, kv, &who, shop_param(r, 0), taps, &f);
    return shop_reply_outcome(r, rc, 202, rc < 0 ? NULL : json_pack("{s:I}", "taps", (json_int_t)taps), &f);
}

/* ---- banned words ------------------------------------------------------------ */

/* A scope's words (a cooperative's id, or 0: the platform's); the word's
 * id in path parameter word_param. */
static int words_list(shop_req *r, long long scope)
{
    shop_actor who = shop_auth_actor(r);
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_page pg;
    shop_fault f;
    int rc;

    if ((rc = shop_query_page(r, 1, &pg)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_chat_word_list(db, &who, scope, pg.after[0], pg.limit, &out, &f);
    return shop_reply_outcome(r, rc, 200, out, &f);
}

static int words_add(shop_req *r, long long scope)
{
    shop_actor who = shop_auth_actor(r);
    const char *word = NULL;
    json_t *out = NULL;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_body_str(r, "word", 1, 1, SHOP_CHAT_WORD_MAX, &word)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_chat_word_add(db, &who, scope, word, &out, &f);
    return shop_reply_outcome(r, rc, 201, out, &f);
}

static int words_remove(shop_req *r, long long scope, int word_param)
{
    shop_actor who = shop_auth_actor(r);
    long long word = 0;
    fl_db *db = NULL;
    shop_fault f;
    int rc;

    if ((rc = shop_param_id(r, word_param, &word)) < 0 || (rc = shop_db(r, &db)) < 0)
        return rc;
    rc = shop_chat_word_remove(db, &who, scope, word, &f);
    return shop_reply_outcome(r, rc, 204, NULL, &f);
}

int shop_room_words_list(shop_req *r)
{
    long long coop = 0;
    int rc = shop_param_id(r, 0, &coop);
    return rc < 0 ? rc : words_list(r, coop);
}

int shop_room_words_add(shop_req *r)
{
    long long coop = 0;
    int rc = shop_param_id(r, 0, &coop);
    return rc < 0 ? rc : words_add(r, coop);
}

int shop_room_words_remove(shop_req *r)
{
    long long coop = 0;
    int rc = shop_param_id(r, 0, &coop);
    return rc < 0 ? rc : words_remove(r, coop, 1);
}

int shop_room_platform_words_list(shop_req *r)
{
    return words_list(r, 0);
}

int shop_room_platform_words_add(shop_req *r)
{
    return words_add(r, 0);
}

int shop_room_platform_words_remove(shop_req *r)
{
    return words_remove(r, 0, 0);
}

/* shop/domain/chat.h - a live room's chat (chat.c): post, the room's last
 * messages, delete, mute, and each cooperative's banned words. The text
 * rules themselves (what a message may hold, the banned-word match, masked
 * names) are chat_text.h; the HTTP side is api/room.c.
 *
 * A message is stored in live_chat after shop_chat_text_clean, then raised
 * on the room's topic (rt/feed.h, live:{public_id}) once committed:
 *
 *   chat           {"seq":..,"id":812,"live_id":"9f1c2a7be0d34c55",
 *                   "author":"张**","text":"<b>hi</b>","at":"2026-12-06T15:30:00Z"}
 *   chat_deleted   {"seq":..,"id":812,"live_id":"9f1c2a7be0d34c55"}
 *
 * text is text: HTML stays as typed and is never markup to anything the
 * shop serves. A message with a banned word (the cooperative's list plus
 * the platform's) is stored hidden: its author gets it back (hidden: true)
 * and sees it in the room's list, nobody else does, and it is not raised.
 * Authors are shown masked (shop_chat_mask_name); the account id behind a
 * message is shown to the session's farmers and admins only, who mute by
 * message id or account id.
 *
 * Flood: SHOP_CHAT_RATE_MAX messages per account per SHOP_CHAT_RATE_WINDOW_S
 * (a Redis counter, all rooms together); past it 429 with Retry-After, the
 * other accounts unaffected. */
#ifndef FARMLIVE_SHOP_DOMAIN_CHAT_H
#define FARMLIVE_SHOP_DOMAIN_CHAT_H

#include <jansson.h>
#include <stddef.h>
#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/rights.h"
#include "farmlive/shop/core/status.h"

#define SHOP_CHAT_BACKLOG 50 /* messages a late joiner gets (the list's default page) */
#define SHOP_CHAT_RATE_MAX 5 /* messages per account per window */
#define SHOP_CHAT_RATE_WINDOW_S 10
#define SHOP_CHAT_WORD_MAX 64   /* characters of a banned word */
#define SHOP_CHAT_WORDS_MAX 500 /* banned words per cooperative */
#define SHOP_CHAT_EVENT "chat"
#define SHOP_CHAT_EVENT_DELETED "chat_deleted"

/* The flood check of one kind of request (what: "chat", "like") by an
 * account: at most max per window_s seconds, counted in Redis from the
 * first. SHOP_OK (counted), 429 with retry_after_s, or a Redis fault. */
int shop_room_flood(fl_kv *kv, const char *what, long long account_id, int max, int window_s, shop_fault *f);

/* Posts text (len bytes, as received) to the room for who (signed in). The
 * session must not be ended (409), who not muted there (403 "muted"), the
 * text valid (422: empty, over SHOP_CHAT_MAX_CHARS, not UTF-8), who under
 * the rate limit (429 with retry_after_s). *out: the stored message (its
 * "hidden" says whether the room sees it). Raises "chat" when visible. */
int shop_chat_post(const shop_ctx *ctx, fl_db *db, fl_kv *kv, const shop_actor *who, const char *public_id,
                   const char *text, size_t len, json_t **out, shop_fault *f);

/* The room's messages, newest first: visible ones, and who's own hidden
 * ones (who may be anonymous: account_id 0); deleted ones never. before: the
 * previous page's last id (0: the newest); limit 1..100. The session's
 * farmers and admins also see each message's account_id. *out: {"items",
 * "next_cursor"}. */
int shop_chat_list(fl_db *db, const shop_actor *who, const char *public_id, long long before, long long limit,
                   json_t **out, shop_fault *f);

/* Deletes message msg_id of the room (a farmer or admin of the session's
 * cooperative, else 403; unknown 404; deleting twice is fine). Raises
 * "chat_deleted" the first time. */
int shop_chat_delete(const shop_ctx *ctx, fl_db *db, const shop_actor *who, const char *public_id, long long msg_id,
                     shop_fault *f);

/* Mutes an account in the room for the rest of the session (a farmer or
 * admin of the session's cooperative): account_id, or the author of
 * message_id in the room when account_id is 0. Muting the session's own
 * members is refused (422). Idempotent. *out: {"live_id","account_id"}. */
int shop_chat_mute(fl_db *db, const shop_actor *who, const char *public_id, long long account_id, long long message_id,
                   json_t **out, shop_fault *f);
/* Lifts a mute (same rights; absent is fine). */
int shop_chat_unmute(fl_db *db, const shop_actor *who, const char *public_id, long long account_id, shop_fault *f);

/* Banned words of a scope: a cooperative's (scope: its id; its admins) or
 * the platform's (scope 0; platform admins; they hide messages in every
 * cooperative's rooms). Add (word: 1..SHOP_CHAT_WORD_MAX characters, kept
 * as given, matched without ASCII case; twice in one scope is 409; at most
 * SHOP_CHAT_WORDS_MAX per scope), list (newest first, paged by id), remove
 * (404 unknown in that scope). */
int shop_chat_word_add(fl_db *db, const shop_actor *who, long long scope, const char *word, json_t **out,
                       shop_fault *f);
int shop_chat_word_list(fl_db *db, const shop_actor *who, long long scope, long long before, long long limit,
                        json_t **out, shop_fault *f);
int shop_chat_word_remove(fl_db *db, const shop_actor *who, long long scope, long long word_id, shop_fault *f);

#endif

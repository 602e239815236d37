/* shop/domain/flash_counter.h - a flash sale's counter in Redis, and the
 * Lua that keeps it (flash_counter.c).
 *
 * Keys, one hash slot per sale ({ID}):
 *   flash:{ID}:stock          units left (the counter)
 *   flash:{ID}:buyers         hash account -> units it holds
 *   flash:{ID}:gen            counts takes and gives (the rebuild's idle check)
 *   flash:{ID}:seen           gen at the rebuild's previous pass
 *   flash:{ID}:idem:ACCT:KEY  an Idempotency-Key's mark:
 *        "P <hash>"                    units taken: the order is being
 *                                      written, or was (its answer is then
 *                                      in MariaDB)
 *        "R <hash> <why> <request id>" refused (sold out, limit)
 *
 * The take (one script, sent on the Redis batch with others) looks the
 * buyer's session up (core/auth.h: deferred sessions), answers a key's
 * earlier mark, else checks stock and the buyer's limit and takes both in
 * one step: a refusal is stored as the key's mark and costs MariaDB
 * nothing. A won key needs no second write: its "P" mark sends a retry to
 * MariaDB, and once the mark has expired the buyer holds units, which does
 * too. Units an order leaves unsold go back with the give script. The
 * rebuild recreates a missing counter from MariaDB and corrects one that
 * disagrees with it while no take or give happened since its previous pass
 * (start-up, the flash_counters job every few seconds, a take that found no
 * counter). */
#ifndef FARMLIVE_SHOP_DOMAIN_FLASH_COUNTER_H
#define FARMLIVE_SHOP_DOMAIN_FLASH_COUNTER_H

#include "farmlive/db.h"
#include "farmlive/kv.h"
#include "farmlive/shop/core/ctx.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/core/kvbatch.h"

/* The take's answers: >= 0 taken (the counter after the take, which is the
 * first of the slots the order claims), or one of these. */
enum {
    SHOP_FLASH_TAKE_SOLD_OUT = -1,
    SHOP_FLASH_TAKE_LIMIT = -2,
    SHOP_FLASH_TAKE_MISSING = -3, /* no counter: rebuild it, then take again */
    SHOP_FLASH_TAKE_EARLIER = -5, /* the key has a mark: the take's fifth element */
    SHOP_FLASH_TAKE_NO_SESSION = -6,
    SHOP_FLASH_TAKE_DOWN = -100 /* Redis did not answer (not the script's) */
};

/* The take's Lua. KEYS: the buyer's session, stock, buyers, gen. ARGV:
 * session ttl, units, limit, request hash, request id, pending ttl, answer
 * ttl, the mark's prefix (flash:{ID}:idem:), the Idempotency-Key. It
 * starts with the session's lookup, which is the request's business: the
 * API layer puts core/auth.h's SHOP_AUTH_SESSION_LUA (the function
 * session()) before it and makes the script (api/flash.c). Nothing is read
 * or taken for an unknown session; the mark's key (prefix, account id,
 * ':', the key) is known only then (so this script needs a standalone
 * Redis, not a Cluster: the session and the mark are not all in KEYS, nor
 * in one hash slot). Answers {v, account_id, platform_admin, csrf[, more]},
 * the session's fields (nil with v = -6: no session): v >= 0 taken (the
 * counter after the take); -1 sold out / -2 limit, the refusal stored as
 * the key's mark; the same with more = "db": refused, but the buyer holds
 * units, so the key may have won before Redis lost its mark: MariaDB
 * decides; -3 counter missing; -5 with the key's mark in more. */
#define SHOP_FLASH_TAKE_LUA                                                                                            \
    "local u = session(KEYS[1], ARGV[1]) "                                                                             \
    "if not (u[1] and u[3]) then return {-6, false, false, false} end "                                                \
    "local function answer(v, more, left, held) return {v, u[1], u[2], u[3], more or false, left or false, "           \
    "held or false} end "                                                                                              \
    "local mk = ARGV[8] .. u[1] .. ':' .. ARGV[9] "                                                                    \
    "local v = redis.call('GET', mk) "                                                                                 \
    "if v then return answer(-5, v) end "                                                                              \
    "local s = redis.call('GET', KEYS[2]) "                                                                            \
    "if not s then return answer(-3) end "                                                                             \
    "local q = tonumber(ARGV[2]) "                                                                                     \
    "local b = tonumber(redis.call('HGET', KEYS[3], u[1]) or '0') "                                                    \
    "local why = 0 "                                                                                                   \
    "if b + q > tonumber(ARGV[3]) then why = -2 elseif tonumber(s) < q then why = -1 end "                             \
    "if why < 0 then "                                                                                                 \
    "  if b > 0 then return answer(why, 'db', tonumber(s), b) end "                                                    \
    "  redis.call('SET', mk, 'R ' .. ARGV[4] .. ' ' .. why .. ' ' .. ARGV[5] .. ' ' .. s .. ' ' .. b, 'EX', ARGV[7]) " \
    "  return answer(why, false, tonumber(s), b) "                                                                     \
    "end "                                                                                                             \
    "redis.call('DECRBY', KEYS[2], q) "                                                                                \
    "redis.call('HINCRBY', KEYS[3], u[1], q) "                                                                         \
    "redis.call('INCR', KEYS[4]) "                                                                                     \
    "redis.call('SET', mk, 'P ' .. ARGV[4], 'EX', ARGV[6]) "                                                           \
    "return answer(tonumber(s) - q)"

/* One take's call (argv[0] and [1] are the batch's: EVALSHA and the SHA1),
 * with the storage its arguments point to. */
#define SHOP_FLASH_TAKE_ARGC 16
typedef struct shop_flash_take_call {
    const char *argv[SHOP_FLASH_TAKE_ARGC];
    size_t lens[SHOP_FLASH_TAKE_ARGC];
    char units[24], limit[24], ttl[16], pending_ttl[16], mark_ttl[16], prefix[48];
    char stock[48], buyers[48], gen[48];
} shop_flash_take_call;

/* Fills c with the take of units by the session whose Redis key is
 * session_key (ttl: its sliding expiry) in sale_id (per-buyer limit) for
 * key k (its account id still unknown: the script finds it). request_id is
 * kept in a refusal's mark. k and the strings must outlive c's use. */
void shop_flash_take_call_init(shop_flash_take_call *c, long long sale_id, const char *session_key, int session_ttl,
                               long long units, long long limit, const shop_idem *k, const char *request_id);

/* Gives units back to the counter (and to the buyer's count when
 * buyer_too), and drops k's in-flight mark when k is given. Best effort:
 * logged when Redis does not answer (the rebuild corrects the counter). */
void shop_flash_give_back(fl_kv *kv, long long sale_id, long long buyer, long long units, int buyer_too,
                          const shop_idem *k);
/* A cancelled or refunded order's units, after its commit
 * (shop_flash_release_tx): back to the counter and the buyer. */
void shop_flash_release_kv(fl_kv *kv, long long sale_id, long long buyer, long long units);

/* Stores a refusal (why: SHOP_FLASH_TAKE_SOLD_OUT or _LIMIT, with the
 * units left and the buyer's held then, answered with request_id) as k's
 * mark: replacing an in-flight one when `replace`,
 * else only where none is set. Best effort (kv may be NULL). */
void shop_flash_mark_refusal(fl_kv *kv, long long sale_id, const shop_idem *k, int why, long long left, long long held,
                             const char *request_id, int replace);

/* What an earlier mark of k says. */
enum {
    SHOP_FLASH_MARK_REUSED = 1, /* the key was used with another request */
    SHOP_FLASH_MARK_REFUSED,    /* refused: *why, *left, *held (-1: not kept) and the first request's id */
    SHOP_FLASH_MARK_PENDING     /* taken: the order is being written (or MariaDB has its answer) */
};
int shop_flash_mark_parse(const char *mark, const shop_idem *k, int *why, long long *left, long long *held,
                          char request_id[33]);

/* Rebuilds (or corrects) the counters of sale `only` (0: every current
 * Redis-mode sale) from MariaDB. The number of sales looked at, or -1 when
 * MariaDB or Redis could not be reached. */
int shop_flash_counters_rebuild(fl_db *db, fl_kv *kv, long long only);
/* The same for every sale, as a periodic job (core/jobs.h). */
int shop_flash_rebuild(shop_ctx *ctx);

#endif

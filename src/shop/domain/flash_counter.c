/* flash_counter.c - a flash sale's Redis counter: the take, give and
 * rebuild scripts and the Idempotency-Key's marks (see flash_counter.h). */
#include "farmlive/shop/domain/flash_counter.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <stdio.h>
#include <string.h>

#define MARK_PENDING_TTL_S 30
#define MARK_TTL_S (48 * 3600) /* as long as MariaDB keeps answers (idempotency_purge after 48 h) */
/* the take (SHOP_FLASH_TAKE_LUA) builds a mark's key from this prefix; mark_key the same */
#define MARK_PREFIX "flash:{%lld}:idem:"
#define MARK_KEY_MAX 320

/* KEYS: stock, buyers, gen, idem. ARGV: account, units, whether the
 * buyer's units go back too, the request hash whose in-flight mark goes
 * ("" for none). */
static const char give_lua[] =
    "if ARGV[4] ~= '' and redis.call('GET', KEYS[4]) == 'P ' .. ARGV[4] then redis.call('DEL', KEYS[4]) end "
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end "
    "redis.call('INCRBY', KEYS[1], ARGV[2]) "
    "if ARGV[3] == '1' and tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') >= tonumber(ARGV[2]) then "
    "  redis.call('HINCRBY', KEYS[2], ARGV[1], -tonumber(ARGV[2])) end "
    "redis.call('INCR', KEYS[3]) "
    "return 1";

/* KEYS: stock, buyers, gen, seen. ARGV: remaining, ttl, "check" or "fix",
 * then (with "fix") account/units pairs. Answers 0 (nothing to fix), 1
 * (counter recreated) or 2 (corrected: no take or give since the last
 * pass, yet it differs from MariaDB); with "check", -1 or -2 instead of
 * fixing, and nothing is written: the caller then reads the buyers and
 * sends "fix", which decides again. */
static const char rebuild_lua[] =
    "local g = redis.call('GET', KEYS[3]) or '0' "
    "local fix = 0 "
    "if redis.call('EXISTS', KEYS[1]) == 0 then fix = 1 "
    "elseif redis.call('GET', KEYS[4]) == g and redis.call('GET', KEYS[1]) ~= ARGV[1] then fix = 2 end "
    "if fix > 0 and ARGV[3] == 'check' then return -fix end "
    "if fix > 0 then "
    "  redis.call('SET', KEYS[1], ARGV[1]) redis.call('DEL', KEYS[2]) "
    "  for i = 4, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end "
    "end "
    "redis.call('SET', KEYS[4], g) "
    "for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end "
    "return fix";

/* seen (the rebuild's) may be NULL */
static void keys_of(long long id, char stock[48], char buyers[48], char gen[48], char seen[48])
{
    snprintf(stock, 48, "flash:{%lld}:stock", id);
    snprintf(buyers, 48, "flash:{%lld}:buyers", id);
    snprintf(gen, 48, "flash:{%lld}:gen", id);
    if (seen)
        snprintf(seen, 48, "flash:{%lld}:seen", id);
}

static void mark_key(char out[MARK_KEY_MAX], long long sale_id, const shop_idem *k)
{
    snprintf(out, MARK_KEY_MAX, MARK_PREFIX "%lld:%s", sale_id, k->account_id, k->key);
}

/* ---- the take ----------------------------------------------------------- */

void shop_flash_take_call_init(shop_flash_take_call *c, long long sale_id, const char *session_key, int session_ttl,
                               long long units, long long limit, const shop_idem *k, const char *request_id)
{
    keys_of(sale_id, c->stock, c->buyers, c->gen, NULL);
    snprintf(c->ttl, sizeof(c->ttl), "%d", session_ttl);
    snprintf(c->units, sizeof(c->units), "%lld", units);
    snprintf(c->limit, sizeof(c->limit), "%lld", limit);
    snprintf(c->pending_ttl, sizeof(c->pending_ttl), "%d", MARK_PENDING_TTL_S);
    snprintf(c->mark_ttl, sizeof(c->mark_ttl), "%d", MARK_TTL_S);
    snprintf(c->prefix, sizeof(c->prefix), MARK_PREFIX, sale_id);
    const char *av[SHOP_FLASH_TAKE_ARGC] = {NULL,           NULL,        "4",       session_key, c->stock, c->buyers,
                                            c->gen,         c->ttl,      c->units,  c->limit,    k->hash,  request_id,
                                            c->pending_ttl, c->mark_ttl, c->prefix, k->key};
    for (int i = 2; i < SHOP_FLASH_TAKE_ARGC; i++) {
        c->argv[i] = av[i];
        c->lens[i] = strlen(av[i]);
    }
}

/* ---- giving back, marks ------------------------------------------------- */

void shop_flash_give_back(fl_kv *kv, long long sale_id, long long buyer, long long units, int buyer_too,
                          const shop_idem *k)
{
    char stock[48], buyers[48], gen[48], mark[MARK_KEY_MAX], acct[24], n[24];
    if (!kv)
        return;
    keys_of(sale_id, stock, buyers, gen, NULL);
    if (k)
        mark_key(mark, sale_id, k);
    else
        snprintf(mark, sizeof(mark), "flash:{%lld}:none", sale_id);
    snprintf(acct, sizeof(acct), "%lld", buyer);
    snprintf(n, sizeof(n), "%lld", units);
    const char *av[] = {"EVAL",          give_lua, "4", stock, buyers, gen, mark, acct, n, buyer_too ? "1" : "0",
                        k ? k->hash : ""};
    redisReply *rep = fl_kv_cmdargv(kv, 11, av, NULL); /* NULL: hiredis takes strlen */
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_WARN, "flash_give_back_failed", "sale %lld: %lld units not returned to Redis (the rebuild will)",
               sale_id, units);
    if (rep)
        freeReplyObject(rep);
}

void shop_flash_release_kv(fl_kv *kv, long long sale_id, long long buyer, long long units)
{
    shop_flash_give_back(kv, sale_id, buyer, units, 1, NULL);
}

void shop_flash_mark_refusal(fl_kv *kv, long long sale_id, const shop_idem *k, int why, long long left, long long held,
                             const char *request_id, int replace)
{
    char key[MARK_KEY_MAX], value[160];
    if (!kv)
        return;
    mark_key(key, sale_id, k);
    snprintf(value, sizeof(value), "R %s %d %s %lld %lld", k->hash, why, request_id, left, held);
    redisReply *rep = replace ? fl_kv_cmd(kv, "SET %s %s EX %d", key, value, MARK_TTL_S)
                              : fl_kv_cmd(kv, "SET %s %s EX %d NX", key, value, MARK_TTL_S);
    if (rep)
        freeReplyObject(rep);
}

int shop_flash_mark_parse(const char *mark, const shop_idem *k, int *why, long long *left, long long *held,
                          char request_id[33])
{
    *left = *held = -1;
    if (strlen(mark) < 66 || (mark[0] != 'P' && mark[0] != 'R') || mark[1] != ' ' ||
        strncmp(mark + 2, k->hash, 64) != 0)
        return SHOP_FLASH_MARK_REUSED;
    if (mark[0] == 'R' && sscanf(mark + 66, " %d %32s %lld %lld", why, request_id, left, held) >= 2)
        return SHOP_FLASH_MARK_REFUSED;
    return SHOP_FLASH_MARK_PENDING;
}

/* ---- rebuilding from MariaDB -------------------------------------------- */

#define REBUILD_NO_ANSWER (-100) /* rebuild_call: Redis gave no answer */

static const char BUYERS_SQL[] = "SELECT account_id, units FROM flash_buyers WHERE sale_id = ? AND units > 0";
enum { FB_ACCOUNT, FB_UNITS };

/* rebuild_lua on one sale: mode "check" (no buyers) or "fix" (the
 * buyers' rows); the script's answer, or REBUILD_NO_ANSWER. */
static long long rebuild_call(fl_kv *kv, long long id, const char *rem, const char *ttl, const char *mode,
                              const fl_rows *buyers)
{
    char stock[48], bkey[48], gen[48], seen[48];
    size_t nb = buyers ? fl_rows_count(buyers) : 0, argc = 10 + 2 * nb;
    const char **av = fl_calloc(argc, sizeof(*av));
    long long v = REBUILD_NO_ANSWER;
    keys_of(id, stock, bkey, gen, seen);
    const char *fixed[] = {"EVAL", rebuild_lua, "4", stock, bkey, gen, seen, rem, ttl, mode};
    for (size_t i = 0; i < 10; i++)
        av[i] = fixed[i];
    for (size_t i = 0; i < nb; i++) {
        av[10 + 2 * i] = fl_rows_str(buyers, i, FB_ACCOUNT);
        av[11 + 2 * i] = fl_rows_str(buyers, i, FB_UNITS);
    }
    redisReply *rep = fl_kv_cmdargv(kv, (int)argc, av, NULL); /* NUL-ended: hiredis takes strlen */
    if (rep && rep->type == REDIS_REPLY_INTEGER)
        v = rep->integer;
    else if (rep && rep->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_ERROR, "redis_error", "flash rebuild: %s", rep->str);
    if (rep)
        freeReplyObject(rep);
    fl_free(av);
    return v;
}

/* Rebuilds (or corrects) one sale's counters from MariaDB. The buyers'
 * rows (one per winner) are read only when the counter needs them: a
 * periodic pass over many live sales costs one small call each. 0, or -1
 * when a server could not be reached. */
static int rebuild_one(fl_db *db, fl_kv *kv, long long id, long long remaining, long long ttl)
{
    fl_rows *rows = NULL;
    char rem[24], ttls[24];
    snprintf(rem, sizeof(rem), "%lld", remaining);
    snprintf(ttls, sizeof(ttls), "%lld", ttl > 0 ? ttl : 1);
    long long v = rebuild_call(kv, id, rem, ttls, "check", NULL);
    if (v == REBUILD_NO_ANSWER)
        return -1;
    if (v >= 0) /* nothing to fix */
        return 0;
    if (fl_db_query(db, &rows, BUYERS_SQL, "i", id) != FL_DB_OK)
        return -1;
    v = rebuild_call(kv, id, rem, ttls, "fix", rows);
    fl_rows_free(rows);
    if (v > 0)
        fl_log(FL_LOG_INFO, "flash_counter_rebuilt", "sale %lld: counter %s from MariaDB: %lld left", id,
               v == 1 ? "recreated" : "corrected", remaining);
    return v >= 0 ? 0 : -1;
}

static const char SALES_LIVE_SQL[] =
    "SELECT f.id, (SELECT COUNT(*) FROM flash_slots s WHERE s.sale_id = f.id AND s.order_id IS NULL), "
    "TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), f.ends_at) + 86400 FROM flash_sales f "
    "WHERE f.mode = 'redis' AND f.released = 0 AND f.ends_at > UTC_TIMESTAMP(3) AND (? = 0 OR f.id = ?)";
enum { LV_ID, LV_FREE, LV_TTL };

int shop_flash_counters_rebuild(fl_db *db, fl_kv *kv, long long only)
{
    fl_rows *rows = NULL;
    int n = 0;
    if (fl_db_query(db, &rows, SALES_LIVE_SQL, "ii", only, only) != FL_DB_OK)
        return -1;
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        if (rebuild_one(db, kv, fl_rows_int(rows, i, LV_ID), fl_rows_int(rows, i, LV_FREE),
                        fl_rows_int(rows, i, LV_TTL)) < 0) {
            n = -1;
            break;
        }
        n++;
    }
    fl_rows_free(rows);
    return n;
}

int shop_flash_rebuild(shop_ctx *ctx)
{
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    int n = -1;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        goto out_release;
    if (fl_kv_acquire(ctx->kv, &kv) != FL_KV_OK)
        goto out_release;
    n = shop_flash_counters_rebuild(db, kv, 0);
out_release:
    fl_kv_release(kv);
    fl_db_release(db);
    return n;
}

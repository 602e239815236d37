/* flash.c - flash sales that never oversell.
 *
 *   POST /api/v1/flash-sales               coop admin: {sku_id, price_fen, quantity,
 *                                          per_buyer_limit?, starts_at, ends_at, mode?}
 *   GET  /api/v1/flash-sales/{id}          the sale, with units left
 *   POST /api/v1/flash-sales/{id}/orders   buy (Idempotency-Key): {payment_method,
 *                                          address, quantity?}
 *
 * Creating a sale reserves its units from the SKU's lots, oldest first
 * (ledger 'reservation' rows noting the sale) and writes one flash_slots row
 * per unit, bound to its lot. Buying claims slots; no row is shared by two
 * buyers, so orders commit in parallel.
 *
 * mode "redis" (default):
 *   1. take_lua on the buyer's session, flash:{ID}:stock / :buyers / the
 *      key's mark, sent with the other attempts that queued meanwhile in
 *      one pipeline (shop_kvbatch) while the request waits suspended: the
 *      session is looked up first (the route defers it: no round trip of
 *      its own); an earlier answer of the Idempotency-Key is replayed; else
 *      it checks stock and the buyer's units and takes them in one step,
 *      answering the counter after the take (= the slot numbers to claim),
 *      or refuses (sold out, limit: the refusal is stored as the key's
 *      mark, MariaDB untouched), or -3 counter missing -> rebuild from
 *      MariaDB, try again
 *   2. a winner's request is suspended and handed to the order writer
 *      (shop_batch): many orders per transaction, each with its order row,
 *      buyer guard (`units + n <= limit`), slot claims (`order_id IS NULL`;
 *      a slot already held, possible only after a counter rebuild, falls
 *      back to any free slot, one order at a time), order lines naming the
 *      slots' lots and the stored idempotent answer
 *   3. an order that failed for a reason that leaves the units unsold
 *      (database down, same key answered meanwhile) gives them back to
 *      Redis; one that found no free slot does not (the counter was high)
 * mode "rowlock" (the baseline, and a correct checkout without Redis):
 *   SELECT ... FOR UPDATE on the sale row, claim the first free slot, commit.
 *
 * MariaDB is the truth: a slot is held by at most one order and a buyer's
 * units are guarded, so a wrong Redis counter can cost a refused attempt,
 * never a unit sold twice. shop_flash_rebuild (start-up and every few
 * seconds, a periodic job: core/jobs.h) recreates missing counters and corrects
 * ones that disagree with MariaDB while no sale happened since its previous
 * pass (flash:{ID}:gen counts takes). Cancelling a flash order frees its
 * slots while the sale runs; after the end, shop_flash_release_ended returns
 * unsold slots to their lots ('cancellation' rows). */
#include "farmlive/shop/domain/flash.h"
#include "farmlive/shop/core/auth.h"
#include "farmlive/shop/core/batch.h"
#include "farmlive/shop/api/handlers.h"
#include "farmlive/shop/core/idem.h"
#include "farmlive/shop/core/kvbatch.h"
#include "farmlive/shop/domain/inventory.h"
#include "farmlive/shop/domain/orders.h"
#include "farmlive/alloc.h"
#include "farmlive/buf.h"
#include "farmlive/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TX_ATTEMPTS 4
#define SALE_QTY_MAX 1000000
#define ORDER_TEXT_MAX (1024 * 1024) /* one order's answer */

/* KEYS: the buyer's session, stock, buyers, gen. ARGV: session ttl,
 * units, limit, request hash, request id, pending ttl, answer ttl, the
 * mark's prefix (flash:{ID}:idem:), the Idempotency-Key. The session comes
 * first (core/auth.h: deferred sessions): nothing is read or taken for an
 * unknown one; the mark's key (prefix, account id, ':', the key) is known
 * only then (so this script needs a standalone Redis, not a Cluster: the
 * session and the mark are not all in KEYS, nor in one hash slot). A
 * session is one with account_id and csrf, as shop_auth_settle takes it.
 * Answers {v, account_id, platform_admin, csrf[, more]}, the
 * session's fields (nil with v = -6: no session): v >= 0 taken (the
 * counter after the take); -1 sold out / -2 limit, the refusal stored as
 * the key's mark; the same with more = "db": refused, but the buyer holds
 * units, so the key may have won before Redis lost its mark: MariaDB
 * decides; -3 counter missing; -5 with the key's mark in more (see mark_*
 * below). */
static const char take_lua[] =
    SHOP_AUTH_SESSION_LUA
    "local u = session(KEYS[1], ARGV[1]) "
    "if not (u[1] and u[3]) then return {-6, false, false, false} end "
    "local function answer(v, more) return {v, u[1], u[2], u[3], more} end "
    "local mk = ARGV[8] .. u[1] .. ':' .. ARGV[9] "
    "local v = redis.call('GET', mk) "
    "if v then return answer(-5, v) end "
    "local s = redis.call('GET', KEYS[2]) "
    "if not s then return answer(-3) end "
    "local q = tonumber(ARGV[2]) "
    "local b = tonumber(redis.call('HGET', KEYS[3], u[1]) or '0') "
    "local why = 0 "
    "if b + q > tonumber(ARGV[3]) then why = -2 elseif tonumber(s) < q then why = -1 end "
    "if why < 0 then "
    "  if b > 0 then return answer(why, 'db') end "
    "  redis.call('SET', mk, 'R ' .. ARGV[4] .. ' ' .. why .. ' ' .. ARGV[5], 'EX', ARGV[7]) "
    "  return answer(why) "
    "end "
    "redis.call('DECRBY', KEYS[2], q) "
    "redis.call('HINCRBY', KEYS[3], u[1], q) "
    "redis.call('INCR', KEYS[4]) "
    "redis.call('SET', mk, 'P ' .. ARGV[4], 'EX', ARGV[6]) "
    "return answer(tonumber(s) - q)";
static shop_kvbatch_script take_script = {take_lua, ""}; /* sent by its SHA1 on the Redis batch */

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

/* A sale's slots first .. first + count - 1 are bound to one lot: sale
 * creation numbers them lot by lot, and the binding never changes. */
#define SALE_LOTS_MAX 8
typedef struct sale_lot {
    long long id, first, count;
    char code[68];
} sale_lot;

typedef struct sale {
    long long id, coop_id, sku_id, price_fen, quantity, sold, limit; /* sold: only when asked for */
    int rowlock, started, ended;
    long long starts, ends; /* unix seconds */
    const char *name, *spec, *unit, *coop_name;
    size_t nlots; /* buying's cache only; 0 when not loaded or over SALE_LOTS_MAX */
    sale_lot lots[SALE_LOTS_MAX];
} sale;

/* take_lua's answers (>= 0: taken), and TAKE_DOWN: Redis did not answer */
enum { TAKE_SOLD_OUT = -1, TAKE_LIMIT = -2, TAKE_MISSING = -3, TAKE_EARLIER = -5, TAKE_DOWN = -100 };

/* seen (the rebuild's) may be NULL */
static void keys_of(long long id, char stock[48], char buyers[48], char gen[48], char seen[48])
{
    snprintf(stock, 48, "flash:{%lld}:stock", id);
    snprintf(buyers, 48, "flash:{%lld}:buyers", id);
    snprintf(gen, 48, "flash:{%lld}:gen", id);
    if (seen)
        snprintf(seen, 48, "flash:{%lld}:seen", id);
}

/* ---- counters ----------------------------------------------------------- */

#define REBUILD_NO_ANSWER (-100) /* rebuild_call: Redis gave no answer */

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
        av[10 + 2 * i] = fl_rows_str(buyers, i, 0);
        av[11 + 2 * i] = fl_rows_str(buyers, i, 1);
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
    if (fl_db_query(db, &rows, "SELECT account_id, units FROM flash_buyers WHERE sale_id = ? AND units > 0", "i",
                    id) != FL_DB_OK)
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

/* Rebuilds the counters of sale `only` (0: every live sale). */
static int rebuild(fl_db *db, fl_kv *kv, long long only)
{
    fl_rows *rows = NULL;
    int n = 0;
    int rc = fl_db_query(db, &rows, SALES_LIVE_SQL, "ii", only, only);
    if (rc != FL_DB_OK)
        return -1;
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        if (rebuild_one(db, kv, fl_rows_int(rows, i, 0), fl_rows_int(rows, i, 1), fl_rows_int(rows, i, 2)) < 0) {
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
    n = rebuild(db, kv, 0);
out_release:
    fl_kv_release(kv);
    fl_db_release(db);
    return n;
}

int shop_flash_release_tx(fl_db *db, long long order_id, long long sale_id, long long buyer, long long units,
                          int *to_lots)
{
    fl_rows *rows = NULL;
    /* shared lock: shop_flash_release_ended cannot release the sale meanwhile */
    int rc = fl_db_query(db, &rows, "SELECT released FROM flash_sales WHERE id = ? LOCK IN SHARE MODE", "i", sale_id);
    if (rc != FL_DB_OK)
        return rc;
    *to_lots = fl_rows_count(rows) != 1 || fl_rows_int(rows, 0, 0) == 1;
    fl_rows_free(rows);
    if (!*to_lots && (rc = fl_db_exec(db, "UPDATE flash_slots SET order_id = NULL WHERE order_id = ?", "i",
                                      order_id)) != FL_DB_OK)
        return rc;
    return fl_db_exec(db,
                      "UPDATE flash_buyers SET units = units - ? WHERE sale_id = ? AND account_id = ? AND units >= ?",
                      "iiii", units, sale_id, buyer, units);
}

/* Returns one ended sale's free slots to their lots. FL_DB_OK or FL_DB_E*. */
static int release_one(fl_db *db, long long sale_id, long long sku_id)
{
    fl_rows *rows = NULL;
    char note[64];
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        return rc;
    if ((rc = fl_db_query(db, &rows, "SELECT released FROM flash_sales WHERE id = ? FOR UPDATE", "i", sale_id)) !=
        FL_DB_OK)
        goto out_rollback;
    if (fl_rows_int(rows, 0, 0) == 1)
        goto out_rollback; /* another shop did it */
    fl_rows_free(rows);
    rows = NULL;
    if ((rc = fl_db_query(db, &rows,
                          "SELECT lot_id, COUNT(*) FROM flash_slots WHERE sale_id = ? AND order_id IS NULL "
                          "GROUP BY lot_id ORDER BY lot_id",
                          "i", sale_id)) != FL_DB_OK)
        goto out_rollback;
    snprintf(note, sizeof(note), "flash sale %lld ended: unsold", sale_id);
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        long long lot = fl_rows_int(rows, i, 0), n = fl_rows_int(rows, i, 1);
        if ((rc = fl_db_exec(db, "UPDATE lots SET remaining = remaining + ? WHERE id = ?", "ii", n, lot)) !=
                FL_DB_OK ||
            (rc = fl_db_exec(db,
                             "INSERT INTO inventory_ledger (lot_id, sku_id, delta, reason, note) "
                             "VALUES (?, ?, ?, 'cancellation', ?)",
                             "iiis", lot, sku_id, n, note)) != FL_DB_OK)
            goto out_rollback;
    }
    if ((rc = fl_db_exec(db, "DELETE FROM flash_slots WHERE sale_id = ? AND order_id IS NULL", "i", sale_id)) !=
            FL_DB_OK ||
        (rc = fl_db_exec(db, "UPDATE flash_sales SET released = 1 WHERE id = ?", "i", sale_id)) != FL_DB_OK)
        goto out_rollback;
    fl_rows_free(rows);
    return fl_db_commit(db);
out_rollback:
    fl_db_rollback(db);
    fl_rows_free(rows);
    return rc;
}

int shop_flash_release_ended(shop_ctx *ctx)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    int n = 0;
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    if (fl_db_query(db, &rows,
                    "SELECT id, sku_id FROM flash_sales WHERE released = 0 AND ends_at <= UTC_TIMESTAMP(3) LIMIT 50",
                    "") == FL_DB_OK) {
        for (size_t i = 0; i < fl_rows_count(rows); i++)
            if (release_one(db, fl_rows_int(rows, i, 0), fl_rows_int(rows, i, 1)) == FL_DB_OK)
                n++;
    }
    fl_rows_free(rows);
    fl_db_release(db);
    return n;
}

/* The idempotency mark of (sale, buyer, key) in Redis:
 *   "P <hash>"                    units taken: the order is being written,
 *                                 or was (its answer is then in MariaDB)
 *   "R <hash> <why> <request id>" refused (TAKE_SOLD_OUT or TAKE_LIMIT)
 * Refusals live only here: a refused attempt costs MariaDB nothing. A won
 * key needs no second write: its "P" mark sends a retry to MariaDB, and
 * once the mark has expired the buyer holds units, which does too. */
#define MARK_PENDING_TTL_S 30
#define MARK_TTL_S (48 * 3600) /* as long as MariaDB keeps answers (orders.c purges after 48 h) */

/* take_lua builds the same key from its prefix argument */
#define MARK_PREFIX "flash:{%lld}:idem:"
static void mark_key(char out[320], long long sale_id, const shop_idem *k)
{
    snprintf(out, 320, MARK_PREFIX "%lld:%s", sale_id, k->account_id, k->key);
}

/* Sets the mark (only when none is set if nx). Best effort: without it a
 * retry asks MariaDB (the buyer then holds units) or is answered again. */
static void mark_set(fl_kv *kv, long long sale_id, const shop_idem *k, const char *value, int nx)
{
    char key[320];
    if (!kv)
        return;
    mark_key(key, sale_id, k);
    redisReply *rep = nx ? fl_kv_cmd(kv, "SET %s %s EX %d NX", key, value, MARK_TTL_S)
                         : fl_kv_cmd(kv, "SET %s %s EX %d", key, value, MARK_TTL_S);
    if (rep)
        freeReplyObject(rep);
}

/* Gives units back to the Redis counter (and to the buyer's count), and
 * drops k's in-flight mark when k is given. */
static void give_back(fl_kv *kv, long long sale_id, long long buyer, long long units, int buyer_too,
                      const shop_idem *k)
{
    char stock[48], buyers[48], gen[48], mark[320], acct[24], n[24];
    if (!kv)
        return;
    keys_of(sale_id, stock, buyers, gen, NULL);
    if (k)
        mark_key(mark, sale_id, k);
    else
        snprintf(mark, sizeof(mark), "flash:{%lld}:none", sale_id);
    snprintf(acct, sizeof(acct), "%lld", buyer);
    snprintf(n, sizeof(n), "%lld", units);
    const char *av[] = {"EVAL", give_lua, "4", stock, buyers, gen, mark, acct, n, buyer_too ? "1" : "0",
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
    give_back(kv, sale_id, buyer, units, 1, NULL);
}

/* ---- reading a sale ----------------------------------------------------- */

/* Parameters: with_sold (0 skips counting the slots), id. */
static const char SALE_SQL[] =
    "SELECT f.id, f.coop_id, f.sku_id, f.price_fen, f.quantity, "
    "IF(? = 1, (SELECT COUNT(*) FROM flash_slots x WHERE x.sale_id = f.id AND x.order_id IS NOT NULL), 0), "
    "f.per_buyer_limit, f.mode = 'rowlock', "
    "f.starts_at <= UTC_TIMESTAMP(3), f.ends_at <= UTC_TIMESTAMP(3), p.name_zh, s.spec, s.unit, c.name, "
    "DATE_FORMAT(f.starts_at, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(f.ends_at, '%Y-%m-%dT%H:%i:%sZ'), "
    "TIMESTAMPDIFF(SECOND, '1970-01-01', f.starts_at), TIMESTAMPDIFF(SECOND, '1970-01-01', f.ends_at) "
    "FROM flash_sales f JOIN skus s ON s.id = f.sku_id JOIN products p ON p.id = s.product_id "
    "JOIN cooperatives c ON c.id = f.coop_id WHERE f.id = ?";

static void rows_free_cb(void *p)
{
    fl_rows_free(p);
}

/* Loads sale id; 404 when there is none. The rows stay (for the strings)
 * until the request ends. */
static int sale_load(shop_req *r, fl_db *db, long long id, int with_sold, sale *s, fl_rows **rows)
{
    int rc = fl_db_query(db, rows, SALE_SQL, "ii", (long long)with_sold, id);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    fl_arena_defer(r->arena, rows_free_cb, *rows);
    if (fl_rows_count(*rows) != 1)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no flash sale %lld", id);
    const fl_rows *w = *rows;
    s->id = fl_rows_int(w, 0, 0);
    s->coop_id = fl_rows_int(w, 0, 1);
    s->sku_id = fl_rows_int(w, 0, 2);
    s->price_fen = fl_rows_int(w, 0, 3);
    s->quantity = fl_rows_int(w, 0, 4);
    s->sold = fl_rows_int(w, 0, 5);
    s->limit = fl_rows_int(w, 0, 6);
    s->rowlock = fl_rows_int(w, 0, 7) == 1;
    s->started = fl_rows_int(w, 0, 8) == 1;
    s->ended = fl_rows_int(w, 0, 9) == 1;
    s->name = fl_rows_str(w, 0, 10);
    s->spec = fl_rows_str(w, 0, 11);
    s->unit = fl_rows_str(w, 0, 12);
    s->coop_name = fl_rows_str(w, 0, 13);
    s->starts = fl_rows_int(w, 0, 16);
    s->ends = fl_rows_int(w, 0, 17);
    return SHOP_OK;
}

/* A sale does not change through the API after creation (only `released`,
 * which buying does not read), so buyers read it from a small per-process
 * cache: one MariaDB round trip less per attempt. Entries live one second
 * (a bound on staleness should the row be edited by hand); when full the
 * cache is emptied. */
#define SALE_CACHE_MAX 64
#define SALE_CACHE_TTL_S 1
static struct cached_sale {
    sale s;
    time_t loaded;
    char strings[4][520]; /* name, spec, unit, coop name (UTF-8, bounded by their columns) */
} sale_cache[SALE_CACHE_MAX];
static size_t sale_cache_n;
static pthread_mutex_t sale_cache_mu = PTHREAD_MUTEX_INITIALIZER;

static int sale_cached(shop_req *r, long long id, sale *out)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    int err, hit = 0;
    pthread_mutex_lock(&sale_cache_mu);
    for (size_t i = 0; i < sale_cache_n && !hit; i++) {
        if (sale_cache[i].s.id == id && time(NULL) - sale_cache[i].loaded < SALE_CACHE_TTL_S) {
            /* strings copied: the slot may be reused */
            *out = sale_cache[i].s;
            out->name = fl_arena_strdup(r->arena, sale_cache[i].strings[0]);
            out->spec = fl_arena_strdup(r->arena, sale_cache[i].strings[1]);
            out->unit = fl_arena_strdup(r->arena, sale_cache[i].strings[2]);
            out->coop_name = fl_arena_strdup(r->arena, sale_cache[i].strings[3]);
            hit = 1;
        }
    }
    pthread_mutex_unlock(&sale_cache_mu);
    if (hit)
        return SHOP_OK;
    if ((err = shop_db(r, &db)) < 0 || (err = sale_load(r, db, id, 0, out, &rows)) < 0)
        return err;
    out->nlots = 0;
    fl_rows *lots = NULL;
    if (fl_db_query(db, &lots,
                    "SELECT s.lot_id, l.code, MIN(s.slot), COUNT(*) FROM flash_slots s JOIN lots l ON l.id = s.lot_id "
                    "WHERE s.sale_id = ? GROUP BY s.lot_id, l.code ORDER BY MIN(s.slot)",
                    "i", id) == FL_DB_OK &&
        fl_rows_count(lots) <= SALE_LOTS_MAX) {
        for (size_t i = 0; i < fl_rows_count(lots); i++) {
            sale_lot *l = &out->lots[out->nlots++];
            l->id = fl_rows_int(lots, i, 0);
            snprintf(l->code, sizeof(l->code), "%s", fl_rows_str(lots, i, 1));
            l->first = fl_rows_int(lots, i, 2);
            l->count = fl_rows_int(lots, i, 3);
        }
    }
    fl_rows_free(lots);
    pthread_mutex_lock(&sale_cache_mu);
    struct cached_sale *c = NULL;
    for (size_t i = 0; i < sale_cache_n && !c; i++)
        if (sale_cache[i].s.id == id)
            c = &sale_cache[i];
    if (!c) {
        if (sale_cache_n == SALE_CACHE_MAX)
            sale_cache_n = 0;
        c = &sale_cache[sale_cache_n++];
    }
    c->s = *out;
    c->loaded = time(NULL);
    snprintf(c->strings[0], sizeof(c->strings[0]), "%s", out->name);
    snprintf(c->strings[1], sizeof(c->strings[1]), "%s", out->spec);
    snprintf(c->strings[2], sizeof(c->strings[2]), "%s", out->unit);
    snprintf(c->strings[3], sizeof(c->strings[3]), "%s", out->coop_name);
    c->s.name = c->strings[0];
    c->s.spec = c->strings[1];
    c->s.unit = c->strings[2];
    c->s.coop_name = c->strings[3];
    pthread_mutex_unlock(&sale_cache_mu);
    return SHOP_OK;
}

static json_t *sale_json(const sale *s, const fl_rows *rows, long long left)
{
    return json_pack("{s:I,s:I,s:s,s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:s}", "id", s->id, "coop_id",
                     s->coop_id, "coop_name", s->coop_name, "sku_id", s->sku_id, "product_name", s->name, "spec",
                     s->spec, "unit", s->unit, "price_fen", s->price_fen, "quantity", s->quantity, "sold", s->sold,
                     "remaining", left, "per_buyer_limit", s->limit, "mode", s->rowlock ? "rowlock" : "redis",
                     "starts_at", fl_rows_str(rows, 0, 14), "ends_at", fl_rows_str(rows, 0, 15), "state",
                     s->ended ? "ended" : s->started ? "active" : "upcoming");
}

int shop_flash_get(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    sale s;
    long long id;
    int err;
    if ((err = shop_param_id(r, 0, &id)) < 0 || (err = shop_db(r, &db)) < 0 ||
        (err = sale_load(r, db, id, 1, &s, &rows)) < 0)
        return err;
    return shop_reply_json(r, 200, sale_json(&s, rows, s.ended ? 0 : s.quantity - s.sold));
}

/* ---- creating a sale ---------------------------------------------------- */

/* "YYYY-MM-DDTHH:MM:SSZ" -> "YYYY-MM-DD HH:MM:SS" in out; -1 when malformed. */
static int iso_to_sql(const char *in, char out[20])
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = in ? strptime(in, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!end || (*end && strcmp(end, "Z") != 0))
        return -1;
    return strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm) == 19 ? 0 : -1;
}

/* The sale row, its stock reserved from the lots and its slots: one
 * transaction. Returns FL_DB_OK, SHOP_INV_SHORT or FL_DB_E*. */
static int sale_insert(shop_req *r, fl_db *db, long long coop, long long sku, long long price, long long qty,
                       long long limit, const char *mode, const char *s_sql, const char *e_sql, long long *id)
{
    shop_alloc allocs[SHOP_INV_MAX_LOTS];
    size_t n = 0;
    long long slot = 0;
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        return rc;
    if ((rc = fl_db_exec(db,
                         "INSERT INTO flash_sales (coop_id, sku_id, price_fen, quantity, per_buyer_limit, mode, "
                         "starts_at, ends_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "iiiiisssi", coop, sku, price, qty, limit, mode, s_sql, e_sql, r->session->account_id)) !=
        FL_DB_OK)
        goto out_rollback;
    *id = (long long)fl_db_insert_id(db);
    char *note = fl_arena_printf(r->arena, "flash sale %lld", *id);
    if ((rc = shop_inv_reserve(db, sku, (int)qty, 0, r->session->account_id, note, allocs, &n)) != FL_DB_OK)
        goto out_rollback;
    for (size_t i = 0; i < n; i++) {
        if ((rc = fl_db_exec(db,
                             "INSERT INTO flash_slots (sale_id, slot, lot_id) "
                             "SELECT ?, ? + seq - 1, ? FROM seq_1_to_1000000 WHERE seq <= ?",
                             "iiii", *id, slot, allocs[i].lot_id, (long long)allocs[i].qty)) != FL_DB_OK)
            goto out_rollback;
        slot += allocs[i].qty;
    }
    if ((rc = fl_db_commit(db)) == FL_DB_OK)
        return FL_DB_OK;
out_rollback:
    fl_db_rollback(db);
    return rc;
}

int shop_flash_create(shop_req *r)
{
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long sku, coop, price, qty, limit = 1, id = 0;
    const char *starts, *ends, *mode;
    char s_sql[20], e_sql[20];
    int err, has_limit = 0, rc = FL_DB_OK;

    if ((err = shop_body_int(r, "sku_id", 1, 1, INT64_MAX, &sku, NULL)) < 0 ||
        (err = shop_body_int(r, "price_fen", 1, 1, 100000000, &price, NULL)) < 0 ||
        (err = shop_body_int(r, "quantity", 1, 1, SALE_QTY_MAX, &qty, NULL)) < 0 ||
        (err = shop_body_int(r, "per_buyer_limit", 0, 1, 1000, &limit, &has_limit)) < 0 ||
        (err = shop_body_str(r, "starts_at", 1, 20, 20, &starts)) < 0 ||
        (err = shop_body_str(r, "ends_at", 1, 20, 20, &ends)) < 0 ||
        (err = shop_body_str(r, "mode", 0, 1, 16, &mode)) < 0)
        return err;
    if (iso_to_sql(starts, s_sql) < 0 || iso_to_sql(ends, e_sql) < 0)
        return shop_fail(r, SHOP_E_VALIDATION, "starts_at and ends_at are UTC times like 2026-11-20T20:00:00Z");
    if (strcmp(s_sql, e_sql) >= 0)
        return shop_fail(r, SHOP_E_VALIDATION, "ends_at must be after starts_at");
    if (!mode)
        mode = "redis";
    if (strcmp(mode, "redis") != 0 && strcmp(mode, "rowlock") != 0)
        return shop_fail(r, SHOP_E_VALIDATION, "mode must be \"redis\" or \"rowlock\"");
    if ((err = shop_db(r, &db)) < 0 || (err = shop_inv_sku_coop(r, db, sku, &coop)) < 0 ||
        (err = shop_auth_coop(r, coop, SHOP_MEMBER_ADMIN)) < 0)
        return err;
    rc = fl_db_query(db, &rows, "SELECT ? <= UTC_TIMESTAMP()", "s", e_sql);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    int past = fl_rows_int(rows, 0, 0) == 1;
    fl_rows_free(rows);
    if (past)
        return shop_fail(r, SHOP_E_VALIDATION, "ends_at is in the past");
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        rc = sale_insert(r, db, coop, sku, price, qty, limit, mode, s_sql, e_sql, &id);
        if (rc != SHOP_INV_RETRY && rc != FL_DB_EDEADLOCK)
            break;
    }
    if (rc == SHOP_INV_SHORT)
        return shop_fail_code(r, SHOP_E_VALIDATION, "not_enough_stock",
                              "the lots of SKU %lld hold fewer than %lld units", sku, qty);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc == SHOP_INV_RETRY ? FL_DB_EDEADLOCK : rc);
    /* load the counter now; if Redis is down, the first buyer or the flash_counters job will */
    if (strcmp(mode, "redis") == 0 && (r->kv || fl_kv_acquire(r->ctx->kv, &r->kv) == FL_KV_OK))
        rebuild(db, r->kv, id);
    sale s;
    if ((err = sale_load(r, db, id, 1, &s, &rows)) < 0)
        return err;
    return shop_reply_json(r, 201, sale_json(&s, rows, s.quantity - s.sold));
}

/* ---- buying ------------------------------------------------------------- */

enum { BUY_OK = 0, BUY_SOLD_OUT = 10, BUY_LIMIT, BUY_DUP };

static char *now_iso(char out[24], long long plus)
{
    time_t t = time(NULL) + plus;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

/* ---- the order's answer, as text ----------------------------------------
 *
 * The answer of a won flash order (the order as GET /api/v1/orders/{id}
 * shows it) is formatted from JSON string literals, not built as a jansson
 * tree and dumped: the order writer formats hundreds per batch on the path
 * every winner waits on, and the trees cost about 50 us an order there.
 * Each literal is jansson's own encoding of its string (lit), so the text
 * is what json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) made of the same
 * members in this order. */

/* s as a JSON string literal, quotes included, in arena a; NULL when s is
 * not UTF-8 (jansson refuses it). */
static const char *lit(fl_arena *a, const char *s)
{
    json_t *v = json_string(s);
    char *t = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    const char *copy = t ? fl_arena_strdup(a, t) : NULL;
    free(t);
    json_decref(v);
    return copy;
}

/* The literals an order's answer is made of. */
typedef struct order_lits {
    const char *coop_name, *name, *spec, *unit;
    const char *codes[SALE_LOTS_MAX]; /* the codes of the sale's lots known here (nlots) */
    const char *addr[6];              /* name, phone, province, city, county, detail */
} order_lits;

/* One order line: qty units of one lot. */
typedef struct order_line {
    long long lot_id, qty;
    const char *code; /* the lot's code, as a literal */
} order_line;

/* The sale's literals into L (the address is left alone): 0, or -1. */
static int sale_lits(fl_arena *a, const sale *s, order_lits *L)
{
    L->coop_name = lit(a, s->coop_name);
    L->name = lit(a, s->name);
    L->spec = lit(a, s->spec);
    L->unit = lit(a, s->unit);
    for (size_t l = 0; l < s->nlots; l++)
        if (!(L->codes[l] = lit(a, s->lots[l].code)))
            return -1;
    return L->coop_name && L->name && L->spec && L->unit ? 0 : -1;
}

/* The address's literals into L: 0, or -1. */
static int addr_lits(fl_arena *a, const shop_address *ad, order_lits *L)
{
    const char *in[6] = {ad->name, ad->phone, ad->province, ad->city, ad->county, ad->detail};
    for (int i = 0; i < 6; i++)
        if (!(L->addr[i] = lit(a, in[i])))
            return -1;
    return 0;
}

/* Appends the order's answer to b. now and exp: its created_at and, for
 * online payment, expires_at ("2026-11-27T04:00:00Z"). 0, or -1 when b
 * reached its maximum. */
static int order_text(fl_buf *b, const sale *s, const order_lits *L, long long order_id, long long buyer,
                      int online, long long qty, const order_line *lines, size_t nlines, const char *now,
                      const char *exp)
{
    int rc = fl_buf_printf(
        b,
        "{\"id\":%lld,\"status\":\"%s\",\"buyer_account_id\":%lld,\"coop_id\":%lld,\"coop_name\":%s,"
        "\"flash_sale_id\":%lld,\"payment_method\":\"%s\",\"total_fen\":%lld,\"address\":{\"name\":%s,"
        "\"phone\":%s,\"province\":%s,\"city\":%s,\"county\":%s,\"detail\":%s},\"carrier\":null,"
        "\"tracking_no\":null,\"payment_txn\":null,\"cancel_reason\":null,\"expires_at\":%s%s%s,"
        "\"paid_at\":null,\"shipped_at\":null,\"delivered_at\":null,\"completed_at\":null,"
        "\"cancelled_at\":null,\"refunded_at\":null,\"created_at\":\"%s\",\"lines\":[",
        order_id, online ? "pending_payment" : "confirmed", buyer, s->coop_id, L->coop_name, s->id,
        online ? "online" : "cod", s->price_fen * qty, L->addr[0], L->addr[1], L->addr[2], L->addr[3], L->addr[4],
        L->addr[5], online ? "\"" : "", online ? exp : "null", online ? "\"" : "", now);
    for (size_t i = 0; rc == 0 && i < nlines; i++)
        rc = fl_buf_printf(b,
                           "%s{\"sku_id\":%lld,\"lot_id\":%lld,\"lot_code\":%s,\"product_name\":%s,\"spec\":%s,"
                           "\"unit\":%s,\"quantity\":%lld,\"unit_price_fen\":%lld,\"line_total_fen\":%lld}",
                           i ? "," : "", s->sku_id, lines[i].lot_id, lines[i].code, L->name, L->spec, L->unit,
                           lines[i].qty, s->price_fen, s->price_fen * lines[i].qty);
    return rc == 0 ? fl_buf_printf(b, "]}") : rc;
}

/* Claims qty slots for order_id: slots first .. first+qty-1 (from the Redis
 * take), or any free slot when one of those is held (a rebuilt counter) or
 * first < 0 (row-lock mode). BUY_OK, BUY_SOLD_OUT or FL_DB_E*. */
static int slots_claim(fl_db *db, long long sale_id, long long order_id, long long first, long long qty)
{
    for (long long i = 0; i < qty; i++) {
        int rc = FL_DB_OK;
        if (first >= 0)
            rc = fl_db_exec(db,
                            "UPDATE flash_slots SET order_id = ? WHERE sale_id = ? AND slot = ? AND order_id IS NULL",
                            "iii", order_id, sale_id, first + i);
        if (rc != FL_DB_OK)
            return rc;
        if (first >= 0 && fl_db_affected(db) == 1)
            continue;
        rc = fl_db_exec(db,
                        "UPDATE flash_slots SET order_id = ? WHERE sale_id = ? AND order_id IS NULL "
                        "ORDER BY slot LIMIT 1",
                        "ii", order_id, sale_id);
        if (rc != FL_DB_OK)
            return rc;
        if (fl_db_affected(db) != 1)
            return BUY_SOLD_OUT;
    }
    return BUY_OK;
}

/* The index in s->lots of the lot slot is bound to, or -1 when the lots
 * are not known here or slot lies beyond them. */
static int slot_lot(const sale *s, long long slot)
{
    for (size_t l = 0; l < s->nlots; l++)
        if (slot >= s->lots[l].first && slot < s->lots[l].first + s->lots[l].count)
            return (int)l;
    return -1;
}

/* Writes the order lines of the claimed slots (one per lot) and returns
 * them in *lines (from arena a, the codes as literals), their count in
 * *n. */
static int lines_write(fl_db *db, fl_arena *a, const sale *s, long long order_id, order_line **lines, size_t *n)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT f.lot_id, l.code, COUNT(*) FROM flash_slots f JOIN lots l ON l.id = f.lot_id "
                         "WHERE f.order_id = ? GROUP BY f.lot_id, l.code ORDER BY f.lot_id",
                         "i", order_id);
    if (rc != FL_DB_OK)
        return rc;
    *n = 0;
    if (!(*lines = fl_arena_alloc(a, (fl_rows_count(rows) + 1) * sizeof(**lines))))
        rc = FL_DB_ERR;
    for (size_t i = 0; i < fl_rows_count(rows) && rc == FL_DB_OK; i++) {
        order_line *l = &(*lines)[i];
        l->lot_id = fl_rows_int(rows, i, 0);
        l->qty = fl_rows_int(rows, i, 2);
        if (!(l->code = lit(a, fl_rows_str(rows, i, 1)))) {
            rc = FL_DB_ERR;
            break;
        }
        *n = i + 1;
        rc = fl_db_exec(db,
                        "INSERT INTO order_lines (order_id, sku_id, lot_id, product_name, spec, unit, quantity, "
                        "unit_price_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        "iiisssii", order_id, s->sku_id, l->lot_id, s->name, s->spec, s->unit, l->qty,
                        s->price_fen);
    }
    fl_rows_free(rows);
    return rc;
}

/* The order's writes, inside the caller's transaction: order row, slot
 * claims, buyer guard (`units + n <= limit`), order lines, the stored
 * idempotent answer (*text). Returns BUY_OK, BUY_SOLD_OUT / BUY_LIMIT /
 * BUY_DUP (the caller undoes the writes), or FL_DB_E* (< 0). Re-runnable:
 * it starts from its inputs each time. */
static int buy_writes(shop_req *r, fl_db *db, const sale *s, const shop_idem *k, long long qty, long long first,
                      int online, const shop_address *a, char **text)
{
    long long order_id = 0, buyer = r->session->account_id;
    order_line *lines = NULL;
    order_lits lits;
    size_t nlines = 0;
    char now[24], exp[24];
    int rc;
    if ((rc = shop_order_insert(db, r->ctx->cfg, buyer, s->coop_id, s->id, online, s->price_fen * qty, a,
                                &order_id)) != FL_DB_OK ||
        (rc = slots_claim(db, s->id, order_id, first, qty)) != BUY_OK ||
        (rc = fl_db_exec(db, "INSERT IGNORE INTO flash_buyers (sale_id, account_id, units) VALUES (?, ?, 0)", "ii",
                         s->id, buyer)) != FL_DB_OK ||
        (rc = fl_db_exec(db,
                         "UPDATE flash_buyers SET units = units + ? WHERE sale_id = ? AND account_id = ? "
                         "AND units + ? <= ?",
                         "iiiii", qty, s->id, buyer, qty, s->limit)) != FL_DB_OK)
        return rc;
    if (fl_db_affected(db) != 1)
        return BUY_LIMIT;
    if ((rc = lines_write(db, r->arena, s, order_id, &lines, &nlines)) != FL_DB_OK)
        return rc;
    fl_buf b;
    fl_buf_init(&b, 2048, ORDER_TEXT_MAX);
    *text = NULL;
    if (sale_lits(r->arena, s, &lits) == 0 && addr_lits(r->arena, a, &lits) == 0 &&
        order_text(&b, s, &lits, order_id, buyer, online, qty, lines, nlines, now_iso(now, 0),
                   now_iso(exp, r->ctx->cfg->order_expiry_s)) == 0)
        *text = fl_arena_strndup(r->arena, b.p, b.len);
    fl_buf_free(&b);
    if (!*text)
        return FL_DB_ERR;
    if ((rc = shop_idem_store_tx(db, k, 201, *text)) != FL_DB_OK)
        return rc == FL_DB_EDUP ? BUY_DUP : rc;
    return BUY_OK;
}

/* The row-lock baseline: one transaction per attempt, the sale row as the
 * lock. BUY_* or FL_DB_E*. */
static int buy_rowlock_tx(shop_req *r, fl_db *db, const sale *s, const shop_idem *k, long long qty, int online,
                          const shop_address *a, char **text)
{
    fl_rows *rows = NULL;
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        return rc;
    rc = fl_db_query(db, &rows, "SELECT id FROM flash_sales WHERE id = ? FOR UPDATE", "i", s->id);
    fl_rows_free(rows);
    if (rc == FL_DB_OK && (rc = buy_writes(r, db, s, k, qty, -1, online, a, text)) == BUY_OK &&
        (rc = fl_db_commit(db)) == FL_DB_OK)
        return BUY_OK;
    fl_db_rollback(db);
    return rc;
}

/* The refusal's answer; request_id is the first answer's when replayed. */
static int refuse(shop_req *r, const sale *s, int why, const char *request_id, int replayed)
{
    const char *code = why == TAKE_LIMIT ? "limit_reached" : "sold_out";
    char *msg = why == TAKE_LIMIT
                    ? fl_arena_printf(r->arena, "you already hold %lld of flash sale %lld (the limit)", s->limit, s->id)
                    : fl_arena_printf(r->arena, "flash sale %lld is sold out", s->id);
    if (replayed)
        shop_add_header(r, "Idempotent-Replayed", "true");
    r->err = SHOP_E_CONFLICT; /* for the access log; the body is built here */
    r->err_code = code;
    return shop_reply_json(
        r, 409, json_pack("{s:{s:s,s:s,s:s}}", "error", "code", code, "message", msg, "request_id", request_id));
}

/* A refusal where the key may have won before (the buyer holds units, or
 * MariaDB refused after a take): unless MariaDB has an earlier answer of
 * this key, store the refusal as the key's mark (replacing an in-flight
 * one when `replace`) and answer it. */
static int refuse_checked(shop_req *r, fl_kv *kv, const sale *s, const shop_idem *k, int why, int replace)
{
    int err = shop_idem_replay(r, k);
    if (err != 0)
        return err < 0 ? err : SHOP_OK;
    mark_set(kv, s->id, k, fl_arena_printf(r->arena, "R %s %d %s", k->hash, why, r->request_id), !replace);
    return refuse(r, s, why, r->request_id, 0);
}

/* Answers a key Redis has seen: its mark is "P|R <hash> ...". */
static int earlier_answer(shop_req *r, const sale *s, const shop_idem *k, const char *mark)
{
    char reqid[33];
    int why = 0;
    if (strlen(mark) < 66 || strncmp(mark + 2, k->hash, 64) != 0)
        return shop_fail_code(r, SHOP_E_VALIDATION, "idempotency_key_reused",
                              "this Idempotency-Key was used with a different request");
    if (mark[0] == 'R' && sscanf(mark + 66, " %d %32s", &why, reqid) == 2)
        return refuse(r, s, why, reqid, 1);
    if (mark[0] == 'P') { /* written meanwhile? */
        int err = shop_idem_replay(r, k);
        if (err != 0)
            return err < 0 ? err : SHOP_OK;
    }
    shop_add_header(r, "Retry-After", "1");
    return shop_fail_code(r, SHOP_E_CONFLICT, "request_in_progress",
                          "a request with this Idempotency-Key is still being answered; retry it shortly");
}

/* ---- buying in Redis mode: the take, then the order writer -------------
 *
 *   shop_flash_buy   validates, then take_submit: suspends the request and
 *                    queues take_lua on the Redis batch (shop_kvbatch: one
 *                    round trip for every attempt that queued meanwhile)
 *   take_done        (batch thread) settles the session from the answer; a
 *                    winner goes on to the order writer, anything else
 *                    back to its worker thread: take_answer
 *   job_run/_all     (order writer) the winners' orders, many per
 *                    transaction; job_done answers the written ones,
 *                    the others go back to their worker: order_failed */

typedef struct buy_job {
    shop_batch_item item;    /* first: the order writer hands it back */
    shop_kvbatch_item take;  /* the take's call on the Redis batch */
    shop_req *r;             /* suspended: this job's alone until resumed */
    sale s;
    shop_idem k;
    shop_address addr;
    long long qty, first;    /* first: the take's answer (slot or TAKE_*) */
    int online, rebuilt;
    const char *more;        /* the take's fifth element: the key's mark, or "db" */
    int settled;             /* shop_auth_settle's result */
    int order_rc;            /* the order writer's result, when not BUY_OK */
    const char *argv[16];
    size_t lens[16];
    char n[24], lim[24], ttl[16], pend[16], answer_ttl[16], prefix[48];
    char stock[48], buyers[48], gen[48];
    char *text;
} buy_job;

static void take_done(shop_kvbatch_item *it, redisReply *rep);

/* Suspends j's request and queues its take. */
static int take_submit(buy_job *j)
{
    shop_req *r = j->r;
    const char *sess = shop_auth_session_key(r);
    if (!sess)
        return shop_fail(r, SHOP_E_UNAUTHORIZED, "sign in first");
    keys_of(j->s.id, j->stock, j->buyers, j->gen, NULL);
    snprintf(j->ttl, sizeof(j->ttl), "%d", r->ctx->cfg->session_ttl);
    snprintf(j->n, sizeof(j->n), "%lld", j->qty);
    snprintf(j->lim, sizeof(j->lim), "%lld", j->s.limit);
    snprintf(j->pend, sizeof(j->pend), "%d", MARK_PENDING_TTL_S);
    snprintf(j->answer_ttl, sizeof(j->answer_ttl), "%d", MARK_TTL_S);
    snprintf(j->prefix, sizeof(j->prefix), MARK_PREFIX, j->s.id);
    const char *av[16] = {NULL, NULL, "4", sess, j->stock, j->buyers, j->gen, j->ttl, j->n, j->lim,
                          j->k.hash, r->request_id, j->pend, j->answer_ttl, j->prefix, j->k.key};
    for (int i = 2; i < 16; i++) {
        j->argv[i] = av[i];
        j->lens[i] = strlen(av[i]);
    }
    j->take.script = &take_script;
    j->take.argc = 16;
    j->take.argv = j->argv;
    j->take.lens = j->lens;
    j->take.done = take_done;
    j->more = NULL;
    shop_suspend(r);
    shop_kvbatch_submit(r->ctx->kv_batch, &j->take);
    return SHOP_SUSPENDED;
}

/* Back on the request's worker thread: every answer but a win. */
static int take_answer(shop_req *r, void *arg)
{
    buy_job *j = arg;
    fl_kv *kv = NULL;
    fl_db *db = NULL;
    int err;
    if (j->first == TAKE_DOWN)
        return shop_fail_kv(r);
    if (j->settled < 0)
        return j->settled;
    switch (j->first) {
    case TAKE_SOLD_OUT:
    case TAKE_LIMIT:
        if (!j->more) /* the refusal is stored as the key's mark */
            return refuse(r, &j->s, (int)j->first, r->request_id, 0);
        if ((err = shop_kv(r, &kv)) < 0)
            return err;
        return refuse_checked(r, kv, &j->s, &j->k, (int)j->first, 0);
    case TAKE_EARLIER:
        if (!j->more)
            return shop_fail_kv(r);
        return earlier_answer(r, &j->s, &j->k, j->more);
    case TAKE_MISSING: /* Redis lost the counter: rebuild it from MariaDB, once */
        if (j->rebuilt++ || (err = shop_db(r, &db)) < 0 || (err = shop_kv(r, &kv)) < 0 ||
            rebuild(db, kv, j->s.id) < 0)
            return shop_fail_kv(r);
        return take_submit(j);
    default:
        return shop_fail(r, SHOP_E_INTERNAL, "unexpected flash take answer %lld", j->first);
    }
}

static int job_run(fl_db *db, shop_batch_item *it)
{
    buy_job *j = (buy_job *)it;
    j->text = NULL;
    return buy_writes(j->r, db, &j->s, &j->k, j->qty, j->first, j->online, &j->addr, &j->text);
}

/* All the batch's orders in six statements (buyers, guard, orders, slot
 * claims, lines, the stored answers): each takes the batch as one JSON
 * parameter that JSON_TABLE turns into rows, so 200 orders cost what one
 * does in round trips. The parameters and answers are formatted as text
 * around JSON literals (see order_text). Lines come from the sale's lot
 * ranges, known in memory. Every guard is checked by counting what a
 * statement touched; when one does not hold for all (a buyer twice in the
 * batch, a slot already held, a buyer at the limit in MariaDB, a key
 * already answered, order ids not consecutive, a sale with lots unknown
 * here) or the text cannot be made (a string jansson will not encode, a
 * buffer at its maximum) the answer is > 0 and the writer does the orders
 * one by one, where each finds its own answer. */
#define JT(cols) "JSON_TABLE(?, '$[*]' COLUMNS(" cols ")) j"

static const char ALL_BUYERS_SQL[] =
    "INSERT IGNORE INTO flash_buyers (sale_id, account_id, units) SELECT j.s, j.a, 0 FROM "
    JT("s BIGINT PATH '$.s', a BIGINT PATH '$.a'");
static const char ALL_GUARD_SQL[] =
    "UPDATE flash_buyers b JOIN " JT("s BIGINT PATH '$.s', a BIGINT PATH '$.a', q BIGINT PATH '$.q', "
                                     "l BIGINT PATH '$.l'")
    " ON b.sale_id = j.s AND b.account_id = j.a SET b.units = b.units + j.q WHERE b.units + j.q <= j.l";
static const char ALL_ORDERS_SQL[] =
    "INSERT INTO orders (buyer_account_id, coop_id, flash_sale_id, status, payment_method, total_fen, ship_name, "
    "ship_phone, ship_province, ship_city, ship_county, ship_detail, expires_at) "
    "SELECT j.a, j.c, j.s, IF(j.x = 1, 'pending_payment', 'confirmed'), IF(j.x = 1, 'online', 'cod'), j.t, j.n1, "
    "j.n2, j.n3, j.n4, j.n5, j.n6, IF(j.x = 1, UTC_TIMESTAMP(3) + INTERVAL ? SECOND, NULL) FROM "
    JT("i FOR ORDINALITY, a BIGINT PATH '$.a', c BIGINT PATH '$.c', s BIGINT PATH '$.s', x INT PATH '$.x', "
       "t BIGINT PATH '$.t', n1 VARCHAR(200) PATH '$.n1', n2 VARCHAR(200) PATH '$.n2', "
       "n3 VARCHAR(200) PATH '$.n3', n4 VARCHAR(200) PATH '$.n4', n5 VARCHAR(200) PATH '$.n5', "
       "n6 VARCHAR(1000) PATH '$.n6'")
    " ORDER BY j.i";
/* The claims, and the check that the orders just inserted got the ids
 * first_id + i (consecutive, as InnoDB gives one INSERT ... SELECT): a
 * slot is claimed only by an order of its buyer and sale. */
static const char ALL_SLOTS_SQL[] =
    "UPDATE flash_slots f JOIN " JT("s BIGINT PATH '$.s', n BIGINT PATH '$.n', o BIGINT PATH '$.o', "
                                    "a BIGINT PATH '$.a'")
    " ON f.sale_id = j.s AND f.slot = j.n JOIN orders o ON o.id = j.o AND o.buyer_account_id = j.a "
    "AND o.flash_sale_id = j.s SET f.order_id = j.o WHERE f.order_id IS NULL";
static const char ALL_LINES_SQL[] =
    "INSERT INTO order_lines (order_id, sku_id, lot_id, product_name, spec, unit, quantity, unit_price_fen) "
    "SELECT j.o, j.k, j.l, j.n1, j.n2, j.n3, j.q, j.p FROM "
    JT("o BIGINT PATH '$.o', k BIGINT PATH '$.k', l BIGINT PATH '$.l', n1 VARCHAR(200) PATH '$.n1', "
       "n2 VARCHAR(200) PATH '$.n2', n3 VARCHAR(200) PATH '$.n3', q BIGINT PATH '$.q', p BIGINT PATH '$.p'");
static const char ALL_IDEM_SQL[] =
    "INSERT INTO idempotency_keys (account_id, scope, idem_key, request_hash, status_code, response) "
    "SELECT j.a, j.sc, j.k, j.h, 201, j.r FROM "
    JT("a BIGINT PATH '$.a', sc VARCHAR(64) PATH '$.sc', k VARCHAR(255) PATH '$.k', h CHAR(64) PATH '$.h', "
       "r LONGTEXT PATH '$.r'");

enum { ALL_FALL_BACK = 1 };
#define ALL_JSON_MAX (64 * 1024 * 1024) /* one statement's batch parameter */

/* Opens (i == 0) or continues one batch array in b and appends one
 * element: 0, or -1 when b reached its maximum. */
static int element(fl_buf *b, size_t i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int element(fl_buf *b, size_t i, const char *fmt, ...)
{
    if (fl_buf_printf(b, "%c", i ? ',' : '[') < 0)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int rc = fl_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

/* Whether a and b are one sale with the same strings and lots (the sale
 * cache may have reloaded it between two buyers), so the same literals
 * (sale_lits). */
static int same_strings(const sale *a, const sale *b)
{
    if (a->id != b->id || a->nlots != b->nlots || strcmp(a->name, b->name) != 0 || strcmp(a->spec, b->spec) != 0 ||
        strcmp(a->unit, b->unit) != 0 || strcmp(a->coop_name, b->coop_name) != 0)
        return 0;
    for (size_t l = 0; l < a->nlots; l++)
        if (a->lots[l].id != b->lots[l].id || strcmp(a->lots[l].code, b->lots[l].code) != 0)
            return 0;
    return 1;
}

static int jobs_run_all(fl_db *db, shop_batch_item **items, size_t n)
{
    buy_job **j = (buy_job **)items;
    shop_req *r0 = j[0]->r;
    fl_arena *a = r0->arena;
    order_lits *lits = fl_arena_alloc(a, n * sizeof(*lits));
    fl_buf buyers, orders, slots, lines, keys, text;
    long long units = 0, first_id;
    size_t nslots = 0, nlines = 0;
    char now[24], exp[24];
    int rc = ALL_FALL_BACK, err = 0;

    if (!lits)
        return ALL_FALL_BACK;
    fl_buf_init(&buyers, 64 * n, ALL_JSON_MAX);
    fl_buf_init(&orders, 256 * n, ALL_JSON_MAX);
    fl_buf_init(&slots, 64 * n, ALL_JSON_MAX);
    fl_buf_init(&lines, 128 * n, ALL_JSON_MAX);
    fl_buf_init(&keys, 1024 * n, ALL_JSON_MAX);
    fl_buf_init(&text, 2048, ORDER_TEXT_MAX);
    now_iso(now, 0);
    now_iso(exp, r0->ctx->cfg->order_expiry_s);
    for (size_t i = 0; i < n; i++) {
        const buy_job *b = j[i];
        order_lits *L = &lits[i];
        for (long long u = 0; u < b->qty; u++)
            if (slot_lot(&b->s, b->first + u) < 0) /* lots not loaded, or a slot beyond them: before any write */
                goto out_free;
        if (i > 0 && same_strings(&b->s, &j[i - 1]->s))
            *L = lits[i - 1]; /* the sale's literals; the address's follow */
        else if (sale_lits(a, &b->s, L) < 0)
            goto out_free;
        if (addr_lits(a, &b->addr, L) < 0)
            goto out_free;
        err |= element(&buyers, i, "{\"s\":%lld,\"a\":%lld,\"q\":%lld,\"l\":%lld}", b->s.id, b->k.account_id,
                       b->qty, b->s.limit);
        err |= element(&orders, i,
                       "{\"a\":%lld,\"c\":%lld,\"s\":%lld,\"x\":%d,\"t\":%lld,\"n1\":%s,\"n2\":%s,\"n3\":%s,"
                       "\"n4\":%s,\"n5\":%s,\"n6\":%s}",
                       b->k.account_id, b->s.coop_id, b->s.id, b->online, b->s.price_fen * b->qty, L->addr[0],
                       L->addr[1], L->addr[2], L->addr[3], L->addr[4], L->addr[5]);
        units += b->qty;
    }
    if (err || fl_buf_printf(&buyers, "]") < 0 || fl_buf_printf(&orders, "]") < 0)
        goto out_free;
    if ((rc = fl_db_exec(db, ALL_BUYERS_SQL, "s", buyers.p)) != FL_DB_OK ||
        (rc = fl_db_exec(db, ALL_GUARD_SQL, "s", buyers.p)) != FL_DB_OK)
        goto out_free;
    if (fl_db_affected(db) != n) {
        rc = ALL_FALL_BACK;
        goto out_free;
    }
    if ((rc = fl_db_exec(db, ALL_ORDERS_SQL, "is", (long long)r0->ctx->cfg->order_expiry_s, orders.p)) != FL_DB_OK)
        goto out_free;
    first_id = (long long)fl_db_insert_id(db);
    /* each order's slots, its lines (from its slots' lots, the sale's lot
     * ranges), its answer and the answer stored under its key */
    rc = ALL_FALL_BACK;
    for (size_t i = 0; i < n; i++) {
        buy_job *b = j[i];
        const order_lits *L = &lits[i];
        order_line ol[SALE_LOTS_MAX];
        long long per_lot[SALE_LOTS_MAX] = {0}, order_id = first_id + (long long)i;
        size_t nol = 0;
        for (long long u = 0; u < b->qty; u++) {
            long long slot = b->first + u;
            per_lot[slot_lot(&b->s, slot)]++; /* checked above */
            err |= element(&slots, nslots++, "{\"s\":%lld,\"n\":%lld,\"o\":%lld,\"a\":%lld}", b->s.id, slot,
                           order_id, b->k.account_id);
        }
        for (size_t l = 0; l < b->s.nlots; l++) {
            const sale_lot *lot = &b->s.lots[l];
            if (per_lot[l] == 0)
                continue;
            ol[nol++] = (order_line){lot->id, per_lot[l], L->codes[l]};
            err |= element(&lines, nlines++,
                           "{\"o\":%lld,\"k\":%lld,\"l\":%lld,\"n1\":%s,\"n2\":%s,\"n3\":%s,\"q\":%lld,\"p\":%lld}",
                           order_id, b->s.sku_id, lot->id, L->name, L->spec, L->unit, per_lot[l], b->s.price_fen);
        }
        text.len = 0;
        if (order_text(&text, &b->s, L, order_id, b->k.account_id, b->online, b->qty, ol, nol, now, exp) < 0)
            goto out_free;
        if (!(b->text = fl_arena_strndup(b->r->arena, text.p, text.len)))
            goto out_free;
        const char *stored = lit(a, b->text), *scope = lit(a, b->k.scope), *key = lit(a, b->k.key);
        if (!stored || !scope || !key)
            goto out_free;
        err |= element(&keys, i, "{\"a\":%lld,\"sc\":%s,\"k\":%s,\"h\":\"%s\",\"r\":%s}", b->k.account_id, scope,
                       key, b->k.hash, stored);
    }
    if (err || fl_buf_printf(&slots, "]") < 0 || fl_buf_printf(&lines, "]") < 0 || fl_buf_printf(&keys, "]") < 0)
        goto out_free;
    if ((rc = fl_db_exec(db, ALL_SLOTS_SQL, "s", slots.p)) != FL_DB_OK)
        goto out_free;
    if (fl_db_affected(db) != (unsigned long long)units) { /* a slot held, or ids not consecutive */
        rc = ALL_FALL_BACK;
        goto out_free;
    }
    if ((rc = fl_db_exec(db, ALL_LINES_SQL, "s", lines.p)) != FL_DB_OK)
        goto out_free;
    rc = fl_db_exec(db, ALL_IDEM_SQL, "s", keys.p);
    if (rc == FL_DB_EDUP)
        rc = ALL_FALL_BACK;
out_free:
    fl_buf_free(&buyers);
    fl_buf_free(&orders);
    fl_buf_free(&slots);
    fl_buf_free(&lines);
    fl_buf_free(&keys);
    fl_buf_free(&text);
    return rc;
}

/* Back on the request's worker thread: an order the writer did not write
 * (j->order_rc). Redis calls and MariaDB replays happen here, not on
 * the order writer, whose next batch would wait for them. */
static int order_failed(shop_req *r, void *arg)
{
    buy_job *j = arg;
    long long buyer = r->session->account_id;
    int rc = j->order_rc, err;
    if (!r->kv)
        fl_kv_acquire(r->ctx->kv, &r->kv); /* NULL when Redis is down too: the counter is rebuilt later */
    if (rc == BUY_DUP || rc < 0) { /* unsold: the units go back */
        give_back(r->kv, j->s.id, buyer, j->qty, 1, &j->k);
        err = rc < 0 ? shop_fail_db(r, rc) : shop_idem_replay(r, &j->k);
        if (err == 1)
            return SHOP_OK;
        return err == 0 ? shop_fail(r, SHOP_E_INTERNAL, "idempotency key vanished") : err;
    }
    /* MariaDB refused: no free slot (the counter was high), or the buyer's limit */
    if (rc == BUY_LIMIT)
        give_back(r->kv, j->s.id, buyer, j->qty, 0, NULL);
    return refuse_checked(r, r->kv, &j->s, &j->k, rc == BUY_LIMIT ? TAKE_LIMIT : TAKE_SOLD_OUT, 1);
}

/* The order writer's thread: answer a written order, hand anything else
 * back to the worker thread. No blocking here. */
static void job_done(shop_batch_item *it, int rc)
{
    buy_job *j = (buy_job *)it;
    shop_req *r = j->r;
    if (rc == BUY_OK) { /* reply with exactly the stored answer */
        shop_resume(r, shop_reply_raw(r, 201, "application/json", j->text, strlen(j->text)));
        return;
    }
    j->order_rc = rc;
    shop_resume_then(r, order_failed, j);
}

/* The batch thread: what take_lua answered for j. No blocking here. */
static void take_done(shop_kvbatch_item *it, redisReply *rep)
{
    buy_job *j = (buy_job *)((char *)it - offsetof(buy_job, take));
    shop_req *r = j->r;
    j->first = TAKE_DOWN;
    if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements >= 4 && rep->element[0]->type == REDIS_REPLY_INTEGER) {
        j->first = rep->element[0]->integer;
        j->settled = shop_auth_settle(r, rep->element + 1); /* r is this thread's while suspended */
        if (j->settled == SHOP_OK)
            j->k.account_id = r->session->account_id;
        if (rep->elements > 4 && rep->element[4]->type == REDIS_REPLY_STRING)
            j->more = fl_arena_strndup(r->arena, rep->element[4]->str, rep->element[4]->len);
    } else if (rep && rep->type == REDIS_REPLY_ERROR) {
        fl_log(FL_LOG_ERROR, "redis_error", "flash take: %s", rep->str);
    }
    if (j->first >= 0 && j->settled == SHOP_OK) { /* units taken: the order writer writes the order */
        shop_batch_submit(r->ctx->orders, &j->item);
        return;
    }
    shop_resume_then(r, take_answer, j);
}

int shop_flash_buy(shop_req *r)
{
    fl_db *db = NULL;
    shop_address addr;
    shop_idem k;
    sale s;
    char *text = NULL;
    long long id, qty = 1;
    int online, has_qty = 0, err;

    if ((err = shop_param_id(r, 0, &id)) < 0 || (err = shop_order_input(r, &online, &addr)) < 0 ||
        (err = shop_body_int(r, "quantity", 0, 1, 1000, &qty, &has_qty)) < 0)
        return err;
    /* no lookup first: Redis's mark (or MariaDB's stored answer, met by
     * the INSERT of a later one) finds an earlier answer of the key */
    if ((err = shop_idem_prepare(r, fl_arena_printf(r->arena, "flash:%lld", id), &k)) < 0 ||
        (err = sale_cached(r, id, &s)) < 0)
        return err;
    if (qty > s.limit)
        return shop_fail(r, SHOP_E_VALIDATION, "at most %lld per buyer in this sale", s.limit);
    time_t now = time(NULL);
    s.started = now >= s.starts;
    s.ended = now >= s.ends;
    if (!s.started || s.ended || s.rowlock) { /* not the Redis take: the session as on any route */
        if ((err = shop_auth_settle_now(r)) < 0)
            return err;
        k.account_id = r->session->account_id;
    }
    if (!s.started) {
        if ((err = shop_idem_replay(r, &k)) != 0) /* not stored: look for an earlier answer */
            return err < 0 ? err : SHOP_OK;
        return shop_fail_code(r, SHOP_E_CONFLICT, "sale_not_started", "flash sale %lld has not started", id);
    }
    if (s.ended)
        return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "sale_ended", "flash sale %lld has ended", id);

    if (s.rowlock) {
        int rc = FL_DB_OK;
        if ((err = shop_db(r, &db)) < 0)
            return err;
        for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
            text = NULL;
            rc = buy_rowlock_tx(r, db, &s, &k, qty, online, &addr, &text);
            if (rc != FL_DB_EDEADLOCK)
                break;
        }
        switch (rc) {
        case BUY_OK:
            return shop_reply_raw(r, 201, "application/json", text, strlen(text));
        case BUY_DUP:
            return (err = shop_idem_replay(r, &k)) < 0 ? err : SHOP_OK;
        case BUY_SOLD_OUT:
            return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "sold_out", "flash sale %lld is sold out", id);
        case BUY_LIMIT:
            return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "limit_reached",
                                  "you already hold %lld of flash sale %lld (the limit)", s.limit, id);
        default:
            return shop_fail_db(r, rc);
        }
    }

    /* the take, with the session's lookup, goes out with others on the
     * Redis batch; this request waits, suspended, without holding a thread */
    buy_job *j = fl_arena_alloc(r->arena, sizeof(*j));
    memset(j, 0, sizeof(*j));
    j->item.run = job_run;
    j->item.done = job_done;
    j->item.run_all = jobs_run_all;
    j->r = r;
    j->s = s;
    j->k = k;
    j->addr = addr;
    j->qty = qty;
    j->online = online;
    return take_submit(j);
}

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
 *   1. take.lua on flash:{ID}:stock / :buyers: checks stock and the buyer's
 *      units and takes them in one step, answering the counter after the take
 *      (= the slot numbers to claim), or -1 sold out, -2 limit, -3 counter
 *      missing -> rebuild from MariaDB, try again
 *   2. one transaction: order row, buyer guard (`units + n <= limit`), slot
 *      claims (`order_id IS NULL`; a slot already held, possible only after a
 *      counter rebuild, falls back to any free slot), order lines naming the
 *      slots' lots, the stored idempotent answer, commit
 *   3. a transaction that failed for a reason that leaves the units unsold
 *      (database down, same key answered meanwhile) gives them back to Redis;
 *      one that found no free slot does not (the counter was high)
 * mode "rowlock" (the baseline, and a correct checkout without Redis):
 *   SELECT ... FOR UPDATE on the sale row, claim the first free slot, commit.
 *
 * MariaDB is the truth: a slot is held by at most one order and a buyer's
 * units are guarded, so a wrong Redis counter can cost a refused attempt,
 * never a unit sold twice. shop_flash_rebuild (start-up and every few
 * seconds, from the orders sweeper) recreates missing counters and corrects
 * ones that disagree with MariaDB while no sale happened since its previous
 * pass (flash:{ID}:gen counts takes). Cancelling a flash order frees its
 * slots while the sale runs; after the end, shop_flash_release_ended returns
 * unsold slots to their lots ('cancellation' rows). */
#include "farmlive/shop_flash.h"
#include "farmlive/shop_auth.h"
#include "farmlive/shop_handlers.h"
#include "farmlive/shop_idem.h"
#include "farmlive/shop_inventory.h"
#include "farmlive/shop_orders.h"
#include "farmlive/alloc.h"
#include "farmlive/log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TX_ATTEMPTS 4
#define SALE_QTY_MAX 1000000
#define KEY_TTL_AFTER_END 86400

static const char take_lua[] =
    "local s = redis.call('GET', KEYS[1]) "
    "if not s then return -3 end "
    "local q = tonumber(ARGV[2]) "
    "local b = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') "
    "if b + q > tonumber(ARGV[3]) then return -2 end "
    "if tonumber(s) < q then return -1 end "
    "redis.call('DECRBY', KEYS[1], q) "
    "redis.call('HINCRBY', KEYS[2], ARGV[1], q) "
    "redis.call('INCR', KEYS[3]) "
    "return tonumber(s) - q";

/* ARGV: account, units, whether the buyer's units go back too */
static const char give_lua[] =
    "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end "
    "redis.call('INCRBY', KEYS[1], ARGV[2]) "
    "if ARGV[3] == '1' and tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') >= tonumber(ARGV[2]) then "
    "  redis.call('HINCRBY', KEYS[2], ARGV[1], -tonumber(ARGV[2])) end "
    "redis.call('INCR', KEYS[3]) "
    "return 1";

/* KEYS: stock, buyers, gen, seen. ARGV: remaining, ttl, then account/units pairs */
static const char rebuild_lua[] =
    "local g = redis.call('GET', KEYS[3]) or '0' "
    "local fix = 0 "
    "if redis.call('EXISTS', KEYS[1]) == 0 then fix = 1 "
    "elseif redis.call('GET', KEYS[4]) == g and redis.call('GET', KEYS[1]) ~= ARGV[1] then fix = 2 end "
    "if fix > 0 then "
    "  redis.call('SET', KEYS[1], ARGV[1]) redis.call('DEL', KEYS[2]) "
    "  for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end "
    "end "
    "redis.call('SET', KEYS[4], g) "
    "for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end "
    "return fix";

typedef struct sale {
    long long id, coop_id, sku_id, price_fen, quantity, sold, limit; /* sold: only when asked for */
    int rowlock, started, ended;
    long long starts, ends; /* unix seconds */
    const char *name, *spec, *unit, *coop_name;
} sale;

enum { TAKE_SOLD_OUT = -1, TAKE_LIMIT = -2, TAKE_MISSING = -3 };

static void keys_of(long long id, char stock[48], char buyers[48], char gen[48], char seen[48])
{
    snprintf(stock, 48, "flash:{%lld}:stock", id);
    snprintf(buyers, 48, "flash:{%lld}:buyers", id);
    snprintf(gen, 48, "flash:{%lld}:gen", id);
    snprintf(seen, 48, "flash:{%lld}:seen", id);
}

/* ---- counters ----------------------------------------------------------- */

/* Rebuilds (or corrects) one sale's counters from MariaDB. 0, or -1 when a
 * server could not be reached. */
static int rebuild_one(fl_db *db, fl_kv *kv, long long id, long long remaining, long long ttl)
{
    fl_rows *rows = NULL;
    char stock[48], buyers[48], gen[48], seen[48], rem[24], ttls[24];
    int rc = fl_db_query(db, &rows, "SELECT account_id, units FROM flash_buyers WHERE sale_id = ? AND units > 0",
                         "i", id);
    if (rc != FL_DB_OK)
        return -1;
    size_t nb = fl_rows_count(rows), argc = 9 + 2 * nb;
    const char **av = fl_calloc(argc, sizeof(*av));
    size_t *ln = fl_calloc(argc, sizeof(*ln));
    keys_of(id, stock, buyers, gen, seen);
    snprintf(rem, sizeof(rem), "%lld", remaining);
    snprintf(ttls, sizeof(ttls), "%lld", ttl > 0 ? ttl : 1);
    const char *fixed[] = {"EVAL", rebuild_lua, "4", stock, buyers, gen, seen, rem, ttls};
    for (size_t i = 0; i < 9; i++)
        av[i] = fixed[i];
    for (size_t i = 0; i < nb; i++) {
        av[9 + 2 * i] = fl_rows_str(rows, i, 0);
        av[10 + 2 * i] = fl_rows_str(rows, i, 1);
    }
    for (size_t i = 0; i < argc; i++)
        ln[i] = strlen(av[i]);
    redisReply *rep = fl_kv_cmdargv(kv, (int)argc, av, ln);
    rc = rep && rep->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (rep && rep->type == REDIS_REPLY_INTEGER && rep->integer > 0)
        fl_log(FL_LOG_INFO, "flash_counter_rebuilt", "sale %lld: counter %s from MariaDB: %lld left", id,
               rep->integer == 1 ? "recreated" : "corrected", remaining);
    if (rep && rep->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_ERROR, "redis_error", "flash rebuild: %s", rep->str);
    if (rep)
        freeReplyObject(rep);
    fl_free(av);
    fl_free(ln);
    fl_rows_free(rows);
    return rc;
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

/* Gives units back to the Redis counter (and to the buyer's count). */
static void give_back(fl_kv *kv, long long sale_id, long long buyer, long long units, int buyer_too)
{
    char stock[48], buyers[48], gen[48], seen[48];
    keys_of(sale_id, stock, buyers, gen, seen);
    redisReply *rep = fl_kv_cmd(kv, "EVAL %s 3 %s %s %s %lld %lld %d", give_lua, stock, buyers, gen, buyer, units,
                                buyer_too);
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        fl_log(FL_LOG_WARN, "flash_give_back_failed", "sale %lld: %lld units not returned to Redis (the rebuild will)",
               sale_id, units);
    if (rep)
        freeReplyObject(rep);
}

void shop_flash_release_kv(fl_kv *kv, long long sale_id, long long buyer, long long units)
{
    give_back(kv, sale_id, buyer, units, 1);
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

static int sale_cached(shop_req *r, fl_db *db, long long id, sale *out)
{
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
    if ((err = sale_load(r, db, id, 0, out, &rows)) < 0)
        return err;
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
    /* load the counter now; if Redis is down, the first buyer or the sweeper will */
    if (strcmp(mode, "redis") == 0 && (r->kv || fl_kv_acquire(r->ctx->kv, &r->kv) == FL_KV_OK))
        rebuild(db, r->kv, id);
    sale s;
    if ((err = sale_load(r, db, id, 1, &s, &rows)) < 0)
        return err;
    return shop_reply_json(r, 201, sale_json(&s, rows, s.quantity - s.sold));
}

/* ---- buying ------------------------------------------------------------- */

enum { BUY_OK = 0, BUY_SOLD_OUT = 10, BUY_LIMIT, BUY_RETRY, BUY_DUP };

static char *now_iso(char out[24], long long plus)
{
    time_t t = time(NULL) + plus;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

/* The order as GET /api/v1/orders/{id} shows it, built in memory. lines is
 * stolen. */
static char *order_text(shop_req *r, const sale *s, long long order_id, int online, long long qty,
                        const shop_address *a, json_t *lines)
{
    char now[24], exp[24];
    json_t *o = json_pack(
        "{s:I,s:s,s:I,s:I,s:s,s:I,s:s,s:I,s:{s:s,s:s,s:s,s:s,s:s,s:s},s:n,s:n,s:n,s:n,s:o,s:n,s:n,s:n,s:n,s:n,"
        "s:n,s:s,s:o}",
        "id", order_id, "status", online ? "pending_payment" : "confirmed", "buyer_account_id",
        r->session->account_id, "coop_id", s->coop_id, "coop_name", s->coop_name, "flash_sale_id", s->id,
        "payment_method", online ? "online" : "cod", "total_fen", s->price_fen * qty, "address", "name", a->name,
        "phone", a->phone, "province", a->province, "city", a->city, "county", a->county, "detail", a->detail,
        "carrier", "tracking_no", "payment_txn", "cancel_reason", "expires_at",
        online ? json_string(now_iso(exp, r->ctx->cfg->order_expiry_s)) : json_null(), "paid_at", "shipped_at",
        "delivered_at", "completed_at", "cancelled_at", "refunded_at", "created_at", now_iso(now, 0), "lines", lines);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    char *copy = text ? fl_arena_strdup(r->arena, text) : NULL;
    free(text);
    return copy;
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

/* Writes the order lines of the claimed slots (one per lot) and returns
 * them as JSON in *lines. */
static int lines_write(fl_db *db, const sale *s, long long order_id, json_t **lines)
{
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows,
                         "SELECT f.lot_id, l.code, COUNT(*) FROM flash_slots f JOIN lots l ON l.id = f.lot_id "
                         "WHERE f.order_id = ? GROUP BY f.lot_id, l.code ORDER BY f.lot_id",
                         "i", order_id);
    if (rc != FL_DB_OK)
        return rc;
    *lines = json_array();
    for (size_t i = 0; i < fl_rows_count(rows); i++) {
        long long lot = fl_rows_int(rows, i, 0), n = fl_rows_int(rows, i, 2);
        if ((rc = fl_db_exec(db,
                             "INSERT INTO order_lines (order_id, sku_id, lot_id, product_name, spec, unit, quantity, "
                             "unit_price_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             "iiisssii", order_id, s->sku_id, lot, s->name, s->spec, s->unit, n, s->price_fen)) !=
            FL_DB_OK)
            break;
        json_array_append_new(*lines, json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "sku_id", s->sku_id,
                                                "lot_id", lot, "lot_code", fl_rows_str(rows, i, 1), "product_name",
                                                s->name, "spec", s->spec, "unit", s->unit, "quantity", n,
                                                "unit_price_fen", s->price_fen, "line_total_fen", s->price_fen * n));
    }
    fl_rows_free(rows);
    return rc;
}

/* One attempt at the order transaction. Returns BUY_*, or FL_DB_E* (<0).
 * Rolls back unless BUY_OK; *text is the stored answer. */
static int buy_tx(shop_req *r, fl_db *db, const sale *s, const shop_idem *k, long long qty, long long first,
                  int online, const shop_address *a, char **text)
{
    long long order_id = 0, buyer = r->session->account_id;
    json_t *lines = NULL;
    int rc = fl_db_begin(db);
    if (rc != FL_DB_OK)
        return rc;
    if (s->rowlock) { /* the baseline: the sale row is the lock */
        fl_rows *rows = NULL;
        rc = fl_db_query(db, &rows, "SELECT id FROM flash_sales WHERE id = ? FOR UPDATE", "i", s->id);
        fl_rows_free(rows);
        if (rc != FL_DB_OK)
            goto out_rollback;
    }
    if ((rc = shop_order_insert(db, r->ctx->cfg, buyer, s->coop_id, s->id, online, s->price_fen * qty, a,
                                &order_id)) != FL_DB_OK ||
        (rc = slots_claim(db, s->id, order_id, first, qty)) != BUY_OK ||
        (rc = fl_db_exec(db, "INSERT IGNORE INTO flash_buyers (sale_id, account_id, units) VALUES (?, ?, 0)", "ii",
                         s->id, buyer)) != FL_DB_OK ||
        (rc = fl_db_exec(db,
                         "UPDATE flash_buyers SET units = units + ? WHERE sale_id = ? AND account_id = ? "
                         "AND units + ? <= ?",
                         "iiiii", qty, s->id, buyer, qty, s->limit)) != FL_DB_OK)
        goto out_rollback;
    if (fl_db_affected(db) != 1) {
        rc = BUY_LIMIT;
        goto out_rollback;
    }
    if ((rc = lines_write(db, s, order_id, &lines)) != FL_DB_OK)
        goto out_rollback;
    *text = order_text(r, s, order_id, online, qty, a, lines);
    lines = NULL;
    if ((rc = shop_idem_store_tx(db, k, 201, *text ? *text : "{}")) != FL_DB_OK) {
        if (rc == FL_DB_EDUP)
            rc = BUY_DUP;
        goto out_rollback;
    }
    if ((rc = fl_db_commit(db)) != FL_DB_OK)
        goto out_rollback;
    return BUY_OK;
out_rollback:
    json_decref(lines);
    fl_db_rollback(db);
    return rc;
}

/* Takes qty units in Redis: >= 0 the counter after the take (the first slot
 * to claim), or TAKE_*; -100 when Redis is down. Rebuilds a missing counter
 * once. */
static long long take(shop_req *r, fl_db *db, fl_kv *kv, const sale *s, long long qty)
{
    char stock[48], buyers[48], gen[48], seen[48];
    keys_of(s->id, stock, buyers, gen, seen);
    for (int attempt = 0; attempt < 2; attempt++) {
        redisReply *rep = fl_kv_cmd(kv, "EVAL %s 3 %s %s %s %lld %lld %lld", take_lua, stock, buyers, gen,
                                    r->session->account_id, qty, s->limit);
        if (!rep || rep->type != REDIS_REPLY_INTEGER) {
            if (rep && rep->type == REDIS_REPLY_ERROR)
                fl_log(FL_LOG_ERROR, "redis_error", "flash take: %s", rep->str);
            if (rep)
                freeReplyObject(rep);
            return -100;
        }
        long long v = rep->integer;
        freeReplyObject(rep);
        if (v != TAKE_MISSING)
            return v;
        if (rebuild(db, kv, s->id) < 0)
            return -100;
    }
    return -100;
}

int shop_flash_buy(shop_req *r)
{
    fl_db *db = NULL;
    fl_kv *kv = NULL;
    shop_address addr;
    shop_idem k;
    sale s;
    char scope[40], *text = NULL;
    long long id, qty = 1, first = -1;
    int online, has_qty = 0, err, rc = FL_DB_OK;

    if ((err = shop_param_id(r, 0, &id)) < 0 || (err = shop_order_input(r, &online, &addr)) < 0 ||
        (err = shop_body_int(r, "quantity", 0, 1, 1000, &qty, &has_qty)) < 0)
        return err;
    snprintf(scope, sizeof(scope), "flash:%lld", id);
    /* no lookup first: every outcome below stores its answer with an INSERT
     * that meets an earlier answer of the key (then replayed) */
    if ((err = shop_idem_prepare(r, scope, &k)) < 0 || (err = shop_db(r, &db)) < 0 ||
        (err = sale_cached(r, db, id, &s)) < 0)
        return err;
    if (qty > s.limit)
        return shop_fail(r, SHOP_E_VALIDATION, "at most %lld per buyer in this sale", s.limit);
    time_t now = time(NULL);
    s.started = now >= s.starts;
    s.ended = now >= s.ends;
    if (!s.started) {
        if ((err = shop_idem_replay(r, &k)) != 0) /* not stored: look for an earlier answer */
            return err < 0 ? err : SHOP_OK;
        return shop_fail_code(r, SHOP_E_CONFLICT, "sale_not_started", "flash sale %lld has not started", id);
    }
    if (s.ended)
        return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "sale_ended", "flash sale %lld has ended", id);
    if (!s.rowlock) {
        if ((err = shop_kv(r, &kv)) < 0)
            return err;
        first = take(r, db, kv, &s, qty);
        if (first == -100)
            return shop_fail_kv(r);
        if (first == TAKE_SOLD_OUT)
            return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "sold_out", "flash sale %lld is sold out", id);
        if (first == TAKE_LIMIT)
            return shop_idem_fail(r, &k, SHOP_E_CONFLICT, "limit_reached",
                                  "you already hold %lld of flash sale %lld (the limit)", s.limit, id);
    }
    for (int attempt = 0; attempt < TX_ATTEMPTS; attempt++) {
        text = NULL;
        rc = buy_tx(r, db, &s, &k, qty, first, online, &addr, &text);
        if (rc != BUY_RETRY && rc != FL_DB_EDEADLOCK)
            break;
    }
    if (rc == BUY_OK) /* reply with exactly the stored answer */
        return shop_reply_raw(r, 201, "application/json", text, strlen(text));
    /* not sold: the units taken in Redis go back unless MariaDB says the
     * sale has no free slot or the buyer is at the limit */
    if (kv && (rc == BUY_DUP || rc < 0))
        give_back(kv, s.id, r->session->account_id, qty, 1);
    else if (kv && rc == BUY_LIMIT)
        give_back(kv, s.id, r->session->account_id, qty, 0);
    switch (rc) {
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

/* trace_verify.c - how long verifying a lot with 1,000 trace events takes.
 *
 *   FARMLIVE_DB_* ... bin/bench-trace_verify [EVENTS] [RUNS]
 *
 * Against the database named by the FARMLIVE_* settings (a migrated, seeded
 * one: `make bench` runs it on its throwaway stack), creates once the lot
 * BENCH-VERIFY-{EVENTS} of the demo egg SKU with EVENTS events (inserted
 * unsealed in one transaction, then sealed and signed by
 * shop_trace_seal_all()), and then times RUNS calls of the domain function
 * shop_trace_verify_lot() - the whole of GET /api/v1/trace/{lot}/verify
 * minus HTTP: finding the lot, reading the events, head and certificates
 * from MariaDB,
 * re-canonicalising and re-hashing every event, checking the signatures.
 * Prints the median, p95 and best time in ms, and the pure in-memory part
 * (canonical JSON + SHA-256 chain) measured alone. Exit 1 when the lot does
 * not verify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "farmlive/alloc.h"
#include "farmlive/canon_json.h"
#include "farmlive/config.h"
#include "farmlive/crypto.h"
#include "farmlive/db.h"
#include "farmlive/hashchain.h"
#include "farmlive/log.h"
#include "farmlive/shop/domain/trace.h"
#include "farmlive/shop/domain/trace_key.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Creates the lot and its events unless it exists. 0 or -1. */
static int make_lot(fl_db_pool *pool, const fl_config *cfg, const char *code, int events)
{
    enum { SC_SKU, SC_COOP };
    fl_db *db = NULL;
    fl_rows *rows = NULL;
    long long lot_id;
    int rc = -1;

    if (fl_db_acquire(pool, &db) != FL_DB_OK)
        return -1;
    if (fl_db_query(db, &rows, "SELECT id FROM lots WHERE code = ?", "s", code) != FL_DB_OK)
        goto out;
    if (fl_rows_count(rows) > 0) {
        rc = 0;
        goto out;
    }
    fl_rows_free(rows);
    rows = NULL;
    if (fl_db_query(db, &rows,
                    "SELECT s.id, p.coop_id FROM skus s JOIN products p ON p.id = s.product_id "
                    "WHERE s.gtin = '06970615000112'",
                    "") != FL_DB_OK ||
        fl_rows_count(rows) == 0) {
        fprintf(stderr, "bench-trace_verify: the demo egg SKU is missing (seed the demo first)\n");
        goto out;
    }
    if (fl_db_begin(db) != FL_DB_OK ||
        fl_db_exec(db,
                   "INSERT INTO lots (code, sku_id, coop_id, quantity, unit, remaining) "
                   "VALUES (?, ?, ?, 1000, '盒', 1000)",
                   "sii", code, fl_rows_int(rows, 0, SC_SKU), fl_rows_int(rows, 0, SC_COOP)) != FL_DB_OK)
        goto out_rollback;
    lot_id = (long long)fl_db_insert_id(db);
    if (fl_db_exec(db,
                   "INSERT INTO inventory_ledger (lot_id, sku_id, delta, reason, note) "
                   "VALUES (?, ?, 1000, 'produced', 'bench')",
                   "ii", lot_id, fl_rows_int(rows, 0, SC_SKU)) != FL_DB_OK)
        goto out_rollback;
    for (int i = 1; i <= events; i++) {
        char details[128];
        snprintf(details, sizeof(details), "{\"batch\":%d,\"note\":\"鸡舍巡检\",\"ok\":true}", i);
        if (fl_db_exec(db,
                       "INSERT INTO trace_events (lot_id, seq, kind, occurred_at, place, actor, details) "
                       "VALUES (?, ?, 'fed', DATE_ADD('2026-01-01', INTERVAL ? MINUTE), "
                       "'大城基地 林下鸡舍 3 号', '刘春花', ?)",
                       "iiis", lot_id, (long long)i, (long long)i, details) != FL_DB_OK)
            goto out_rollback;
    }
    if (fl_db_commit(db) != FL_DB_OK)
        goto out_rollback;
    fl_db_release(db);
    db = NULL;
    rc = shop_trace_seal_all(pool, cfg);
    goto out;
out_rollback:
    fprintf(stderr, "bench-trace_verify: %s\n", fl_db_error(db));
    fl_db_rollback(db);
out:
    fl_rows_free(rows);
    fl_db_release(db);
    return rc;
}

/* The pure part: canonicalise and chain `events` events in memory. */
static double pure_chain_ms(int events)
{
    char prev[FL_CHAIN_HEX] = FL_CHAIN_GENESIS, h[FL_CHAIN_HEX];
    double t0 = now_ms();
    for (int i = 1; i <= events; i++) {
        json_t *o = json_pack("{s:s,s:{s:i,s:s,s:b},s:s,s:s,s:s,s:s,s:i}", "actor", "刘春花", "details", "batch", i,
                              "note", "鸡舍巡检", "ok", 1, "kind", "fed", "lot", "BENCH", "occurred_at",
                              "2026-01-01T00:00:00Z", "place", "大城基地 林下鸡舍 3 号", "seq", i);
        size_t len = 0;
        char *c = fl_canon_json(o, &len);
        fl_chain_hash(c, len, prev, h);
        memcpy(prev, h, sizeof(prev));
        fl_free(c);
        json_decref(o);
    }
    return now_ms() - t0;
}

int main(int argc, char **argv)
{
    fl_config cfg;
    char err[512], code[64];
    int events = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 1000;
    int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 50;
    double *t = NULL;
    fl_db_pool *pool = NULL;
    const fl_signkey *key = NULL;
    int rc = 1, verified = 1;

    if (events < 1 || events > 100000 || runs < 1 || runs > 10000) {
        fprintf(stderr, "usage: bench-trace_verify [EVENTS 1..100000] [RUNS 1..10000]\n");
        return 2;
    }
    if (fl_config_load(&cfg, err, sizeof(err)) != 0 || fl_crypto_init() != 0) {
        fprintf(stderr, "bench-trace_verify: %s\n", err);
        return 2;
    }
    fl_log_set_level(FL_LOG_WARN);
    pool = fl_db_pool_new(&cfg);
    snprintf(code, sizeof(code), "BENCH-VERIFY-%d", events);
    if (make_lot(pool, &cfg, code, events) != 0) {
        fprintf(stderr, "bench-trace_verify: could not create lot %s\n", code);
        goto out;
    }
    if (shop_trace_key_get(&cfg, &key, NULL) != SHOP_OK)
        goto out;
    t = fl_calloc((size_t)runs + 1, sizeof(*t));
    for (int i = 0; i <= runs; i++) { /* run 0 warms the statement cache */
        shop_fault f = {0};
        fl_db *db = NULL;
        json_t *v = NULL;
        double t0 = now_ms();
        if (fl_db_acquire(pool, &db) != FL_DB_OK || shop_trace_verify_lot(db, key, code, &v, &f)) {
            fprintf(stderr, "bench-trace_verify: %s\n", f.msg[0] ? f.msg : "no database connection");
            fl_db_release(db);
            goto out;
        }
        t[i] = now_ms() - t0;
        if (!json_is_true(json_object_get(v, "verified")) ||
            json_integer_value(json_object_get(v, "events_checked")) != events)
            verified = 0;
        json_decref(v);
        fl_db_release(db);
    }
    qsort(t + 1, (size_t)runs, sizeof(*t), cmp_double);
    printf("trace verify, %d events, %d runs: median %.2f ms, p95 %.2f ms, best %.2f ms "
           "(pure canonical JSON + SHA-256 chain: %.2f ms) %s\n",
           events, runs, t[1 + runs / 2], t[1 + (runs * 95) / 100 < runs ? 1 + (runs * 95) / 100 : runs], t[1],
           pure_chain_ms(events), verified ? "verified" : "NOT VERIFIED");
    rc = verified ? 0 : 1;
out:
    fl_free(t);
    fl_db_pool_free(pool);
    return rc;
}

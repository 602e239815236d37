/* shop/domain/product_search.h - the catalogue's full-text search
 * (domain/product_search.c): what a buyer's words become, and the derived
 * table product_search that answers them (schema/migrations/055).
 *
 *   product / SKU write ─┐ in its own transaction, last, holding the rows' locks
 *   coop rename ─────────┴─> shop_product_search_sync[_coop]() ──> product_search (Mroonga)
 *   jobs thread ── shop_product_search_repair(): drift found and mended, a pass every 5 min
 *   GET /products?q= ── shop_search_expr(q) ── SHOP_PRODUCT_SEARCH_SQL ── ranked ids
 *
 * product_search holds one row per listed product: title (names in both
 * languages, category and its words, the cooperative's names) and body
 * (active SKUs' specs, description), indexed by Mroonga as character
 * bigrams, so Chinese needs no word breaks. It is never the truth (a
 * search still checks products.status). Every write that changes what a
 * product says rewrites its row inside the same transaction, as its last
 * statement, while it holds the product's row lock: the row is read from
 * the transaction's own view, and writes of one product reach the row in
 * the order they commit. Mroonga itself is not transactional: a
 * transaction that fails after its sync (a COMMIT that fails) leaves the
 * row ahead of products; the repair job mends that within a pass.
 *
 * Search semantics: every word of q must match (in any order, in title or
 * body); a word is a run of characters between separators (spaces, ASCII
 * punctuation and symbols, CJK and full-width punctuation, symbols and
 * emoji) or where Chinese characters meet other letters. A word of three
 * or more Chinese characters is matched as its two-character pieces (so
 * "绿壳鸡蛋" finds "绿壳乌鸡蛋"), the whole word adding to the score when
 * it appears as written. Scores: Mroonga's term
 * counts, a match in the title counting ten times one in the body. */
#ifndef FARMLIVE_SHOP_DOMAIN_PRODUCT_SEARCH_H
#define FARMLIVE_SHOP_DOMAIN_PRODUCT_SEARCH_H

#include "farmlive/arena.h"
#include "farmlive/db.h"
#include "farmlive/shop/core/ctx.h"

/* The products that match a search, as a derived table of (id, score):
 * binds two parameters, both the text shop_search_expr made. score is a
 * whole number > 0. */
#define SHOP_PRODUCT_SEARCH_SQL                                                                                        \
    "(SELECT x.product_id AS id, CAST(MATCH(x.title, x.body) AGAINST(? IN BOOLEAN MODE) AS UNSIGNED) AS score "        \
    "FROM product_search x WHERE MATCH(x.title, x.body) AGAINST(? IN BOOLEAN MODE))"

/* ---- pure (no I/O) ---- */

/* Whether code point cp separates words in a search. */
int shop_search_separator(unsigned long cp);

/* The Mroonga boolean query for the search text q (valid UTF-8, at most a
 * few hundred bytes: the API bounds it) into *expr, in the arena: the
 * weights pragma, then +"word" for each word (+"piece" for each piece of
 * a long Chinese word, and the word itself, optional, for the score).
 * Returns the number of words; 0 (and *expr NULL) when q holds none. */
int shop_search_expr(fl_arena *a, const char *q, const char **expr);

/* ---- the derived table ---- */

/* Brings product_id's row up to date: written when the product is listed
 * (only when its text changed), removed when it is not. Called inside the
 * transaction that changed the product or its SKUs, after its writes, with
 * the product's row locked (FOR UPDATE, or the transaction's own UPDATE or
 * INSERT of it). FL_DB_OK, or the failure: the caller rolls back. */
int shop_product_search_sync(fl_db *db, long long product_id);
/* The rows of every listed product of cooperative coop_id (its names are
 * in them), inside the transaction that renamed it, after it locked those
 * products' rows (products first, then the cooperative: the order product
 * writes take them in). FL_DB_OK or the failure. */
int shop_product_search_sync_coop(fl_db *db, long long coop_id);

/* Compares product_search with what products say, from id after_id on, and
 * mends every difference, until the last product or until budget_ms have
 * passed (0: no limit). Returns the number of products mended, or -1 when
 * MariaDB failed; *next_id gets the id to go on from (0: the pass reached
 * the end). A product whose write is in flight looks drifted (its row is
 * written before the write commits); mending it waits in the sync's
 * locking read for that commit, then writes what committed, so mending
 * never undoes a write, and does undo one rolled back after its sync. */
long long shop_product_search_repair_from(fl_db *db, long long after_id, int budget_ms, long long *next_id);

/* The periodic job (main.c's jobs table): a pass over every product each
 * 5 minutes (the first at start), each run going on for up to 3 s where
 * the last one stopped; a run between passes does nothing. A pass over
 * 10,000 products that agree takes about 0.3 s; one that writes them all
 * (an empty table after the migration or a restore) about 15 s, so 5 runs.
 * Count mended, or -1. */
int shop_product_search_repair(shop_ctx *ctx);

#endif

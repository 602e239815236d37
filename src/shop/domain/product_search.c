/* product_search.c - the catalogue's full-text search (see
 * shop/domain/product_search.h): a buyer's words as a Mroonga query, and
 * the derived table product_search kept up with products.
 *
 * One SQL expression (DOC_SELECT) says what a product's search text is;
 * the writes' sync and the repair job write it, and write only the rows
 * that differ (Mroonga re-indexes every written row: about 1 ms a product,
 * a removal about as much). */
#include "farmlive/shop/domain/product_search.h"
#include "farmlive/log.h"

#include <limits.h>
#include <string.h>
#include <time.h>

/* clang-format off */
/* Listed products' search text, as d(id, title, body) once wrapped; the
 * caller appends "AND ..." to narrow it. */
#define DOC_SELECT                                                                                 \
    "SELECT p.id, CONCAT_WS(' ', p.name_zh, p.name_en, p.category, w.words, c.name, c.name_en) "  \
    "AS title, CONCAT_WS(' ', (SELECT GROUP_CONCAT(s.spec ORDER BY s.id SEPARATOR ' ') "           \
    "FROM skus s WHERE s.product_id = p.id AND s.active = 1), p.description) AS body "             \
    "FROM products p JOIN cooperatives c ON c.id = p.coop_id "                                    \
    "LEFT JOIN product_category_words w ON w.category = p.category WHERE p.status = 'listed' "

#define DOC_SELECT_INTO "INSERT INTO product_search (product_id, title, body) " DOC_SELECT

/* d's row is missing from product_search (x) or says something else. */
#define DOC_DIFFERS                                                                                \
    "(x.product_id IS NULL OR BINARY x.title <> BINARY d.title OR BINARY x.body <> BINARY d.body)"

/* Product ?'s row written, when it is listed. MariaDB leaves a row that
 * an ON DUPLICATE KEY UPDATE would not change alone, so Mroonga re-indexes
 * only text that changed (a price change costs it nothing). */
static const char UPSERT_SQL[] =
    DOC_SELECT_INTO "AND p.id = ? "
    "ON DUPLICATE KEY UPDATE title = VALUES(title), body = VALUES(body)";

/* The rows of cooperative ?'s listed products (after it was renamed). */
static const char UPSERT_COOP_SQL[] =
    DOC_SELECT_INTO "AND p.coop_id = ? "
    "ON DUPLICATE KEY UPDATE title = VALUES(title), body = VALUES(body)";

/* Product ?'s row removed unless it is listed. */
static const char REMOVE_SQL[] =
    "DELETE FROM product_search WHERE product_id = ? "
    "AND NOT EXISTS (SELECT 1 FROM products p WHERE p.id = ? AND p.status = 'listed')";

/* The next slice of a pass: how many products follow id ?, up to ? (
 * REPAIR_SLICE), and the last of them. */
static const char SLICE_SQL[] =
    "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM "
    "(SELECT id FROM products WHERE id > ? ORDER BY id LIMIT ?) s";

/* Products in (?, ?] whose row differs from what they say, then rows in
 * (?, ?] of products no longer listed (or gone). Plain reads: no locks. */
static const char DRIFT_SQL[] =
    "SELECT d.id FROM (" DOC_SELECT "AND p.id > ? AND p.id <= ?) d "
    "LEFT JOIN product_search x ON x.product_id = d.id WHERE " DOC_DIFFERS " "
    "UNION SELECT x.product_id FROM product_search x "
    "LEFT JOIN products p ON p.id = x.product_id AND p.status = 'listed' "
    "WHERE x.product_id > ? AND x.product_id <= ? AND p.id IS NULL";
/* clang-format on */

#define REPAIR_SLICE 2000     /* products compared per query */
#define REPAIR_BUDGET_MS 3000 /* a job run's time, at most (one slice more) */
#define REPAIR_PASS_MS 300000 /* a new pass starts this long after the last one started */

/* ---- words -------------------------------------------------------------- */

int shop_search_separator(unsigned long cp)
{
    if (cp < 0x80)
        return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
    return cp <= 0xBF || cp == 0xD7 || cp == 0xF7 ||                         /* C1 controls, Latin-1 signs, x and / */
           (cp >= 0x2000 && cp <= 0x2BFF) ||                                 /* punctuation, symbols, arrows, shapes */
           (cp >= 0x3000 && cp <= 0x303F && (cp < 0x3005 || cp > 0x3007)) || /* CJK punctuation */
           (cp >= 0xFE00 && cp <= 0xFE6F) ||                                 /* variation selectors, CJK forms */
           (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || /* full-width punctuation */
           (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) || (cp >= 0xFFF0 && cp <= 0xFFFF) ||
           (cp >= 0x1F000 && cp <= 0x1FAFF) || /* emoji and pictographs */
           cp >= 0xE0000;                      /* tags, private use */
}

/* A Chinese (or kana, hangul) character: words of them are cut in pieces. */
static int cjk_char(unsigned long cp)
{
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F);
}

/* The code point at s (valid UTF-8) into *cp; returns its length in bytes. */
static size_t utf8_next(const unsigned char *s, unsigned long *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] < 0xE0) {
        *cp = (unsigned long)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
        return 2;
    }
    if (s[0] < 0xF0) {
        *cp = (unsigned long)(s[0] & 0x0F) << 12 | (unsigned long)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
        return 3;
    }
    *cp = (unsigned long)(s[0] & 0x07) << 18 | (unsigned long)(s[1] & 0x3F) << 12 | (unsigned long)(s[2] & 0x3F) << 6 |
          (s[3] & 0x3F);
    return 4;
}

/* Appends the term <op>"s[0..n)" to out at *len. The text holds no '"' or
 * '\' (both separate words), so it needs no escaping. */
static void put_term(char *out, size_t *len, const char *op, const char *s, size_t n)
{
    size_t l = *len;
    out[l++] = ' ';
    for (; *op; op++)
        out[l++] = *op;
    out[l++] = '"';
    memcpy(out + l, s, n);
    l += n;
    out[l++] = '"';
    out[l] = '\0';
    *len = l;
}

/* The terms of one word s[0..n) of chars characters: +"word"; or, for a
 * Chinese word of 3 to WORD_PIECES_MAX characters, +"piece" for each two
 * characters (the last piece overlapping when chars is odd) and "word",
 * optional, for the score. */
#define WORD_PIECES_MAX 256
static void put_word(char *out, size_t *len, const char *s, size_t n, size_t chars, int cjk)
{
    size_t off[WORD_PIECES_MAX + 1], k = 0;
    unsigned long cp;
    if (!cjk || chars < 3 || chars > WORD_PIECES_MAX) {
        put_term(out, len, "+", s, n);
        return;
    }
    for (size_t i = 0; i < n; i += utf8_next((const unsigned char *)s + i, &cp))
        off[k++] = i;
    off[k] = n;
    for (size_t c = 0; c + 2 <= chars; c += 2)
        put_term(out, len, "+", s + off[c], off[c + 2] - off[c]);
    if (chars % 2)
        put_term(out, len, "+", s + off[chars - 2], n - off[chars - 2]);
    put_term(out, len, "", s, n);
}

int shop_search_expr(fl_arena *a, const char *q, const char **expr)
{
    static const char pragma[] = "*W1:10,2:1"; /* title x10, body x1 */
    size_t qlen = strlen(q), len = sizeof(pragma) - 1, i = 0;
    /* a word of n bytes makes at most 4n + 15 bytes of terms */
    char *out = fl_arena_alloc(a, sizeof(pragma) + 4 * qlen + 16 * (qlen + 1));
    int words = 0;

    memcpy(out, pragma, sizeof(pragma));
    *expr = NULL;
    while (i < qlen) {
        unsigned long cp;
        size_t start, chars = 0;
        size_t step = utf8_next((const unsigned char *)q + i, &cp);
        int cjk = cjk_char(cp);
        if (shop_search_separator(cp)) {
            i += step;
            continue;
        }
        start = i;
        /* a word ends at a separator or where Chinese meets other letters
         * ("鸡蛋eggs" is two words, as "鸡蛋 eggs" is) */
        while (i < qlen && !shop_search_separator(cp) && cjk_char(cp) == cjk) {
            chars++;
            i += step;
            if (i < qlen)
                step = utf8_next((const unsigned char *)q + i, &cp);
        }
        put_word(out, &len, q + start, i - start, chars, cjk);
        words++;
    }
    if (words > 0)
        *expr = out;
    return words;
}

/* ---- the derived table ---------------------------------------------------- */

/* Whether the product is listed is read first: a removal costs Mroonga
 * about as much as a write, even of nothing. */
int shop_product_search_sync(fl_db *db, long long product_id)
{
    enum { PS_LISTED };
    fl_rows *rows = NULL;
    int rc = fl_db_query(db, &rows, "SELECT status = 'listed' FROM products WHERE id = ?", "i", product_id);
    if (rc != FL_DB_OK)
        return rc;
    if (fl_rows_count(rows) > 0 && fl_rows_int(rows, 0, PS_LISTED))
        rc = fl_db_exec(db, UPSERT_SQL, "i", product_id);
    else
        rc = fl_db_exec(db, REMOVE_SQL, "ii", product_id, product_id);
    fl_rows_free(rows);
    return rc;
}

int shop_product_search_sync_coop(fl_db *db, long long coop_id)
{
    return fl_db_exec(db, UPSERT_COOP_SQL, "i", coop_id);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The products in (lo, hi] whose row differs, each mended: count or -1. */
static long long repair_slice(fl_db *db, long long lo, long long hi)
{
    enum { DR_ID };
    fl_rows *rows = NULL;
    long long done = 0;
    if (fl_db_query(db, &rows, DRIFT_SQL, "iiii", lo, hi, lo, hi) != FL_DB_OK)
        return -1;
    for (size_t i = 0; i < fl_rows_count(rows) && done >= 0; i++)
        done = shop_product_search_sync(db, fl_rows_int(rows, i, DR_ID)) == FL_DB_OK ? done + 1 : -1;
    fl_rows_free(rows);
    return done;
}

long long shop_product_search_repair_from(fl_db *db, long long after_id, int budget_ms, long long *next_id)
{
    enum { SL_COUNT, SL_LAST };
    long long start = now_ms(), lo = after_id, total = 0;
    *next_id = after_id;
    for (;;) {
        fl_rows *rows = NULL;
        long long n, hi, done;
        if (fl_db_query(db, &rows, SLICE_SQL, "ii", lo, (long long)REPAIR_SLICE) != FL_DB_OK)
            return -1;
        n = fl_rows_int(rows, 0, SL_COUNT);
        hi = n < REPAIR_SLICE ? LLONG_MAX : fl_rows_int(rows, 0, SL_LAST); /* the last slice: rows past it too */
        fl_rows_free(rows);
        if ((done = repair_slice(db, lo, hi)) < 0)
            return -1;
        total += done;
        if (hi == LLONG_MAX) {
            *next_id = 0;
            return total;
        }
        lo = *next_id = hi;
        if (budget_ms > 0 && now_ms() - start >= budget_ms)
            return total;
    }
}

int shop_product_search_repair(shop_ctx *ctx)
{
    /* the pass in progress: the jobs thread's alone */
    static long long next_id, pass_started_ms = -REPAIR_PASS_MS;
    fl_db *db = NULL;
    long long done;
    if (next_id == 0) {
        if (now_ms() - pass_started_ms < REPAIR_PASS_MS)
            return 0;
        pass_started_ms = now_ms();
    }
    if (fl_db_acquire(ctx->db, &db) != FL_DB_OK)
        return -1;
    done = shop_product_search_repair_from(db, next_id, REPAIR_BUDGET_MS, &next_id);
    if (done < 0)
        fl_log(FL_LOG_WARN, "search_repair_failed", "%s", fl_db_error(db));
    else if (done > 0)
        fl_log(FL_LOG_INFO, "search_repaired", "%lld products' search rows mended", done);
    fl_db_release(db);
    return done < 0 ? -1 : (int)(done > INT_MAX ? INT_MAX : done);
}

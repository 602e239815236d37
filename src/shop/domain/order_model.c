/* order_model.c - the order's one writer, one reader and one serializer,
 * all three made from the field lists of order_model.h.
 *
 *   the lists ---> SQL (made once): the SELECT of the read path, the
 *              |   INSERT ... SELECT FROM JSON_TABLE of the writer, for
 *              |   orders and for their lines
 *              +-> param_row: a record as one JSON_TABLE row
 *              +-> members_text: a record as its answer's members
 *
 * The answer is text formatted around JSON literals (core/json_text.h), not
 * a jansson tree: the flash sale's order writer makes hundreds per batch on
 * the path every winner waits on, where trees cost about 50 us an order. */
#include "farmlive/shop/domain/order_model.h"
#include "farmlive/log.h"
#include "farmlive/shop/core/json_text.h"
#include "farmlive/shop/core/values.h"
#include "farmlive/timefmt.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PARAM_MAX (64 * 1024 * 1024) /* one statement's JSON parameter */
#define SQL_MAX 4096

typedef struct field {
    const char *read, *json;
    int kind;
    const char *write;
} field;

#define FIELD_ROW_(NAME, read, json, kind, write) {read, json, kind, write},
static const field order_fields[SHOP_OF_COUNT] = {SHOP_ORDER_FIELDS(FIELD_ROW_)};
static const field line_fields[SHOP_OL_COUNT] = {SHOP_ORDER_LINE_FIELDS(FIELD_ROW_)};

/* ---- the statements, made once from the lists --------------------------- */

static struct {
    char select_one[SQL_MAX], select_buyer[SQL_MAX], select_coop[SQL_MAX], select_lines[SQL_MAX];
    char insert[SQL_MAX], insert_lines[SQL_MAX];
} sql;
static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

/* Appends the strings that follow (up to NULL) to the statement out. The
 * statements are the program's own text: one past SQL_MAX is a bug. */
static void cat(char out[SQL_MAX], ...)
{
    va_list ap;
    size_t n = strlen(out);
    va_start(ap, out);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *)) {
        size_t m = strlen(s);
        if (n + m >= SQL_MAX) {
            fl_log(FL_LOG_ERROR, "order_sql_too_long", "an order statement passed %d bytes", SQL_MAX);
            abort();
        }
        memcpy(out + n, s, m + 1);
        n += m;
    }
    va_end(ap);
}

/* The column a written field goes to: its read expression after "x.". */
static const char *column(const field *f)
{
    return strchr(f->read, '.') + 1;
}

static void select_list(char out[SQL_MAX], const field *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cat(out, i ? ", " : "", f[i].read, NULL);
}

/* INSERT INTO table (cols) SELECT j.cols FROM JSON_TABLE(?, ...) j, the
 * columns being the fields with a JSON_TABLE type, in array order. */
static void insert_sql(char out[SQL_MAX], const char *table, const field *f, size_t n)
{
    const char *sep = "";
    cat(out, "INSERT INTO ", table, " (", NULL);
    for (size_t i = 0; i < n; i++)
        if (f[i].write) {
            cat(out, sep, column(&f[i]), NULL);
            sep = ", ";
        }
    cat(out, ") SELECT ", NULL);
    sep = "";
    for (size_t i = 0; i < n; i++)
        if (f[i].write) {
            cat(out, sep, "j.`", column(&f[i]), "`", NULL);
            sep = ", ";
        }
    cat(out, " FROM JSON_TABLE(?, '$[*]' COLUMNS(i FOR ORDINALITY", NULL);
    for (size_t i = 0; i < n; i++)
        if (f[i].write)
            cat(out, ", `", column(&f[i]), "` ", f[i].write, " PATH '$.", column(&f[i]), "'", NULL);
    cat(out, ")) j ORDER BY j.i", NULL);
}

static void sql_build(void)
{
    static const char from[] = " FROM orders o JOIN cooperatives c ON c.id = o.coop_id "
                               "LEFT JOIN live_sessions ls ON ls.id = o.live_id ";
    static const char page[] =
        " AND (? IS NULL OR o.status = ?) AND (? = 0 OR o.status IN ('paid', 'confirmed', 'shipped', 'delivered', "
        "'completed')) AND (? IS NULL OR o.created_at >= ?) AND (? IS NULL OR o.created_at < ?) "
        "AND (? IS NULL OR o.live_id = (SELECT s.id FROM live_sessions s WHERE s.public_id = ?)) "
        "AND (? = 0 OR o.id < ?) ORDER BY o.id DESC LIMIT ?";
    char list[SQL_MAX] = "";
    select_list(list, order_fields, SHOP_OF_COUNT);
    cat(sql.select_one, "SELECT ", list, from, "WHERE o.id = ?", NULL);
    cat(sql.select_buyer, "SELECT ", list, from, "WHERE o.buyer_account_id = ?", page, NULL);
    cat(sql.select_coop, "SELECT ", list, from, "WHERE o.coop_id = ?", page, NULL);
    list[0] = '\0';
    select_list(list, line_fields, SHOP_OL_COUNT);
    cat(sql.select_lines, "SELECT ", list,
        " FROM order_lines l JOIN lots t ON t.id = l.lot_id WHERE l.order_id IN "
        "(SELECT j.id FROM JSON_TABLE(?, '$[*]' COLUMNS(id BIGINT PATH '$')) j) ORDER BY l.order_id, l.id",
        NULL);
    insert_sql(sql.insert, "orders", order_fields, SHOP_OF_COUNT);
    insert_sql(sql.insert_lines, "order_lines", line_fields, SHOP_OL_COUNT);
}

static void sql_ready(void)
{
    pthread_once(&sql_once, sql_build);
}

/* ---- records ------------------------------------------------------------ */

static const char *num(fl_arena *a, long long v)
{
    return fl_arena_printf(a, "%lld", v);
}

void shop_order_init(shop_order *o, fl_arena *a, const shop_order_new *in)
{
    char t[FL_SQLTIME_LEN];
    memset(o, 0, sizeof(*o));
    o->v[SHOP_OF_STATUS] = in->online ? "pending_payment" : "confirmed";
    o->v[SHOP_OF_BUYER_ACCOUNT_ID] = num(a, in->buyer_account_id);
    o->v[SHOP_OF_COOP_ID] = num(a, in->coop_id);
    o->v[SHOP_OF_COOP_NAME] = in->coop_name;
    o->v[SHOP_OF_FLASH_SALE_ID] = in->flash_sale_id ? num(a, in->flash_sale_id) : NULL;
    o->v[SHOP_OF_LIVE_ID] = in->live_id ? num(a, in->live_id) : NULL;
    o->v[SHOP_OF_LIVE_PUBLIC_ID] = in->live_id ? in->live_public_id : NULL;
    o->v[SHOP_OF_PAYMENT_METHOD] = in->online ? "online" : "cod";
    o->v[SHOP_OF_TOTAL_FEN] = num(a, in->total_fen);
    o->v[SHOP_OF_SHIP_NAME] = in->address->name;
    o->v[SHOP_OF_SHIP_PHONE] = in->address->phone;
    o->v[SHOP_OF_SHIP_PROVINCE] = in->address->province;
    o->v[SHOP_OF_SHIP_CITY] = in->address->city;
    o->v[SHOP_OF_SHIP_COUNTY] = in->address->county;
    o->v[SHOP_OF_SHIP_DETAIL] = in->address->detail;
    fl_time_sql(in->created, t);
    o->v[SHOP_OF_CREATED_AT] = fl_arena_strdup(a, t);
    if (in->online) {
        fl_time_sql(in->created + in->expiry_s, t);
        o->v[SHOP_OF_EXPIRES_AT] = fl_arena_strdup(a, t);
    }
}

long long shop_order_id(const shop_order *o)
{
    return o->v[SHOP_OF_ID] ? strtoll(o->v[SHOP_OF_ID], NULL, 10) : 0;
}

/* A new, empty line at the end of o's lines. */
static shop_order_line *line_next(shop_order *o, fl_arena *a)
{
    if (o->nlines == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : 4;
        shop_order_line *lines = fl_arena_alloc(a, cap * sizeof(*lines));
        if (o->nlines)
            memcpy(lines, o->lines, o->nlines * sizeof(*lines));
        o->lines = lines;
        o->cap = cap;
    }
    shop_order_line *l = &o->lines[o->nlines++];
    memset(l, 0, sizeof(*l));
    return l;
}

void shop_order_add_line(shop_order *o, fl_arena *a, const shop_order_line_new *in)
{
    shop_order_line *l = line_next(o, a);
    l->v[SHOP_OL_ORDER_ID] = o->v[SHOP_OF_ID]; /* NULL until inserted: shop_order_lines_insert sets it */
    l->v[SHOP_OL_SKU_ID] = num(a, in->sku_id);
    l->v[SHOP_OL_LOT_ID] = num(a, in->lot_id);
    l->v[SHOP_OL_LOT_CODE] = in->lot_code;
    l->v[SHOP_OL_PRODUCT_NAME] = in->product_name;
    l->v[SHOP_OL_SPEC] = in->spec;
    l->v[SHOP_OL_UNIT] = in->unit;
    l->v[SHOP_OL_QUANTITY] = num(a, in->quantity);
    l->v[SHOP_OL_UNIT_PRICE_FEN] = num(a, in->unit_price_fen);
    l->v[SHOP_OL_LINE_TOTAL_FEN] = num(a, in->quantity * in->unit_price_fen);
}

/* ---- the serializer ----------------------------------------------------- */

/* Appends `"name":`. */
static int key_text(fl_buf *b, const char *name)
{
    return fl_buf_append(b, "\"", 1) < 0 || fl_buf_append(b, name, strlen(name)) < 0 || fl_buf_append(b, "\":", 2) < 0
               ? -1
               : 0;
}

/* Appends value v of field f as its answer shows it. */
static int value_text(fl_buf *b, const field *f, const char *v)
{
    char t[FL_TIME_LEN];
    if (!v)
        return fl_buf_append(b, "null", 4);
    switch (f->kind) {
    case SHOP_FIELD_INT:
        return fl_buf_append(b, v, strlen(v));
    case SHOP_FIELD_TIME:
        if (fl_time_from_sql(v, t) < 0)
            return -1;
        return fl_buf_append(b, "\"", 1) < 0 || fl_buf_append(b, t, strlen(t)) < 0 || fl_buf_append(b, "\"", 1) < 0 ? -1
                                                                                                                    : 0;
    default:
        return shop_jtext_string(b, v);
    }
}

/* Appends "{" and one record's members: the fields with a JSON name, in
 * list order, SHOP_FIELD_ADDR ones inside "address". The caller closes the
 * object (an order adds its lines first). */
static int members_text(fl_buf *b, const field *f, size_t n, const char *const *v)
{
    size_t outer = 0, inner = 0;
    int in_addr = 0;
    if (fl_buf_append(b, "{", 1) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!f[i].json)
            continue;
        int addr = f[i].kind == SHOP_FIELD_ADDR;
        if (addr && !in_addr) {
            if (shop_jtext_sep(b, outer++, '{') < 0 || key_text(b, "address") < 0 || fl_buf_append(b, "{", 1) < 0)
                return -1;
            in_addr = 1;
            inner = 0;
        } else if (!addr && in_addr) {
            if (fl_buf_append(b, "}", 1) < 0)
                return -1;
            in_addr = 0;
        }
        size_t *k = in_addr ? &inner : &outer;
        if ((*k)++ && fl_buf_append(b, ",", 1) < 0)
            return -1;
        if (key_text(b, f[i].json) < 0 || value_text(b, &f[i], v[i]) < 0)
            return -1;
    }
    return in_addr ? fl_buf_append(b, "}", 1) : 0;
}

int shop_order_text(fl_buf *b, const shop_order *o)
{
    if (members_text(b, order_fields, SHOP_OF_COUNT, o->v) < 0 || fl_buf_append(b, ",\"lines\":[", 10) < 0)
        return -1;
    for (size_t i = 0; i < o->nlines; i++)
        if ((i && fl_buf_append(b, ",", 1) < 0) || members_text(b, line_fields, SHOP_OL_COUNT, o->lines[i].v) < 0 ||
            fl_buf_append(b, "}", 1) < 0)
            return -1;
    return fl_buf_append(b, "]}", 2);
}

/* ---- the writer --------------------------------------------------------- */

/* Appends one record's written fields as a JSON_TABLE row {"column":
 * value, ...}: numbers as they are, strings and times (DATETIME text) as
 * literals, NULL as null. */
static int param_row(fl_buf *b, const field *f, size_t n, const char *const *v)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!f[i].write)
            continue;
        if (shop_jtext_sep(b, k++, '{') < 0 || key_text(b, column(&f[i])) < 0)
            return -1;
        int rc = !v[i]                         ? fl_buf_append(b, "null", 4)
                 : f[i].kind == SHOP_FIELD_INT ? fl_buf_append(b, v[i], strlen(v[i]))
                                               : shop_jtext_string(b, v[i]);
        if (rc < 0)
            return -1;
    }
    return fl_buf_append(b, "}", 1);
}

int shop_order_insert(fl_db *db, fl_arena *a, shop_order *orders, size_t n)
{
    fl_buf b;
    int rc = FL_DB_ERR;
    if (n == 0)
        return FL_DB_OK;
    sql_ready();
    fl_buf_init(&b, 512 * n, PARAM_MAX);
    for (size_t i = 0; i < n; i++)
        if (shop_jtext_sep(&b, i, '[') < 0 || param_row(&b, order_fields, SHOP_OF_COUNT, orders[i].v) < 0)
            goto out_free;
    if (fl_buf_append(&b, "]", 1) < 0 || (rc = fl_db_exec(db, sql.insert, "s", b.p)) != FL_DB_OK)
        goto out_free;
    long long first = (long long)fl_db_insert_id(db);
    for (size_t i = 0; i < n; i++)
        orders[i].v[SHOP_OF_ID] = num(a, first + (long long)i);
out_free:
    fl_buf_free(&b);
    return rc;
}

int shop_order_lines_insert(fl_db *db, shop_order *orders, size_t n)
{
    fl_buf b;
    size_t k = 0;
    int rc = FL_DB_ERR;
    sql_ready();
    fl_buf_init(&b, 256 * (n + 1), PARAM_MAX);
    for (size_t i = 0; i < n; i++)
        for (size_t l = 0; l < orders[i].nlines; l++) {
            shop_order_line *line = &orders[i].lines[l];
            line->v[SHOP_OL_ORDER_ID] = orders[i].v[SHOP_OF_ID];
            if (shop_jtext_sep(&b, k++, '[') < 0 || param_row(&b, line_fields, SHOP_OL_COUNT, line->v) < 0)
                goto out_free;
        }
    rc = FL_DB_OK;
    if (k > 0)
        rc = fl_buf_append(&b, "]", 1) < 0 ? FL_DB_ERR : fl_db_exec(db, sql.insert_lines, "s", b.p);
out_free:
    fl_buf_free(&b);
    return rc;
}

/* ---- the reader --------------------------------------------------------- */

static void rows_free_cb(void *p)
{
    fl_rows_free(p);
}

/* A line of o from the columns of the read path's SELECT of lines (the
 * line field list's order: SHOP_OL_*), as MariaDB gives them. */
static void line_from_cols(shop_order *o, fl_arena *a, const char *const cols[SHOP_OL_COUNT])
{
    shop_order_line *l = line_next(o, a);
    memcpy(l->v, cols, sizeof(l->v));
}

/* Reads the lines of orders[0..n) (their ids set) into them; the rows live
 * as long as a. */
static int lines_read(fl_db *db, fl_arena *a, shop_order *orders, size_t n)
{
    fl_buf ids;
    fl_rows *rows = NULL;
    int rc = FL_DB_ERR;
    fl_buf_init(&ids, 24 * n + 2, PARAM_MAX);
    for (size_t i = 0; i < n; i++)
        if (shop_jtext_sep(&ids, i, '[') < 0 || fl_buf_printf(&ids, "%s", orders[i].v[SHOP_OF_ID]) < 0)
            goto out_free;
    if (fl_buf_append(&ids, "]", 1) < 0 || (rc = fl_db_query(db, &rows, sql.select_lines, "s", ids.p)) != FL_DB_OK)
        goto out_free;
    fl_arena_defer(a, rows_free_cb, rows);
    for (size_t r = 0, i = 0; r < fl_rows_count(rows); r++) {
        const char *oid = fl_rows_str(rows, r, SHOP_OL_ORDER_ID);
        for (size_t tried = 0; tried < n && strcmp(orders[i].v[SHOP_OF_ID], oid) != 0; tried++)
            i = (i + 1) % n; /* rows come grouped by order: the next one is usually where the last was */
        const char *cols[SHOP_OL_COUNT];
        for (size_t c = 0; c < SHOP_OL_COUNT; c++)
            cols[c] = fl_rows_str(rows, r, c);
        line_from_cols(&orders[i], a, cols);
    }
out_free:
    fl_buf_free(&ids);
    return rc;
}

/* An order from the columns of the read path's SELECT (the field list's
 * order: SHOP_OF_*), as MariaDB gives them. */
static void order_from_cols(shop_order *o, const char *const cols[SHOP_OF_COUNT])
{
    memset(o, 0, sizeof(*o));
    memcpy(o->v, cols, sizeof(o->v));
}

/* Order row r of rows into o. */
static void order_from_row(shop_order *o, const fl_rows *rows, size_t r)
{
    const char *cols[SHOP_OF_COUNT];
    for (size_t c = 0; c < SHOP_OF_COUNT; c++)
        cols[c] = fl_rows_str(rows, r, c);
    order_from_cols(o, cols);
}

int shop_order_read(fl_db *db, fl_arena *a, long long id, shop_order *o, int *found)
{
    fl_rows *rows = NULL;
    *found = 0;
    memset(o, 0, sizeof(*o));
    sql_ready();
    int rc = fl_db_query(db, &rows, sql.select_one, "i", id);
    if (rc != FL_DB_OK)
        return rc;
    fl_arena_defer(a, rows_free_cb, rows);
    if (fl_rows_count(rows) != 1)
        return FL_DB_OK;
    order_from_row(o, rows, 0);
    *found = 1;
    return lines_read(db, a, o, 1);
}

/* The rows of the orders q names, up to limit of them into *orders (with
 * their lines); *rows holds limit + 1 at most (the cursor's). */
static int list_read(fl_db *db, fl_arena *a, const shop_order_query *q, long long limit, fl_rows **rows,
                     shop_order **orders, size_t *n)
{
    *orders = NULL;
    *n = 0;
    sql_ready();
    int rc = fl_db_query(db, rows, q->buyer_id ? sql.select_buyer : sql.select_coop, "ississssssiii",
                         q->buyer_id ? q->buyer_id : q->coop_id, q->status, q->status, (long long)q->sold, q->from,
                         q->from, q->to, q->to, q->live_public_id, q->live_public_id, q->before, q->before, limit + 1);
    if (rc != FL_DB_OK)
        return rc;
    fl_arena_defer(a, rows_free_cb, *rows);
    *n = fl_rows_count(*rows) < (size_t)limit ? fl_rows_count(*rows) : (size_t)limit;
    if (*n == 0)
        return FL_DB_OK;
    *orders = fl_arena_alloc(a, *n * sizeof(**orders));
    for (size_t i = 0; i < *n; i++)
        order_from_row(&(*orders)[i], *rows, i);
    return lines_read(db, a, *orders, *n);
}

int shop_order_list(fl_db *db, fl_arena *a, const shop_order_query *q, shop_order **orders, size_t *n)
{
    fl_rows *rows = NULL;
    return list_read(db, a, q, q->limit + 1, &rows, orders, n);
}

int shop_order_page(fl_db *db, fl_arena *a, const shop_order_query *q, fl_buf *b)
{
    fl_rows *rows = NULL;
    shop_order *orders = NULL;
    size_t n = 0;
    int rc = list_read(db, a, q, q->limit, &rows, &orders, &n);
    if (rc != FL_DB_OK)
        return rc;
    json_t *next = shop_cursor_next(rows, q->limit, SHOP_OF_ID);
    char *cursor = json_dumps(next, JSON_ENCODE_ANY);
    json_decref(next);
    int err = !cursor || fl_buf_append(b, "{\"items\":[", 10) < 0;
    for (size_t i = 0; i < n && !err; i++)
        err = (i && fl_buf_append(b, ",", 1) < 0) || shop_order_text(b, &orders[i]) < 0;
    err = err || fl_buf_printf(b, "],\"next_cursor\":%s}", cursor) < 0;
    free(cursor);
    return err ? FL_DB_ERR : FL_DB_OK;
}

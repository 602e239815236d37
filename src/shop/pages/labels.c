/* labels.c - QR codes and printable label sheets for a lot.
 *
 *   GET /api/v1/lots/{lot_code}/qr.svg[?size=]      the QR code as SVG
 *   GET /api/v1/lots/{lot_code}/qr.png[?scale=]     the QR code as PNG (8-bit grey)
 *   GET /api/v1/lots/{lot_code}/labels[?n=][&lang=en]  an A4 sheet of N labels (HTML)
 *
 * The code holds shop_lot_qr_url(): a GS1 Digital Link URL
 * {public_base}/01/{gtin}/10/{lot} when the SKU has a GTIN, else
 * {public_base}/t/{lot}; both resolve to the trace page. Error correction M,
 * quiet zone of 4 modules. libqrencode builds the matrix; the SVG, the sheet
 * and (through libpng) the PNG are written by the bounded page writer
 * (html.h). */
#include "farmlive/shop/pages/labels.h"

#include <errno.h>
#include <png.h>
#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "farmlive/alloc.h"
#include "farmlive/shop/domain/lot_code.h"
#include "farmlive/shop/pages/html.h"

#define QR_QUIET 4
#define PNG_SCALE_DEFAULT 8
#define PNG_SCALE_MAX 32
#define PNG_MAX (4 * 1024 * 1024)
#define SVG_MAX (1024 * 1024)
#define SHEET_MAX (8 * 1024 * 1024)
#define SHEET_N_DEFAULT 24
#define SHEET_N_MAX 240

/* Columns of LABEL_SELECT. */
enum { LB_CODE, LB_GTIN, LB_NAME_ZH, LB_NAME_EN, LB_SPEC, LB_PACK, LB_COOP };

#define LABEL_SELECT                                                                                                   \
    "SELECT l.code, s.gtin, p.name_zh, p.name_en, s.spec, DATE_FORMAT(l.pack_date, '%Y-%m-%d'), "                      \
    "c.name FROM lots l JOIN skus s ON s.id = l.sku_id JOIN products p ON p.id = s.product_id "                        \
    "JOIN cooperatives c ON c.id = l.coop_id WHERE l.code = ?"

static int parse_int(const char *s, int min, int max, int *out)
{
    char *end = NULL;
    long v;
    if (!s || !*s)
        return 0;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

/* The lot's label row and its QR matrix (free with QRcode_free). 404 when
 * the lot is unknown. */
static int label_load(shop_req *r, fl_rows **rows, QRcode **qr, const char **url)
{
    fl_db *db = NULL;
    const char *code = shop_lot_code_canon(r->arena, shop_param(r, 0));
    int rc;
    *qr = NULL;
    if (!shop_lot_code_valid(code))
        return shop_fail(r, SHOP_E_NOT_FOUND, "no lot has code %s", code);
    if ((rc = shop_db(r, &db)))
        return rc;
    rc = fl_db_query(db, rows, LABEL_SELECT, "s", code);
    if (rc != FL_DB_OK)
        return shop_fail_db(r, rc);
    if (fl_rows_count(*rows) == 0)
        return shop_fail(r, SHOP_E_NOT_FOUND, "no lot has code %s", code);
    *url = shop_lot_qr_url(r->arena, r->ctx->cfg->public_base, fl_rows_str(*rows, 0, LB_GTIN), code);
    *qr = QRcode_encodeString(*url, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!*qr)
        return shop_fail(r, SHOP_E_INTERNAL, "the QR code cannot be built: %s", strerror(errno));
    return SHOP_OK;
}

/* The QR code as an SVG element sized size_css (e.g. "30mm"), dark runs as
 * one path. */
static void qr_svg(shop_html *h, const QRcode *qr, const char *size_css)
{
    int w = qr->width, full = w + 2 * QR_QUIET;
    shop_html_put(h,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%s\" height=\"%s\" "
                  "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
                  "<path fill=\"#000\" d=\"",
                  full, full, size_css, size_css, full, full);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w;) {
            int run = 0;
            while (x + run < w && (qr->data[y * w + x + run] & 1))
                run++;
            if (run) {
                shop_html_put(h, "M%d %dh%dv1h-%dz", x + QR_QUIET, y + QR_QUIET, run, run);
                x += run;
            } else {
                x++;
            }
        }
    shop_html_put(h, "\"/></svg>");
}

int shop_qr_svg_text(shop_html *h, const char *text, const char *size_css)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return -1;
    qr_svg(h, qr, size_css);
    QRcode_free(qr);
    return 0;
}

/* GET /api/v1/lots/{lot_code}/qr.svg?size=<mm> */
int shop_labels_qr_svg(shop_req *r)
{
    shop_html b;
    fl_rows *rows = NULL;
    QRcode *qr = NULL;
    const char *url = NULL;
    int mm = 40, rc;
    shop_html_init(&b, SVG_MAX);
    if (parse_int(shop_query(r, "size"), 10, 200, &mm)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "size must be 10..200 (millimetres)");
        goto out;
    }
    if ((rc = label_load(r, &rows, &qr, &url)))
        goto out;
    shop_html_put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    qr_svg(&b, qr, fl_arena_printf(r->arena, "%dmm", mm));
    shop_add_header(r, "X-QR-Content", url);
    rc = shop_html_reply(r, &b, 200, "image/svg+xml");
out:
    shop_html_free(&b);
    QRcode_free(qr);
    fl_rows_free(rows);
    return rc;
}

static void png_write_cb(png_structp png, png_bytep data, png_size_t len)
{
    shop_html *b = png_get_io_ptr(png);
    shop_html_raw(b, data, len);
    if (b->failed)
        png_error(png, "PNG larger than its maximum");
}

static void png_flush_cb(png_structp png)
{
    (void)png;
}

/* Encodes qr at scale pixels per module into b. 0 or -1. */
static int qr_png(shop_html *b, const QRcode *qr, int scale)
{
    png_structp png = NULL;
    png_infop info = NULL;
    int full = (qr->width + 2 * QR_QUIET) * scale;
    unsigned char *line = fl_malloc((size_t)full);
    int rc = -1;

    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (!png)
        goto out_free;
    info = png_create_info_struct(png);
    if (!info)
        goto out_free;
    if (setjmp(png_jmpbuf(png)))
        goto out_free; /* rc is still -1: nothing below changes it before the end */
    png_set_write_fn(png, b, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, (png_uint_32)full, (png_uint_32)full, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int py = 0; py < full; py++) {
        int y = py / scale - QR_QUIET;
        for (int px = 0; px < full; px++) {
            int x = px / scale - QR_QUIET;
            int dark = y >= 0 && y < qr->width && x >= 0 && x < qr->width && (qr->data[y * qr->width + x] & 1);
            line[px] = dark ? 0 : 255;
        }
        png_write_row(png, line);
    }
    png_write_end(png, info);
    if (!b->failed)
        rc = 0;
out_free:
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    fl_free(line);
    return rc;
}

/* GET /api/v1/lots/{lot_code}/qr.png?scale=<pixels per module> */
int shop_labels_qr_png(shop_req *r)
{
    shop_html b;
    fl_rows *rows = NULL;
    QRcode *qr = NULL;
    const char *url = NULL;
    int scale = PNG_SCALE_DEFAULT, rc;
    shop_html_init(&b, PNG_MAX);
    if (parse_int(shop_query(r, "scale"), 1, PNG_SCALE_MAX, &scale)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "scale must be 1..%d", PNG_SCALE_MAX);
        goto out;
    }
    if ((rc = label_load(r, &rows, &qr, &url)))
        goto out;
    if (qr_png(&b, qr, scale) != 0) {
        rc = shop_fail(r, SHOP_E_INTERNAL, "the PNG cannot be written");
        goto out;
    }
    shop_add_header(r, "X-QR-Content", url);
    rc = shop_html_reply(r, &b, 200, "image/png");
out:
    shop_html_free(&b);
    QRcode_free(qr);
    fl_rows_free(rows);
    return rc;
}

/* GET /api/v1/lots/{lot_code}/labels?n=24&lang=en : 3 x 8 labels of 70 x 37 mm
 * per A4 page, each with product, spec, lot code, cooperative and QR. */
int shop_labels_sheet(shop_req *r)
{
    shop_html b, qrb;
    fl_rows *rows = NULL;
    QRcode *qr = NULL;
    const char *url = NULL, *l = shop_query(r, "lang"), *name;
    int n = SHEET_N_DEFAULT, en = l && strncmp(l, "en", 2) == 0, rc;

    shop_html_init(&b, SHEET_MAX);
    shop_html_init(&qrb, SVG_MAX);
    if (parse_int(shop_query(r, "n"), 1, SHEET_N_MAX, &n)) {
        rc = shop_fail(r, SHOP_E_BAD_REQUEST, "n must be 1..%d", SHEET_N_MAX);
        goto out;
    }
    if ((rc = label_load(r, &rows, &qr, &url)))
        goto out;
    name = en && fl_rows_str(rows, 0, LB_NAME_EN) ? fl_rows_str(rows, 0, LB_NAME_EN) : fl_rows_str(rows, 0, LB_NAME_ZH);
    qr_svg(&qrb, qr, "27mm");
    if (qrb.failed) {
        rc = shop_fail(r, SHOP_E_INTERNAL, "the QR code is too large");
        goto out;
    }
    shop_html_put(&b,
                  "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\"><title>%s %s</title><style>"
                  "@page{size:A4;margin:10mm 0 0 0}body{margin:0;font:9pt system-ui,sans-serif}"
                  ".sheet{width:210mm;display:grid;grid-template-columns:repeat(3,70mm);grid-auto-rows:37mm}"
                  ".label{box-sizing:border-box;padding:2mm 3mm;display:flex;gap:2mm;align-items:center;"
                  "break-inside:avoid;border:0.1mm dashed #bbb}.label b{display:block;font-size:10pt}"
                  ".code{font-family:monospace;font-size:8.5pt}small{color:#444}"
                  "@media print{.label{border:none}}</style></head><body><div class=\"sheet\">",
                  en ? "en" : "zh-CN", name, shop_lot_code_canon(r->arena, shop_param(r, 0)));
    for (int i = 0; i < n; i++)
        shop_html_put(&b,
                      "<div class=\"label\">%m<div><b>%s</b>%s<br><span class=\"code\">%s</span><br><small>%s</small>"
                      "<br><small>%s</small></div></div>",
                      qrb.buf.p, name, fl_rows_str(rows, 0, LB_SPEC), fl_rows_str(rows, 0, LB_CODE),
                      fl_rows_str(rows, 0, LB_COOP), en ? "Scan to trace" : "扫码查看追溯与合格证");
    shop_html_put(&b, "</div></body></html>");
    rc = shop_html_reply(r, &b, 200, "text/html; charset=utf-8");
out:
    shop_html_free(&b);
    shop_html_free(&qrb);
    QRcode_free(qr);
    fl_rows_free(rows);
    return rc;
}

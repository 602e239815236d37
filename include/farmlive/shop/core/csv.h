/* shop/core/csv.h - CSV written as text (csv.c): RFC 4180 rows, guarded for
 * spreadsheets.
 *
 * A file starts with SHOP_CSV_BOM so Excel reads it as UTF-8 (it takes a
 * file without one for the system's code page and garbles Chinese). Rows
 * end with CRLF; a cell holding a comma, a quote, CR or LF is quoted, its
 * quotes doubled. A cell that begins with = + - @ (or a tab or CR) would
 * be read by a spreadsheet as a formula (CSV injection, OWASP): it is
 * written with a leading apostrophe ("'=1+2"), which the spreadsheet shows
 * as text. Pure: no I/O, no globals. */
#ifndef FARMLIVE_SHOP_CORE_CSV_H
#define FARMLIVE_SHOP_CORE_CSV_H

#include <stddef.h>
#include "farmlive/buf.h"

#define SHOP_CSV_BOM "\xEF\xBB\xBF"
#define SHOP_CSV_TYPE "text/csv; charset=utf-8"

/* Appends cell i of a row (a comma before it unless i is 0): s as above,
 * NULL as an empty cell. 0, or -1 at b's maximum. */
int shop_csv_cell(fl_buf *b, size_t i, const char *s);

/* Ends a row (CRLF). 0, or -1 at b's maximum. */
int shop_csv_row_end(fl_buf *b);

#endif

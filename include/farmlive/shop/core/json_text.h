/* shop/core/json_text.h - JSON written as text, for hot paths (json_text.c).
 *
 * Where a tree (jansson) would cost more than the answer is worth - an
 * order's answer, a JSON_TABLE parameter of a thousand rows - the text is
 * formatted around string literals written here. A literal is exactly what
 * jansson's json_dumps writes for the same string (compact, UTF-8 as is, "/"
 * not escaped): '"' and '\' escaped, \b \f \n \r \t, other control
 * characters as \u00XX (uppercase hex); so text made here and text made by
 * a tree are the same bytes. Pure: no I/O, no globals. */
#ifndef FARMLIVE_SHOP_CORE_JSON_TEXT_H
#define FARMLIVE_SHOP_CORE_JSON_TEXT_H

#include <stddef.h>
#include "farmlive/buf.h"

/* Appends s (NUL-terminated) as a JSON string literal, quotes included.
 * 0, or -1 when s is not UTF-8 (as jansson refuses it) or b reached its
 * maximum (b may then hold part of the literal: the caller drops b's text). */
int shop_jtext_string(fl_buf *b, const char *s);

/* Appends the separator before element i of an array or member i of an
 * object: `open` ('[' or '{') when i is 0, else ','. 0, or -1 at b's maximum. */
int shop_jtext_sep(fl_buf *b, size_t i, char open);

#endif

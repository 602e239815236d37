/* canon_json.h - canonical JSON: one byte string per JSON value.
 *
 * The trace hash chain and the signatures are computed over this form, so it
 * must never change. The rules, exactly:
 *
 *   - no whitespace anywhere; "," between members and elements, ":" after keys;
 *   - object members sorted by key, comparing the keys' UTF-8 bytes
 *     (memcmp order, which is also Unicode code point order); keys are unique
 *     (jansson guarantees it);
 *   - strings: UTF-8 written as is (no \u escapes for non-ASCII, "/" not
 *     escaped); only these are escaped: '"' -> \", '\' -> \\, and the control
 *     characters U+0000..U+001F as \b \t \n \f \r where those exist, else as
 *     \u00XX with lowercase hex; U+007F is written as is;
 *   - integers in decimal, "-" for negatives, no leading zeros, no "+";
 *   - true, false, null;
 *   - reals are NOT representable (their text form is not stable across
 *     encoders): a value holding one is refused. Write decimals as strings.
 *
 * Pure: no I/O, no globals; safe from any thread. */
#ifndef FARMLIVE_CANON_JSON_H
#define FARMLIVE_CANON_JSON_H

#include <stddef.h>
#include <jansson.h>

/* Longest canonical text produced (bytes, without the NUL). */
#define FL_CANON_MAX (1024 * 1024)

/* The canonical text of v, NUL-terminated, from fl_malloc (free with
 * fl_free); *len gets its length when len is not NULL. NULL when v holds a
 * real, nests deeper than 64 levels, or the text would pass FL_CANON_MAX. */
char *fl_canon_json(const json_t *v, size_t *len);

/* 1 when v can be written canonically (no reals, depth <= 64), else 0. */
int fl_canon_json_ok(const json_t *v);

#endif

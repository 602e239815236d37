/* shop/domain/lot_code.h - a lot's code, and the URL its QR code holds.
 *
 * A lot code is what is printed on the box and typed or scanned by a buyer:
 * 3..64 of A-Z, 0-9 and '-', starting with a letter or a digit (so it sits in
 * a URL path as it is). Pure: no I/O. */
#ifndef FARMLIVE_SHOP_DOMAIN_LOT_CODE_H
#define FARMLIVE_SHOP_DOMAIN_LOT_CODE_H

#include "farmlive/arena.h"

#define SHOP_LOT_CODE_MIN 3
#define SHOP_LOT_CODE_MAX 64

/* 1 when s is a lot code in its canonical case, else 0 (NULL included). */
int shop_lot_code_valid(const char *s);

/* s with a-z upper-cased (its canonical case), in a; NULL for NULL. Every
 * entry of a lot code (route parameters, bodies) goes through it before
 * shop_lot_code_valid and any lookup. */
const char *shop_lot_code_canon(fl_arena *a, const char *s);

/* The URL a lot's QR code holds, in a: {public_base}/01/{gtin}/10/{code}
 * (a GS1 Digital Link) when the SKU has a GTIN, else {public_base}/t/{code}.
 * Both lead to the trace page. */
const char *shop_lot_qr_url(fl_arena *a, const char *public_base, const char *gtin, const char *code);

#endif
